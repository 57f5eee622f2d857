package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// RoleAdmin is the role of administrators: it opens the admin API.
const RoleAdmin = "admin"

// UserQuery selects users, ordered by ID. Zero fields do not filter.
type UserQuery struct {
	// Email selects the users whose email address contains it, compared
	// as [EmailKey]s (case-insensitively): a substring or a prefix.
	Email string
	// AfterID pages: only users with a greater ID (pass the ID of the
	// last user of the previous page; "" for the first page).
	AfterID string
	// Limit is the page size. Zero: 100; at most 1000.
	Limit int
}

// maxPage bounds the pages of [Service.SearchUsers] and
// [Service.AuditPage].
const maxPage = 1000

func pageSize(limit int) int {
	if limit <= 0 {
		return 100
	}
	return min(limit, maxPage)
}

// ListUsers returns up to limit users (zero: 100; at most 1000) ordered by
// ID, after afterID ("" for the first page), without password hashes.
func (s *Service) ListUsers(ctx context.Context, afterID string, limit int) ([]*User, error) {
	users, _, err := s.SearchUsers(ctx, UserQuery{AfterID: afterID, Limit: limit})
	return users, err
}

// SearchUsers returns a page of the users that q selects, ordered by ID,
// without password hashes, and the cursor of the next page: the AfterID
// to pass for it, "" if this page is the last. Paging by ID is stable:
// a user created meanwhile shows on a later page or not at all, and none
// is repeated. Errors: [CodeInvalidRequest] (a search of more than 254
// bytes).
func (s *Service) SearchUsers(ctx context.Context, q UserQuery) (users []*User, next string, err error) {
	if len(q.Email) > 254 {
		return nil, "", Errorf(CodeInvalidRequest, "The search is too long.")
	}
	q.Email = EmailKey(strings.TrimSpace(q.Email))
	limit := pageSize(q.Limit)
	q.Limit = limit + 1 // one more, to learn whether there is a next page
	err = s.view(ctx, func(tx ReadTx) error {
		us, err := tx.Users(q)
		for _, u := range us {
			users = append(users, publicUser(u))
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(users) > limit {
		users = users[:limit]
		next = users[limit-1].ID
	}
	return users, next, nil
}

// AuthorizeAdmin checks that claims (an access token verified by
// [Service.Authenticate]) are an administrator's at this moment: the
// token carries [RoleAdmin], and the stored account still exists, is
// enabled and holds the role. A change of roles, a disable or a delete
// revokes the user's tokens anyway; reading the account as well keeps a
// demoted administrator's token from acting even on an instance whose
// revocation replica has not caught up. It returns the account. Errors:
// [CodeInsufficientScope] (not an administrator), [CodeUnauthorized]
// (the account is gone or disabled).
func (s *Service) AuthorizeAdmin(ctx context.Context, claims *AccessClaims) (*User, error) {
	if claims == nil || claims.SessionID == "" || !claims.HasRole(RoleAdmin) {
		return nil, errNotAdmin
	}
	u, err := s.User(ctx, claims.Subject)
	switch {
	case IsCode(err, CodeNotFound):
		return nil, Errorf(CodeUnauthorized, "The access token is invalid, expired or revoked.")
	case err != nil:
		return nil, err
	case u.Disabled:
		return nil, Errorf(CodeUnauthorized, "The access token is invalid, expired or revoked.")
	case !slices.Contains(u.Roles, RoleAdmin):
		return nil, errNotAdmin
	}
	return u, nil
}

var errNotAdmin = &Error{Code: CodeInsufficientScope, Message: "This endpoint needs the admin role."}

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
	// The user's tokens all name a session, and each session's revocation
	// refuses every token of that session whatever its "iat", so the
	// store's commit order decides, not clocks ([Revocations.Check]). The
	// user revocation applies only to tokens without a session, up to the
	// end of its second; a login committed after it starts a new session
	// and is not refused.
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
	q.Limit = pageSize(q.Limit)
	var out []AuditEvent
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		out, err = tx.Audit(q)
		return err
	})
	return out, err
}

// AuditPage returns a page of the audit events that q selects, newest
// first, and the cursor of the next page: the BeforeID to pass for it,
// 0 if this page is the last. Paging is stable while events are added
// (see [AuditQuery.BeforeID]). Errors: [CodeInvalidRequest] (an unknown
// outcome, a negative cursor, Until not after Since).
func (s *Service) AuditPage(ctx context.Context, q AuditQuery) (events []AuditEvent, next int64, err error) {
	switch {
	case q.Outcome != "" && q.Outcome != OutcomeSuccess && q.Outcome != OutcomeFailure:
		return nil, 0, Errorf(CodeInvalidRequest, "The outcome is %q or %q.", OutcomeSuccess, OutcomeFailure)
	case q.BeforeID < 0:
		return nil, 0, Errorf(CodeInvalidRequest, "Invalid cursor.")
	case !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since):
		return nil, 0, Errorf(CodeInvalidRequest, "The end of the time range must come after its start.")
	}
	limit := pageSize(q.Limit)
	q.Limit = limit + 1
	err = s.view(ctx, func(tx ReadTx) error {
		var err error
		events, err = tx.Audit(q)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if len(events) > limit {
		events = events[:limit]
		next = events[limit-1].ID
	}
	return events, next, nil
}
