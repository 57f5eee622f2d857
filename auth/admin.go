package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ListUsers returns up to limit users (zero: 100; at most 1000) ordered by
// ID, after afterID ("" for the first page), without password hashes.
func (s *Service) ListUsers(ctx context.Context, afterID string, limit int) ([]*User, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var out []*User
	err := s.view(ctx, func(tx ReadTx) error {
		us, err := tx.Users(afterID, limit)
		for _, u := range us {
			out = append(out, publicUser(u))
		}
		return err
	})
	return out, err
}

// User returns one user, without the password hash ([CodeNotFound]).
func (s *Service) User(ctx context.Context, id string) (*User, error) {
	var u *User
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		u, err = tx.User(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return publicUser(u), nil
}

// UserByEmail returns one user by email address, without the password
// hash ([CodeNotFound], [CodeInvalidRequest]).
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.view(ctx, func(tx ReadTx) error {
		var err error
		u, err = tx.UserByEmail(email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return publicUser(u), nil
}

// revokeUser ends the user's sessions and records a user not-before
// revocation at now.
func (s *Service) revokeUser(tx Tx, l *txlog, userID string, now time.Time, reason string, meta RequestMeta) error {
	if _, err := s.endUserSessions(tx, l, userID, "", now, reason, meta); err != nil {
		return err
	}
	// The user's tokens all name a session, and each session revocation
	// covers tokens issued up to the end of its second ("iat" has whole
	// seconds). The user revocation is a second line that must not refuse
	// the tokens of a login made just after it: it starts at the whole
	// second.
	l.revoke(Revocation{Kind: RevokeUser, Subject: userID, NotBefore: now.Truncate(time.Second), Expires: now.Add(keyLifetime), CreatedAt: now})
	return nil
}

// modifyUser runs change on the user in a transaction; if it returns true,
// the user is written, their sessions end and their tokens are revoked.
func (s *Service) modifyUser(ctx context.Context, userID, evType, reason string, meta RequestMeta, change func(u *User) (bool, string, error)) error {
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		u, err := tx.User(userID)
		if err != nil {
			return err
		}
		changed, detail, err := change(u)
		if err != nil || !changed {
			return err
		}
		u.UpdatedAt = now
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if reason != "" {
			if err := s.revokeUser(tx, l, userID, now, reason, meta); err != nil {
				return err
			}
		}
		ev := s.event(now, evType, OutcomeSuccess, meta)
		ev.UserID, ev.Detail = userID, detail
		l.audit(ev)
		return nil
	})
}

// SetRoles replaces a user's roles. If they change, the user's sessions
// end and their access tokens are revoked, so that no token carries the
// old roles. Errors: [CodeNotFound], [CodeInvalidRequest].
func (s *Service) SetRoles(ctx context.Context, userID string, roles []string, meta RequestMeta) error {
	roles, err := NormalizeRoles(roles)
	if err != nil {
		return err
	}
	return s.modifyUser(ctx, userID, EventUserRoles, EndRolesChanged, meta, func(u *User) (bool, string, error) {
		if slices.Equal(u.Roles, roles) {
			return false, "", nil
		}
		u.Roles = roles
		return true, "roles=" + strings.Join(roles, ","), nil
	})
}

// DisableUser disables an account: logins fail, its sessions end and its
// access tokens are revoked at once. Disabling a disabled user does
// nothing. Errors: [CodeNotFound].
func (s *Service) DisableUser(ctx context.Context, userID string, meta RequestMeta) error {
	return s.modifyUser(ctx, userID, EventUserDisable, EndUserDisabled, meta, func(u *User) (bool, string, error) {
		if u.Disabled {
			return false, "", nil
		}
		u.Disabled = true
		return true, "", nil
	})
}

// EnableUser enables a disabled account. Errors: [CodeNotFound].
func (s *Service) EnableUser(ctx context.Context, userID string, meta RequestMeta) error {
	return s.modifyUser(ctx, userID, EventUserEnable, "", meta, func(u *User) (bool, string, error) {
		if !u.Disabled {
			return false, "", nil
		}
		u.Disabled = false
		return true, "", nil
	})
}

// SetPassword sets a user's password as an administrator (a reset): the
// policy applies, and every session of the user ends. Errors:
// [CodeNotFound], [CodeWeakPassword], [CodeUnavailable].
func (s *Service) SetPassword(ctx context.Context, userID, password string, meta RequestMeta) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.CheckPassword(password, u.Email); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.modifyUser(ctx, userID, EventPasswordChange, EndPasswordChange, meta, func(u *User) (bool, string, error) {
		u.PasswordHash, u.PasswordChangedAt = hash, s.now()
		return true, "reset=admin", nil
	})
}

