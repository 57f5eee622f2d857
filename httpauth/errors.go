package httpauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Errors of [Authenticator.Authenticate] and the middleware. Every error
// Authenticate returns wraps exactly one of them (and, for
// ErrInvalidToken, the jwt error that says why, for logging: errors.Is(err,
// jwt.ErrExpired), …). [Authenticator.WriteError] answers each with the
// same response whatever the cause.
var (
	// ErrNoToken means the request carries no credentials: 401 with
	// WWW-Authenticate: Bearer and no error code ([RFC 6750, Section
	// 3.1]).
	//
	// [RFC 6750, Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
	ErrNoToken = errors.New("httpauth: no access token")
	// ErrInvalidToken means the token is malformed, badly signed,
	// expired, not meant for this service, or revoked: 401 with
	// error="invalid_token".
	ErrInvalidToken = errors.New("httpauth: invalid access token")
	// ErrInsufficientScope means the token is valid but does not grant
	// the request (a scope or role is missing): 403 with
	// error="insufficient_scope".
	ErrInsufficientScope = errors.New("httpauth: insufficient scope")
	// ErrCSRF means a state-changing request authenticated by the access
	// cookie failed the CSRF and Origin check ([CookieConfig]): 403
	// csrf_failed, without a Bearer challenge (the token is fine; the
	// request did not come from the app).
	ErrCSRF = errors.New("httpauth: cross-site request forgery check failed")
)

// Messages of the error bodies: one per error, whatever the cause, so that
// they help no attacker ([RFC 6750, Section 5.2]).
//
// [RFC 6750, Section 5.2]: https://www.rfc-editor.org/rfc/rfc6750#section-5.2
const (
	msgNoToken      = "This request needs an access token: Authorization: Bearer <token>."
	msgInvalidToken = "The access token is invalid, expired or revoked."
	msgScope        = "The access token does not grant this request."
	msgCSRF         = "The request failed the cross-site request forgery check: send the CSRF token in X-CSRF-Token from an allowed origin."
	msgUnavailable  = "The revocation list is out of date; try again later."
	msgInternal     = "Internal error"
)

// retryAfterUnavailable is the Retry-After, in seconds, of a 503.
const retryAfterUnavailable = "1"

// scopeError is an [ErrInsufficientScope] that names what was needed, for
// the "scope" attribute of the challenge ([RFC 6750, Section 3]).
type scopeError struct{ scope string }

func (e *scopeError) Error() string {
	return ErrInsufficientScope.Error() + ": needs " + e.scope
}

func (e *scopeError) Unwrap() error { return ErrInsufficientScope }

// Challenge returns the WWW-Authenticate value ([RFC 6750, Section 3]) to
// answer err with, or "" for an error that gets none ([ErrCSRF],
// [ErrUnavailable], any other). An [ErrorWriter] that writes its own body
// uses it to keep the challenges of [Authenticator.WriteError].
//
// [RFC 6750, Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
func (a *Authenticator) Challenge(err error) string {
	var b strings.Builder
	b.WriteString("Bearer")
	sep := " "
	attr := func(name, value string) {
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(value)
		b.WriteString(`"`)
		sep = ", "
	}
	if a.cfg.Realm != "" {
		attr("realm", a.cfg.Realm)
	}
	var se *scopeError
	switch {
	case errors.Is(err, ErrNoToken):
	case errors.Is(err, ErrInvalidToken):
		attr("error", "invalid_token")
		attr("error_description", msgInvalidToken)
	case errors.As(err, &se):
		attr("error", "insufficient_scope")
		attr("error_description", msgScope)
		attr("scope", se.scope)
	case errors.Is(err, ErrInsufficientScope):
		attr("error", "insufficient_scope")
		attr("error_description", msgScope)
	default:
		return ""
	}
	return b.String()
}

// Status returns the HTTP status and the error code (Ward's JSON error
// codes) to answer err with: 401 unauthorized for [ErrNoToken], 401
// invalid_token, 403 insufficient_scope, 403 csrf_failed, 503 unavailable,
// and 500 internal for any other error.
func Status(err error) (status int, code string) {
	switch {
	case errors.Is(err, ErrNoToken):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrInvalidToken):
		return http.StatusUnauthorized, "invalid_token"
	case errors.Is(err, ErrInsufficientScope):
		return http.StatusForbidden, "insufficient_scope"
	case errors.Is(err, ErrCSRF):
		return http.StatusForbidden, "csrf_failed"
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusInternalServerError, "internal"
}

func message(code string) string {
	switch code {
	case "unauthorized":
		return msgNoToken
	case "invalid_token":
		return msgInvalidToken
	case "insufficient_scope":
		return msgScope
	case "csrf_failed":
		return msgCSRF
	case "unavailable":
		return msgUnavailable
	}
	return msgInternal
}

// WriteError answers a refused request: the status of [Status], the
// challenge of [Authenticator.Challenge], Retry-After with a 503, and
// Ward's JSON error body {"error":{"code":"…","message":"…"}}. The
// message is the same for every cause of an error. It ignores
// [Config.ErrorWriter]; the middleware calls that instead when it is set.
func (a *Authenticator) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := Status(err)
	if ch := a.Challenge(err); ch != "" {
		w.Header().Set("WWW-Authenticate", ch)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterUnavailable)
	}
	type detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	body, _ := json.Marshal(struct {
		Error detail `json:"error"`
	}{detail{code, message(code)}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// writeError answers with [Config.ErrorWriter] if set, else
// [Authenticator.WriteError].
func (a *Authenticator) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if a.cfg.ErrorWriter != nil {
		a.cfg.ErrorWriter(w, r, err)
		return
	}
	a.WriteError(w, r, err)
}
