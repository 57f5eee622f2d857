package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Authenticate verifies an access token issued by this service and
// returns its claims: the signature (by a published, unrevoked key), "typ"
// at+jwt, issuer, audience (the first of [Config.Audience]), lifetime, and
// the in-memory revocation replica (token, session, user), with no store
// round trip. Errors have [CodeUnauthorized] and wrap the [jwt] error
// (errors.Is(err, jwt.ErrRevoked), jwt.ErrExpired, …).
func (s *Service) Authenticate(ctx context.Context, accessToken string) (*AccessClaims, error) {
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	if err := s.fresh(); err != nil {
		return nil, err
	}
	return verifyAccess(st, accessToken)
}

// verifyAccess is [Service.Authenticate] without the freshness check.
func verifyAccess(st *keyState, accessToken string) (*AccessClaims, error) {
	c := new(AccessClaims)
	if err := st.verifier.VerifyInto(accessToken, c); err != nil {
		return nil, unauthorized(err)
	}
	return c, nil
}

// fresh returns an error if the revocation replica is older than
// [Config.MaxRevocationStaleness].
func (s *Service) fresh() error {
	if s.cfg.MaxRevocationStaleness <= 0 {
		return nil
	}
	if age := s.now().Sub(s.revs.LoadedAt()); age > s.cfg.MaxRevocationStaleness {
		return &Error{Code: CodeUnavailable, Message: "The revocation list is out of date; try again later."}
	}
	return nil
}

func unauthorized(err error) error {
	return fmt.Errorf("%w (%w)", &Error{Code: CodeUnauthorized, Message: "The access token is invalid, expired or revoked."}, err)
}

// Introspection is the answer of [Service.Introspect] ([RFC 7662,
// Section 2.2]). An inactive token has only Active false.
//
// [RFC 7662, Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
type Introspection struct {
	Active    bool
	TokenType string // "access_token" or "refresh_token"
	Scope     string
	ClientID  string
	Subject   string
	Audience  []string
	Issuer    string
	ExpiresAt time.Time
	IssuedAt  time.Time
	TokenID   string // "jti"
	SessionID string
	Roles     []string
	// Username is the email address of the user a token of a session
	// belongs to; empty for client_credentials tokens.
	Username string
}

// Introspect says whether token (an access token or a refresh token of
// this server) is active and describes it ([RFC 7662]). A refresh token is
// active if [Service.Refresh] would accept it: it is its live session's
// current token, or the previous one within the grace window. A token of
// a user who has been deleted is inactive. Invalid tokens are not errors:
// they are inactive. Errors: [CodeUnavailable] when the revocation replica is
// older than [Config.MaxRevocationStaleness] (an access token cannot then
// be said to be active or not), and store errors.
//
// [RFC 7662]: https://www.rfc-editor.org/rfc/rfc7662
func (s *Service) Introspect(ctx context.Context, token string) (*Introspection, error) {
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(token, RefreshTokenPrefix) {
		rt, ok := parseRefreshToken(st.mac, token)
		if !ok {
			return &Introspection{}, nil
		}
		var (
			sess *Session
			user *User
		)
		err := s.view(ctx, func(tx ReadTx) error {
			var err error
			if sess, err = tx.Session(rt.sessionID); err != nil {
				return err
			}
			user, err = tx.User(sess.UserID)
			return err
		})
		if IsCode(err, CodeNotFound) {
			return &Introspection{}, nil
		}
		if err != nil {
			return nil, err
		}
		now := s.now()
		if !sess.Active(now, s.cfg.SessionIdleTTL) || !s.validCounter(sess, rt.counter, now) {
			return &Introspection{}, nil
		}
		return &Introspection{Active: true, TokenType: "refresh_token", ClientID: sess.ClientID, Subject: sess.UserID,
			Issuer: s.cfg.Issuer, ExpiresAt: sess.ExpiresAt, IssuedAt: sess.RotatedAt, SessionID: sess.ID, Username: user.Email}, nil
	}
	c, err := s.Authenticate(ctx, token)
	if IsCode(err, CodeUnavailable) {
		return nil, err
	}
	if err != nil {
		return &Introspection{}, nil
	}
	in := &Introspection{Active: true, TokenType: "access_token", Scope: c.Scope, ClientID: c.ClientID, Subject: c.Subject,
		Audience: c.Audience, Issuer: c.Issuer, ExpiresAt: c.ExpiresAt, IssuedAt: c.IssuedAt, TokenID: c.ID,
		SessionID: c.SessionID, Roles: c.Roles}
	if c.SessionID != "" && c.Subject != "" {
		// A user's token: one read by primary key for the username.
		err := s.view(ctx, func(tx ReadTx) error {
			u, err := tx.User(c.Subject)
			if err == nil {
				in.Username = u.Email
			}
			return err
		})
		if IsCode(err, CodeNotFound) {
			return &Introspection{}, nil // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
	}
	return in, nil
}

// validCounter reports whether a refresh token with counter is one that
// [Service.Refresh] accepts for sess at now: the current token, or the
// previous one within the grace window.
func (s *Service) validCounter(sess *Session, counter uint64, now time.Time) bool {
	return counter == sess.Counter || (counter+1 == sess.Counter && s.grace > 0 && now.Before(sess.RotatedAt.Add(s.grace)))
}

// RevokeToken revokes a token as [RFC 7009] asks: a refresh token ends its
// session (and so revokes its access tokens); an access token is revoked
// by its "jti" until it expires. A token that is invalid, expired or
// already revoked is not an error (Section 2.2). Errors come only from
// the store.
//
// [RFC 7009]: https://www.rfc-editor.org/rfc/rfc7009
func (s *Service) RevokeToken(ctx context.Context, token string, meta RequestMeta) error {
	st, err := s.keys.state()
	if err != nil {
		return err
	}
	now := s.now()
	if strings.HasPrefix(token, RefreshTokenPrefix) {
		rt, ok := parseRefreshToken(st.mac, token)
		if !ok {
			return nil
		}
		err := s.update(ctx, func(tx Tx, l *txlog) error {
			sess, err := tx.LockSession(rt.sessionID)
			if err != nil {
				return err
			}
			if !sess.EndedAt.IsZero() {
				return nil
			}
			ev := s.event(now, EventRevoke, OutcomeSuccess, meta)
			ev.UserID, ev.SessionID, ev.ClientID, ev.Detail = sess.UserID, sess.ID, sess.ClientID, "token_type=refresh_token"
			l.audit(ev)
			return s.endSession(tx, l, sess, now, EndRevoked, meta)
		})
		if IsCode(err, CodeNotFound) {
			return nil
		}
		return err
	}
	// No freshness check: revoking a token that the store already
	// revokes is harmless, and a stale replica must not make the
	// revocation a silent no-op.
	c, err := verifyAccess(st, token)
	if err != nil {
		return nil
	}
	return s.update(ctx, func(tx Tx, l *txlog) error {
		l.revoke(Revocation{Kind: RevokeToken, Subject: c.ID, NotBefore: now, Expires: c.ExpiresAt.Add(Leeway), CreatedAt: now})
		ev := s.event(now, EventRevoke, OutcomeSuccess, meta)
		ev.UserID, ev.SessionID, ev.ClientID, ev.Detail = c.Subject, c.SessionID, c.ClientID, "token_type=access_token jti="+c.ID
		l.audit(ev)
		return nil
	})
}
