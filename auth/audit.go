package auth

import "time"

// AuditEvent is one entry of the audit log. It never holds a password, a
// token, a secret or a key.
type AuditEvent struct {
	ID        int64 // assigned by the store, increasing
	Time      time.Time
	Type      string // one of the Event* constants
	Outcome   string // OutcomeSuccess or OutcomeFailure
	UserID    string
	SessionID string
	ClientID  string
	IP        string
	UserAgent string
	Detail    string // a short reason or description, never a secret
}

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// Audit event types.
const (
	EventSignup         = "signup"
	EventLogin          = "login"
	EventRefresh        = "refresh"
	EventRefreshReuse   = "refresh_reuse"
	EventLogout         = "logout"
	EventSessionEnd     = "session_end"
	EventRevoke         = "revoke"
	EventPasswordChange = "password_change"
	EventClientToken    = "client_credentials"
	EventClientAuth     = "client_auth" // a failed client authentication outside the token endpoint
	EventKeyCreate      = "key_create"
	EventKeyRotate      = "key_rotate"
	EventKeyRevoke      = "key_revoke"
	EventKeyDrop        = "key_drop"
	EventKEKRewrap      = "kek_rewrap" // every key and secret re-sealed under a new key-encryption key
	EventUserAdd        = "user_add"
	EventUserRoles      = "user_roles"
	EventUserDisable    = "user_disable"
	EventUserEnable     = "user_enable"
	EventUserDelete     = "user_delete"
	EventClientAdd      = "client_add"
	EventClientDisable  = "client_disable"
	EventClientEnable   = "client_enable"
	EventClientDelete   = "client_delete"
	EventClientSecret   = "client_secret" // a new secret (RotateClientSecret)
)

// AuditQuery selects audit events, newest first. Zero fields do not
// filter.
type AuditQuery struct {
	UserID string
	Type   string
	Since  time.Time // events at or after
	Until  time.Time // events before
	// BeforeID pages: only events with a smaller ID (pass the ID of the
	// last event of the previous page). Zero: from the newest.
	BeforeID int64
	// Limit is the page size. Zero: 100; at most 1000.
	Limit int
}

// RequestMeta describes the request a call serves, for the audit log.
type RequestMeta struct {
	IP        string // client address
	UserAgent string
}
