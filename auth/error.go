package auth

import (
	"errors"
	"fmt"
	"time"
)

// Error codes, stable snake_case strings that are part of Ward's API: the
// server maps each one to an HTTP status in one table and puts it in JSON
// error bodies, and clients may branch on them. Codes are never renamed;
// new ones may be added.
const (
	// CodeInvalidRequest: the input is malformed or incomplete (an
	// invalid email address, an unknown logout scope, a bad ID).
	CodeInvalidRequest = "invalid_request"
	// CodeInvalidCredentials: wrong email or password, or wrong client ID
	// or secret. The same code and message for every cause, so that it
	// does not reveal whether an account exists.
	CodeInvalidCredentials = "invalid_credentials"
	// CodeWeakPassword: the new password breaks the password policy;
	// Message says why, in words that may be shown to the user.
	CodeWeakPassword = "weak_password"
	// CodeEmailTaken: an account with this email address exists.
	CodeEmailTaken = "email_taken"
	// CodeNotFound: the user, session, client or key does not exist (or
	// is not the caller's).
	CodeNotFound = "not_found"
	// CodeUnauthorized: no valid access token: missing, malformed, badly
	// signed, expired, for another issuer or audience, or revoked.
	CodeUnauthorized = "unauthorized"
	// CodeForbidden: the caller is authenticated but not allowed: a
	// disabled account, a missing role.
	CodeForbidden = "forbidden"
	// CodeInsufficientScope: the caller's access token is valid but does
	// not carry the role the request needs (the admin API without
	// [RoleAdmin]); [RFC 6750, Section 3.1].
	//
	// [RFC 6750, Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
	CodeInsufficientScope = "insufficient_scope"
	// CodeInvalidToken: a refresh token (or a token given to RevokeToken
	// or Introspect) that is malformed, does not carry a valid MAC, or
	// names no session.
	CodeInvalidToken = "invalid_token"
	// CodeSessionEnded: the refresh token's session has ended (logout,
	// revocation, idle or absolute lifetime, account disabled).
	CodeSessionEnded = "session_ended"
	// CodeTokenReused: a stale refresh token was presented; the session
	// has been ended and its access tokens revoked.
	CodeTokenReused = "token_reused"
	// CodeInvalidScope: a client asked for a scope it is not allowed.
	CodeInvalidScope = "invalid_scope"
	// CodeRateLimited: too many attempts from this address (or for this
	// account from this address); try again after [Error].RetryAfter.
	CodeRateLimited = "rate_limited"
	// CodeUnavailable: the server is too busy (for example, no password
	// hashing slot became free before the request's deadline).
	CodeUnavailable = "unavailable"
	// CodeConflict: the write conflicts with the current state (a
	// duplicate ID, a key that cannot be revoked).
	CodeConflict = "conflict"
	// CodeInternal: anything else, a store failure included. Its details
	// are logged, never shown.
	CodeInternal = "internal"
)

// Error is an error with a stable [Code] for the caller and a Message that
// may be shown to the end user. Errors from the store and other internal
// failures are not Errors: [ErrorCode] reports them as [CodeInternal], and
// the server logs them and answers "Internal error".
type Error struct {
	// Code is one of the Code* constants.
	Code string
	// Message is a human-readable explanation, safe to show to the user.
	Message string
	// RetryAfter is, for [CodeRateLimited], how long the caller should
	// wait before trying again (whole seconds, at least one). Zero:
	// unknown.
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("auth: %s: %s", e.Code, e.Message)
}

// Errorf returns an [*Error] with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first [*Error] in err's chain,
// [CodeInternal] for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the message of the first [*Error] in err's chain,
// and "Internal error" for any other non-nil error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error"
}

// IsCode reports whether err's code ([ErrorCode]) is code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
