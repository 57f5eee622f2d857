package auth

import (
	"fmt"
	"time"

	"github.com/wardauth/ward/jose/jwt"
)

// tokenPair signs an access token for u in sess and returns it with the
// session's current refresh token.
func (s *Service) tokenPair(u *User, sess *Session, now time.Time) (*TokenPair, error) {
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	tok, exp, err := s.signAccess(u.ID, sess.ID, sess.ClientID, "", u.Roles, now)
	if err != nil {
		return nil, err
	}
	return &TokenPair{
		AccessToken:  tok,
		TokenType:    "Bearer",
		ExpiresIn:    int(s.cfg.AccessTTL / time.Second),
		ExpiresAt:    exp,
		RefreshToken: makeRefreshToken(st.mac, sess.ID, sess.Counter),
		SessionID:    sess.ID,
	}, nil
}

// signAccess signs an RFC 9068 access token, with the active key of a
// keyring whose lease is not over (see [Service.MaybeRotateKeys]).
func (s *Service) signAccess(sub, sid, clientID, scope string, roles []string, now time.Time) (string, time.Time, error) {
	st, err := s.keys.signing()
	if err != nil {
		return "", time.Time{}, err
	}
	now = now.Truncate(time.Second)
	exp := now.Add(s.cfg.AccessTTL)
	c := &AccessClaims{
		Claims:    jwtClaims(s.cfg.Issuer, sub, s.cfg.Audience, exp, now, newTokenID()),
		SessionID: sid, ClientID: clientID, Scope: scope, Roles: roles,
	}
	tok, err := st.signer.Sign(c)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: signing access token: %w", err)
	}
	return tok, exp, nil
}

func jwtClaims(iss, sub string, aud []string, exp, iat time.Time, jti string) jwt.Claims {
	return jwt.Claims{Issuer: iss, Subject: sub, Audience: jwt.Audience(aud), ExpiresAt: exp, IssuedAt: iat, ID: jti}
}
