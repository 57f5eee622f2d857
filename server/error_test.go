package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wardauth/ward/auth"
)

// TestErrorTable checks every auth code's status, Retry-After, and that
// internal and unknown errors are answered "Internal error" and logged.
func TestErrorTable(t *testing.T) {
	var logs strings.Builder
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	tests := []struct {
		err        error
		status     int
		code       string
		retryAfter string
	}{
		{auth.Errorf(auth.CodeInvalidRequest, "m"), 400, "invalid_request", ""},
		{auth.Errorf(auth.CodeWeakPassword, "m"), 422, "weak_password", ""},
		{auth.Errorf(auth.CodeEmailTaken, "m"), 409, "email_taken", ""},
		{auth.Errorf(auth.CodeInvalidCredentials, "m"), 401, "invalid_credentials", ""},
		{auth.Errorf(auth.CodeUnauthorized, "m"), 401, "unauthorized", ""},
		{auth.Errorf(auth.CodeForbidden, "m"), 403, "forbidden", ""},
		{auth.Errorf(auth.CodeNotFound, "m"), 404, "not_found", ""},
		{auth.Errorf(auth.CodeInvalidToken, "m"), 401, "invalid_token", ""},
		{auth.Errorf(auth.CodeSessionEnded, "m"), 401, "session_ended", ""},
		{auth.Errorf(auth.CodeTokenReused, "m"), 401, "token_reused", ""},
		{auth.Errorf(auth.CodeInvalidScope, "m"), 400, "invalid_scope", ""},
		{auth.Errorf(auth.CodeRateLimited, "m"), 429, "rate_limited", retryAfterRateLimited},
		{auth.Errorf(auth.CodeUnavailable, "m"), 503, "unavailable", retryAfterUnavailable},
		{auth.Errorf(auth.CodeConflict, "m"), 409, "conflict", ""},
		{fmt.Errorf("wrapped: %w", auth.Errorf(auth.CodeNotFound, "m")), 404, "not_found", ""},
		{auth.Errorf(auth.CodeInternal, "secret detail 1"), 500, "internal", ""},
		{auth.Errorf("brand_new_code", "secret detail 2"), 500, "internal", ""},
		{errors.New("sqlite: disk I/O error: secret detail 3"), 500, "internal", ""},
	}
	for _, tc := range tests {
		w := httptest.NewRecorder()
		s.writeError(w, httptest.NewRequest("GET", "/x", nil), tc.err)
		if w.Code != tc.status {
			t.Errorf("%v: status %d, want %d", tc.err, w.Code, tc.status)
		}
		if got := w.Header().Get("Retry-After"); got != tc.retryAfter {
			t.Errorf("%v: Retry-After %q, want %q", tc.err, got, tc.retryAfter)
		}
		var body errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if body.Error.Code != tc.code {
			t.Errorf("%v: code %q, want %q", tc.err, body.Error.Code, tc.code)
		}
		if tc.status == 500 && body.Error.Message != "Internal error" {
			t.Errorf("%v: message %q", tc.err, body.Error.Message)
		}
		if strings.Contains(w.Body.String(), "secret detail") {
			t.Errorf("%v: the detail was sent: %s", tc.err, w.Body)
		}
	}
	for i := 1; i <= 3; i++ {
		if !strings.Contains(logs.String(), fmt.Sprintf("secret detail %d", i)) {
			t.Errorf("internal error %d was not logged", i)
		}
	}
	// Every auth code is in the table.
	for _, code := range []string{auth.CodeInvalidRequest, auth.CodeInvalidCredentials, auth.CodeWeakPassword, auth.CodeEmailTaken,
		auth.CodeNotFound, auth.CodeUnauthorized, auth.CodeForbidden, auth.CodeInvalidToken, auth.CodeSessionEnded,
		auth.CodeTokenReused, auth.CodeInvalidScope, auth.CodeRateLimited, auth.CodeUnavailable, auth.CodeConflict, auth.CodeInternal} {
		if _, ok := codeStatus[code]; !ok {
			t.Errorf("code %q is not in the table", code)
		}
	}
}

// TestPanicRecovered: a panicking handler is answered 500 Internal error.
func TestPanicRecovered(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || !strings.Contains(w.Body.String(), "Internal error") || strings.Contains(w.Body.String(), "boom") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
