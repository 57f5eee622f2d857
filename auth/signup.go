package auth

import (
	"context"
	"strings"
)

// Signup creates an account with the given email and password and no
// roles, and returns it (without its password hash). Errors:
// [CodeInvalidRequest] (malformed email), [CodeWeakPassword] (with the
// reason), [CodeEmailTaken], [CodeRateLimited] (beyond
// [Limits].Signup for meta's address; every attempt with a valid email
// and password counts),
// [CodeUnavailable] (no hashing slot before ctx ended).
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
	if evType == EventSignup {
		if err := s.allow(ctx, limSignup, s.cfg.Limits.Signup, meta.clean().IP, 1); err != nil {
			return nil, err
		}
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
	hash, err := s.hash(ctx, password)
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
