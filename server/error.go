package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/wardauth/ward/auth"
)

// codeStatus is the one table mapping [auth.Error] codes to HTTP statuses.
// A code missing from it (a code added to auth later) is answered 500 and
// logged, so that the table is extended on purpose.
//
// weak_password is 422 Unprocessable Content ([RFC 9110, Section
// 15.5.21]): the request is well formed, but the password it carries is
// refused by the policy; 400 stays for requests the server cannot parse.
//
// [RFC 9110, Section 15.5.21]: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21
var codeStatus = map[string]int{
	auth.CodeInvalidRequest:     http.StatusBadRequest,
	auth.CodeInvalidCredentials: http.StatusUnauthorized,
	auth.CodeWeakPassword:       http.StatusUnprocessableEntity,
	auth.CodeEmailTaken:         http.StatusConflict,
	auth.CodeNotFound:           http.StatusNotFound,
	auth.CodeUnauthorized:       http.StatusUnauthorized,
	auth.CodeForbidden:          http.StatusForbidden,
	auth.CodeInsufficientScope:  http.StatusForbidden,
	auth.CodeInvalidToken:       http.StatusUnauthorized,
	auth.CodeSessionEnded:       http.StatusUnauthorized,
	auth.CodeTokenReused:        http.StatusUnauthorized,
	auth.CodeInvalidScope:       http.StatusBadRequest,
	auth.CodeRateLimited:        http.StatusTooManyRequests,
	auth.CodeUnavailable:        http.StatusServiceUnavailable,
	auth.CodeConflict:           http.StatusConflict,
	auth.CodeInternal:           http.StatusInternalServerError,
}

// Codes the server adds to auth's, for conditions auth never sees.
const (
	codeUnsupportedMediaType = "unsupported_media_type" // 415: a body that is not JSON
	codeBodyTooLarge         = "body_too_large"         // 413
	codeMethodNotAllowed     = "method_not_allowed"     // 405
	codeHeadersTooLarge      = "headers_too_large"      // 431
	// Codes of the answers net/http gives before a handler runs, which
	// [NewListener] turns into JSON (a malformed request is
	// invalid_request, 400).
	codeExpectationFailed = "expectation_failed"         // 417: an Expect other than 100-continue
	codeNotImplemented    = "not_implemented"            // 501: an unknown Transfer-Encoding
	codeHTTPVersion       = "http_version_not_supported" // 505
)

var serverCodeStatus = map[string]int{
	codeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	codeBodyTooLarge:         http.StatusRequestEntityTooLarge,
	codeMethodNotAllowed:     http.StatusMethodNotAllowed,
	codeHeadersTooLarge:      http.StatusRequestHeaderFieldsTooLarge,
	codeCSRF:                 http.StatusForbidden,
	codeExpectationFailed:    http.StatusExpectationFailed,
	codeNotImplemented:       http.StatusNotImplemented,
	codeHTTPVersion:          http.StatusHTTPVersionNotSupported,
}

// Retry-After values, in seconds, sent with 429 and 503 when the error
// carries no delay of its own ([auth.Error].RetryAfter).
const (
	retryAfterRateLimited = "10"
	retryAfterUnavailable = "1"
)

const internalMessage = "Internal error"

// errorBody is the JSON error of the app API:
// {"error":{"code":"…","message":"…"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// statusOf returns the HTTP status, code and message to answer err with.
// An unknown code becomes an internal error.
func statusOf(err error) (status int, code, msg string) {
	code = auth.ErrorCode(err)
	status, ok := codeStatus[code]
	if !ok {
		status, ok = serverCodeStatus[code]
	}
	if !ok || code == auth.CodeInternal {
		return http.StatusInternalServerError, auth.CodeInternal, internalMessage
	}
	return status, code, auth.ErrorMessage(err)
}

// writeError answers an app API request with err. Internal errors are
// logged with their detail and answered "Internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := statusOf(err)
	if status == http.StatusInternalServerError {
		s.logInternal(r.Context(), r, err)
	}
	if code == auth.CodeRateLimited {
		s.noteRateLimited(r)
	}
	if ra := retryAfter(err); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	writeJSON(w, status, errorBody{errorDetail{Code: code, Message: msg}})
}

// retryAfter returns the Retry-After value for err ([RFC 9110, Section
// 10.2.3]): whole seconds, at least 1, for rate_limited and unavailable;
// "" for other errors.
//
// [RFC 9110, Section 10.2.3]: https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
func retryAfter(err error) string {
	var ae *auth.Error
	switch code := auth.ErrorCode(err); {
	case code != auth.CodeRateLimited && code != auth.CodeUnavailable:
		return ""
	case errors.As(err, &ae) && ae.RetryAfter > 0:
		return strconv.FormatInt(max(int64(math.Ceil(ae.RetryAfter.Seconds())), 1), 10)
	case code == auth.CodeRateLimited:
		return retryAfterRateLimited
	default:
		return retryAfterUnavailable
	}
}

func (s *Server) logInternal(ctx context.Context, r *http.Request, err error) {
	if ctx.Err() != nil {
		// The client went away; the store call failed because of it.
		s.log.LogAttrs(ctx, slog.LevelWarn, "request canceled",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		return
	}
	s.log.LogAttrs(ctx, slog.LevelError, "internal error",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
}

// writeJSON writes v as JSON with status. Responses are small, so the body
// is built first and sent with its length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error gets here: every value is a plain
		// struct or map.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Internal error"}}`)
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// noStore marks a response that carries a token or other secret as never
// to be cached ([RFC 6749, Section 5.1]).
//
// [RFC 6749, Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}
