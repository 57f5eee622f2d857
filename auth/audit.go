package auth

import "time"

// AuditEvent is one entry of the audit log. It never holds a password, a
// token, a secret or a key.
//
// Its JSON form (the admin API's and "ward audit --json"'s) leaves out
// empty members.
type AuditEvent struct {
	ID        int64     `json:"id"` // assigned by the store, increasing
	Time      time.Time `json:"time"`
	Type      string    `json:"type"`    // one of the Event* constants
	Outcome   string    `json:"outcome"` // OutcomeSuccess or OutcomeFailure
	UserID    string    `json:"user_id,omitempty"`
	SessionID string    `json:"session_id,omitempty"`
	ClientID  string    `json:"client_id,omitempty"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	Detail    string    `json:"detail,omitempty"` // a short reason or description, never a secret

	// ActorID is the user ID of the administrator who acted, for the
	// events of the admin API; "" when users act for themselves, and for
	// the CLI (whose events carry UserAgent "ward-cli").
	ActorID string `json:"actor_id,omitempty"`
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
	// last event of the previous page). Zero: from the newest. IDs grow
	// with every event appended, so paging by BeforeID never repeats an
	// event, and events appended while paging come before the first page.
	// With one writer at a time (SQLite) it never skips one either; where
	// transactions run at once (PostgreSQL), an event whose transaction
	// took its ID before, but committed after, the newer events already
	// paged past is not on a later page (it is in the log, for the next
	// query from the newest).
	BeforeID int64
	// Outcome selects OutcomeSuccess or OutcomeFailure events.
	Outcome string
	// ActorID selects the events of one administrator's actions.
	ActorID string
	// Limit is the page size. Zero: 100; at most 1000.
	Limit int
}

// RequestMeta describes the request a call serves, for the audit log.
type RequestMeta struct {
	IP        string // client address
	UserAgent string
	// ActorID is the user ID of the administrator on whose behalf the
	// call runs (the admin API); "" for users' own requests and the CLI.
	// It goes to [AuditEvent.ActorID].
	ActorID string
}
