package auth

import "time"

// Session is a login: a chain of refresh tokens. The row holds the current
// rotation counter, never a token or anything a token can be made from.
type Session struct {
	ID       string // 32 lower-case hex digits (16 random bytes); the "sid" claim
	UserID   string
	ClientID string // the client the session was issued to

	// Counter is the rotation counter of the current refresh token.
	Counter uint64
	// RotatedAt is when Counter was last incremented (the creation time
	// before the first rotation); the grace window runs from it.
	RotatedAt time.Time

	CreatedAt  time.Time
	LastUsedAt time.Time // login or last refresh; the idle lifetime runs from it
	ExpiresAt  time.Time // absolute end of life

	// EndedAt is when the session was ended (zero while it lives), and
	// EndReason why: one of the End* constants.
	EndedAt   time.Time
	EndReason string

	IP        string // client address at login
	UserAgent string // at login, truncated to 256 bytes
}

// Reasons a session ends, as stored in [Session.EndReason] and written to
// the audit log.
const (
	EndLogout         = "logout"
	EndPasswordChange = "password_change"
	EndReuse          = "refresh_reuse"
	EndExpired        = "expired"
	EndIdle           = "idle"
	EndUserDisabled   = "user_disabled"
	EndUserDeleted    = "user_deleted"
	EndRolesChanged   = "roles_changed"
	EndRevoked        = "revoked" // RevokeToken, EndSession, admin
)

// Active reports whether s has not ended and, at now, is within its
// absolute and idle lifetimes (idle is the idle lifetime; 0 means none).
func (s *Session) Active(now time.Time, idle time.Duration) bool {
	if !s.EndedAt.IsZero() || !now.Before(s.ExpiresAt) {
		return false
	}
	return idle <= 0 || now.Before(s.LastUsedAt.Add(idle))
}
