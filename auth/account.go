package auth

import (
	"context"
	"fmt"
)

// Logout ends sessions of the caller, whose access token claims are
// claims: [LogoutSession] its own session, [LogoutAll] every session of
// the user, [LogoutOthers] every other session. Their refresh tokens stop
// working and their access tokens are refused at once. Logging out of an
// ended session succeeds. Errors: [CodeInvalidRequest] (an unknown scope,
// or a token without a session, like a client_credentials token).
func (s *Service) Logout(ctx context.Context, claims *AccessClaims, scope LogoutScope, meta RequestMeta) error {
	if claims == nil || claims.SessionID == "" {
		return Errorf(CodeInvalidRequest, "This token has no session to log out of.")
	}
	switch scope {
	case LogoutSession, LogoutAll, LogoutOthers:
	case "":
		scope = LogoutSession
	default:
		return Errorf(CodeInvalidRequest, `Unknown logout scope %q: use "session", "all" or "others".`, scope)
	}
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		n := 0
		switch scope {
		case LogoutSession:
			sess, err := tx.LockSession(claims.SessionID)
			if err != nil {
				return err
			}
			if sess.UserID != claims.Subject {
				return Errorf(CodeNotFound, "No such session.")
			}
			if sess.EndedAt.IsZero() {
				n = 1
			}
			if err := s.endSession(tx, l, sess, now, EndLogout, meta); err != nil {
				return err
			}
		case LogoutAll, LogoutOthers:
			keep := ""
			if scope == LogoutOthers {
				keep = claims.SessionID
			}
			var err error
			if n, err = s.endUserSessions(tx, l, claims.Subject, keep, now, EndLogout, meta); err != nil {
				return err
			}
		}
		ev := s.event(now, EventLogout, OutcomeSuccess, meta)
		ev.UserID, ev.SessionID, ev.ClientID = claims.Subject, claims.SessionID, claims.ClientID
		ev.Detail = fmt.Sprintf("scope=%s ended=%d", scope, n)
		l.audit(ev)
		return nil
	})
}

// Me returns the caller's account, without its password hash. Errors:
// [CodeNotFound] if it was deleted, [CodeForbidden] if disabled.
func (s *Service) Me(ctx context.Context, claims *AccessClaims) (*User, error) {
	var u *User
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		u, err = tx.User(claims.Subject)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, Errorf(CodeForbidden, "The account is disabled.")
	}
	return publicUser(u), nil
}

// ChangePassword replaces the caller's password after checking the
// current one, and ends every other session of the user (their access
// tokens are refused at once); the caller's session lives on. Errors:
// [CodeInvalidCredentials] (wrong current password), [CodeWeakPassword],
// [CodeConflict] (the password changed meanwhile), [CodeRateLimited]
// (beyond [Limits].PasswordChange for meta's address; every attempt
// counts), [CodeUnavailable].
func (s *Service) ChangePassword(ctx context.Context, claims *AccessClaims, current, newPassword string, meta RequestMeta) error {
	if err := s.allow(ctx, limPasswordChange, s.cfg.Limits.PasswordChange, meta.clean().IP, 1); err != nil {
		return err
	}
	var u *User
	if err := s.view(ctx, func(tx ReadTx) error {
		var err error
		u, err = tx.User(claims.Subject)
		return err
	}); err != nil {
		return err
	}
	ok, _, err := s.verify(ctx, current, u.PasswordHash)
	if err != nil {
		return err
	}
	now := s.now()
	if !ok {
		ev := s.event(now, EventPasswordChange, OutcomeFailure, meta)
		ev.UserID, ev.SessionID, ev.Detail = u.ID, claims.SessionID, "reason=bad_password"
		s.recordFailure(ctx, ev)
		return &Error{Code: CodeInvalidCredentials, Message: "The current password is wrong."}
	}
	if err := s.CheckPassword(newPassword, u.Email); err != nil {
		return err
	}
	hash, err := s.hash(ctx, newPassword)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, l *txlog) error {
		cur, err := tx.LockUser(u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash {
			return Errorf(CodeConflict, "The password was changed meanwhile.")
		}
		cur.PasswordHash, cur.PasswordChangedAt, cur.UpdatedAt = hash, now, now
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		n, err := s.endUserSessions(tx, l, u.ID, claims.SessionID, now, EndPasswordChange, meta)
		if err != nil {
			return err
		}
		ev := s.event(now, EventPasswordChange, OutcomeSuccess, meta)
		ev.UserID, ev.SessionID, ev.Detail = u.ID, claims.SessionID, fmt.Sprintf("ended_sessions=%d", n)
		l.audit(ev)
		return nil
	})
}

// Sessions returns the live sessions of a user, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]*Session, error) {
	var out []*Session
	now := s.now()
	err := s.view(ctx, func(tx ReadTx) error {
		all, err := tx.Sessions(userID)
		for _, sess := range all {
			if sess.Active(now, s.cfg.SessionIdleTTL) {
				out = append(out, sess)
			}
		}
		return err
	})
	return out, err
}

// EndSession ends one session of the caller (as in "sign out that
// device"). Errors: [CodeNotFound] if the user has no such session.
func (s *Service) EndSession(ctx context.Context, claims *AccessClaims, sessionID string, meta RequestMeta) error {
	if !validHexID(sessionID, sessionIDLen) {
		return Errorf(CodeNotFound, "No such session.")
	}
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		sess, err := tx.LockSession(sessionID)
		if err != nil {
			return err
		}
		if sess.UserID != claims.Subject {
			return Errorf(CodeNotFound, "No such session.")
		}
		return s.endSession(tx, l, sess, now, EndRevoked, meta)
	})
}