// EndUserSessions ends every session of a user and revokes their access
// tokens (an administrator's "sign out everywhere"). Errors:
// [CodeNotFound].
func (s *Service) EndUserSessions(ctx context.Context, userID string, meta RequestMeta) error {
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		if _, err := tx.User(userID); err != nil {
			return err
		}
		if err := s.revokeUser(tx, l, userID, now, EndRevoked, meta); err != nil {
			return err
		}
		ev := s.event(now, EventRevoke, OutcomeSuccess, meta)
		ev.UserID, ev.Detail = userID, "scope=user"
		l.audit(ev)
		return nil
	})
}

// DeleteUser deletes an account and its sessions, and revokes its access
// tokens. Errors: [CodeNotFound].
func (s *Service) DeleteUser(ctx context.Context, userID string, meta RequestMeta) error {
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		if err := s.revokeUser(tx, l, userID, now, EndUserDeleted, meta); err != nil {
			return err
		}
		if err := tx.DeleteUser(userID); err != nil {
			return err
		}
		ev := s.event(now, EventUserDelete, OutcomeSuccess, meta)
		ev.UserID = userID
		l.audit(ev)
		return nil
	})
}

// Audit returns the audit events that q selects, newest first.
func (s *Service) Audit(ctx context.Context, q AuditQuery) ([]AuditEvent, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 1000)
	var out []AuditEvent
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		out, err = tx.Audit(q)
		return err
	})
	return out, err
}

// Cleanup deletes expired revocations, sessions past their absolute
// lifetime, ended and idle sessions once [Config.SessionIdleTTL] (at least
// a day) has passed since their end or last use (until then their stale
// refresh tokens still get [CodeSessionEnded] or [CodeTokenReused] rather
// than [CodeInvalidToken]), and audit events older than
// [Config.AuditRetention]; it also prunes the revocation replica. The server
// calls it on a ticker (hourly is plenty).
func (s *Service) Cleanup(ctx context.Context) (CleanupStats, error) {
	s.cleanMu.Lock()
	defer s.cleanMu.Unlock()
	now := s.now()
	p := CleanupPolicy{Now: now, SessionsBefore: now.Add(-max(s.cfg.SessionIdleTTL, 24*time.Hour))}
	if s.cfg.AuditRetention > 0 {
		p.AuditBefore = now.Add(-s.cfg.AuditRetention)
	}
	var stats CleanupStats
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		stats, err = tx.Cleanup(p)
		return err
	})
	if err != nil {
		return stats, internal("cleanup", err)
	}
	s.revs.Prune(now)
	return stats, nil
}

// ApplyRevocations applies revocations received from another instance
// (through a [RevocationBus] subscriber) to the replica; a signing key
// revocation also reloads the keyring, so that the key stops verifying at
// once. The revocations must already be durable in the shared store.
func (s *Service) ApplyRevocations(ctx context.Context, revs []Revocation) error {
	s.revs.Add(revs...)
	for _, r := range revs {
		if r.Kind == RevokeKey {
			_, err := s.MaybeRotateKeys(ctx)
			return err
		}
	}
	return nil
}

// Sync reloads the revocation replica and the keyring from the store, to
// pick up what other instances wrote. The server calls it on a ticker
// when several instances share a store (and no [RevocationBus] delivers
// revocations sooner).
func (s *Service) Sync(ctx context.Context) error {
	if err := s.revs.Load(ctx, s.store, s.now()); err != nil {
		return err
	}
	_, err := s.MaybeRotateKeys(ctx)
	return err
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
}

// Introspect says whether token (an access token or a refresh token of
// this server) is active and describes it ([RFC 7662]). A refresh token is
// active if it is its live session's current token. Invalid tokens are
// not errors: they are inactive. Errors come only from the store.
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
		var sess *Session
		err := s.view(ctx, func(tx ReadTx) error {
			var err error
			sess, err = tx.Session(rt.sessionID)
			return err
		})
		if IsCode(err, CodeNotFound) {
			return &Introspection{}, nil
		}
		if err != nil {
			return nil, err
		}
		if !sess.Active(s.now(), s.cfg.SessionIdleTTL) || sess.Counter != rt.counter {
			return &Introspection{}, nil
		}
		return &Introspection{Active: true, TokenType: "refresh_token", ClientID: sess.ClientID, Subject: sess.UserID,
			Issuer: s.cfg.Issuer, ExpiresAt: sess.ExpiresAt, IssuedAt: sess.RotatedAt, SessionID: sess.ID}, nil
	}
	c, err := s.Authenticate(ctx, token)
	if err != nil {
		return &Introspection{}, nil
	}
	return &Introspection{Active: true, TokenType: "access_token", Scope: c.Scope, ClientID: c.ClientID, Subject: c.Subject,
		Audience: c.Audience, Issuer: c.Issuer, ExpiresAt: c.ExpiresAt, IssuedAt: c.IssuedAt, TokenID: c.ID,
		SessionID: c.SessionID, Roles: c.Roles}, nil
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
	c, err := s.Authenticate(ctx, token)
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
