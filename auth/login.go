package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

var errBadLogin = &Error{Code: CodeInvalidCredentials, Message: "Wrong email or password."}

// Signup creates an account with the given email and password and no
// roles, and returns it (without its password hash). Errors:
// [CodeInvalidRequest] (malformed email), [CodeWeakPassword] (with the
// reason), [CodeEmailTaken], [CodeUnavailable] (no hashing slot before
// ctx ended).
func (s *Service) Signup(ctx context.Context, email, password string, meta RequestMeta) (*User, error) {
	return s.createUser(ctx, email, password, nil, EventSignup, meta)
}

// AddUser creates an account with roles, as an administrator: the same
// rules and errors as [Service.Signup].
func (s *Service) AddUser(ctx context.Context, email, password string, roles []string, meta RequestMeta) (*User, error) {
	return s.createUser(ctx, email, password, roles, EventUserAdd, meta)
}

func (s *Service) createUser(ctx context.Context, email, password string, roles []string, evType string, meta RequestMeta) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if roles, err = NormalizeRoles(roles); err != nil {
		return nil, err
	}
	if err := s.CheckPassword(password, email); err != nil {
		return nil, err
	}
	// Refuse a taken address before spending a hash on it.
	err = s.view(ctx, func(tx ReadTx) error {
		_, err := tx.UserByEmail(email)
		return err
	})
	switch {
	case err == nil:
		return nil, emailTaken()
	case !IsCode(err, CodeNotFound):
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{ID: newID(16), Email: email, PasswordHash: hash, Roles: roles, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
	err = s.update(ctx, func(tx Tx, l *txlog) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		ev := s.event(now, evType, OutcomeSuccess, meta)
		ev.UserID = u.ID
		if len(roles) > 0 {
			ev.Detail = "roles=" + strings.Join(roles, ",")
		}
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return publicUser(u), nil
}

func emailTaken() error {
	return &Error{Code: CodeEmailTaken, Message: "An account with this email address already exists."}
}

// publicUser returns a copy of u without its password hash.
func publicUser(u *User) *User {
	c := *u
	c.PasswordHash = ""
	return &c
}

// Login checks an email and password and starts a session: it returns an
// access token and the session's first refresh token. The password hash is
// upgraded when the configured argon2id parameters differ from its own.
// Errors: [CodeInvalidCredentials] for an unknown email, a wrong password
// or a disabled account, with the same message and similar timing (an
// unknown email is checked against a dummy hash); [CodeUnavailable] when
// no hashing slot is free within [Config.MaxHashWait].
// Successes and failures are audited ("login").
func (s *Service) Login(ctx context.Context, email, password string, meta RequestMeta) (*TokenPair, error) {
	return s.login(ctx, email, password, "", meta)
}

// PasswordGrant is the OAuth password grant ([RFC 6749, Section 4.3]) for
// legacy clients: [Service.Login] with the same checks, timing and audit
// (detail "grant=password"). The server offers it only when configured.
//
// [RFC 6749, Section 4.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.3
func (s *Service) PasswordGrant(ctx context.Context, email, password string, meta RequestMeta) (*TokenPair, error) {
	return s.login(ctx, email, password, "grant=password", meta)
}

func (s *Service) login(ctx context.Context, email, password, detail string, meta RequestMeta) (*TokenPair, error) {
	norm, emailErr := NormalizeEmail(email)
	var u *User
	if emailErr == nil && len(password) <= 4*s.cfg.PasswordPolicy.MaxLength {
		err := s.view(ctx, func(tx ReadTx) error {
			var err error
			u, err = tx.UserByEmail(norm)
			return err
		})
		if err != nil && !IsCode(err, CodeNotFound) {
			return nil, err
		}
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if len(password) > 4*s.cfg.PasswordPolicy.MaxLength {
		password = password[:4*s.cfg.PasswordPolicy.MaxLength] // it cannot match; bound the hashing cost
	}
	ok, rehash, err := s.hasher.Verify(ctx, password, hash)
	if err != nil && !errors.Is(err, errBadHash) {
		return nil, err
	}
	now := s.now()
	if !ok || u.Disabled {
		ev := s.event(now, EventLogin, OutcomeFailure, meta)
		ev.Detail = joinDetail(detail, "reason=unknown_user")
		if u != nil {
			ev.UserID = u.ID
			ev.Detail = joinDetail(detail, "reason=bad_password")
			if ok {
				ev.Detail = joinDetail(detail, "reason=disabled")
			}
		}
		s.recordFailure(ctx, ev)
		return nil, errBadLogin
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, password); err != nil {
			return nil, err
		}
	}
	sess := &Session{
		ID: newID(sessionIDLen), UserID: u.ID, ClientID: s.cfg.AppClientID,
		RotatedAt: now, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.cfg.SessionAbsoluteTTL),
		IP: meta.clean().IP, UserAgent: meta.clean().UserAgent,
	}
	err = s.update(ctx, func(tx Tx, l *txlog) error {
		cur, err := tx.LockUser(u.ID)
		if err != nil {
			return err
		}
		if cur.Disabled || cur.PasswordHash != u.PasswordHash {
			return errBadLogin // changed while we were hashing
		}
		if newHash != "" {
			cur.PasswordHash, cur.UpdatedAt = newHash, now
			if err := tx.UpdateUser(cur); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(sess); err != nil {
			return err
		}
		u = cur
		ev := s.event(now, EventLogin, OutcomeSuccess, meta)
		ev.UserID, ev.SessionID, ev.ClientID, ev.Detail = u.ID, sess.ID, sess.ClientID, detail
		if newHash != "" {
			ev.Detail = joinDetail(detail, "rehashed="+s.hasher.Params().String())
		}
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.tokenPair(u, sess, now)
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// tokenPair signs an access token for u in sess and returns it with the
// session's current refresh token.
func (s *Service) tokenPair(u *User, sess *Session, now time.Time) (*TokenPair, error) {
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	tok, exp, err := s.signAccess(st, u.ID, sess.ID, sess.ClientID, "", u.Roles, now)
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

// signAccess signs an RFC 9068 access token.
func (s *Service) signAccess(st *keyState, sub, sid, clientID, scope string, roles []string, now time.Time) (string, time.Time, error) {
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
