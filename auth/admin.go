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
		u, err := tx.LockUser(userID)
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
	hash, err := s.hash(ctx, password)
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
