package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestBadInput: malformed, oversized or mistyped bodies get a 4xx JSON
// error and change nothing.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.signup("kim@example.com")
	tk := e.login("kim@example.com", testPassword)
	const okBody = `{"email":"new@example.com","password":"` + testPassword + `"}`
	big := `{"email":"new@example.com","password":"` + strings.Repeat("x", 17<<10) + `"}`
	tests := []struct {
		name, path, ct, body string
		auth                 bool
		status               int
		code                 string
	}{
		{"malformed JSON", "/v1/auth/signup", "application/json", `{"email":"new@example.com",`, false, 400, "invalid_request"},
		{"not an object", "/v1/auth/signup", "application/json", `["new@example.com"]`, false, 400, "invalid_request"},
		{"trailing data", "/v1/auth/signup", "application/json", okBody + `{}`, false, 400, "invalid_request"},
		{"two objects", "/v1/auth/signup", "application/json", okBody + "\n" + okBody, false, 400, "invalid_request"},
		{"unknown field", "/v1/auth/signup", "application/json", `{"email":"new@example.com","password":"` + testPassword + `","roles":["admin"]}`, false, 400, "invalid_request"},
		{"field case differs", "/v1/auth/signup", "application/json", `{"Email":"new@example.com","password":"` + testPassword + `"}`, false, 400, "invalid_request"},
		{"duplicate field", "/v1/auth/signup", "application/json", `{"email":"new@example.com","email":"x@example.com","password":"` + testPassword + `"}`, false, 400, "invalid_request"},
		{"wrong type", "/v1/auth/signup", "application/json", `{"email":["new@example.com"],"password":"` + testPassword + `"}`, false, 400, "invalid_request"},
		{"empty body", "/v1/auth/signup", "application/json", ``, false, 400, "invalid_request"},
		{"no content type", "/v1/auth/signup", "", okBody, false, 415, "unsupported_media_type"},
		{"form content type", "/v1/auth/signup", "application/x-www-form-urlencoded", "email=new%40example.com&password=" + testPassword, false, 415, "unsupported_media_type"},
		{"text content type", "/v1/auth/signup", "text/plain", okBody, false, 415, "unsupported_media_type"},
		{"oversized", "/v1/auth/signup", "application/json", big, false, 413, "body_too_large"},
		{"nested too deep", "/v1/auth/signup", "application/json", `{"email":[[[[[["x"]]]]]],"password":"` + testPassword + `"}`, false, 400, "invalid_request"},
		{"invalid UTF-8", "/v1/auth/signup", "application/json", "{\"email\":\"a\xff@example.com\",\"password\":\"" + testPassword + "\"}", false, 400, "invalid_request"},
		{"JSON null", "/v1/auth/signup", "application/json", `null`, false, 400, "invalid_request"},
		{"invalid email", "/v1/auth/signup", "application/json", `{"email":"new-at-example.com","password":"` + testPassword + `"}`, false, 400, "invalid_request"},
		{"login malformed", "/v1/auth/login", "application/json", `{"email":`, false, 400, "invalid_request"},
		{"login unknown field", "/v1/auth/login", "application/json", `{"email":"kim@example.com","password":"` + testPassword + `","remember":true}`, false, 400, "invalid_request"},
		{"refresh wrong type", "/v1/auth/refresh", "application/json", `{"refresh_token":42}`, false, 400, "invalid_request"},
		{"refresh missing token", "/v1/auth/refresh", "application/json", `{}`, false, 400, "invalid_request"},
		{"refresh garbage token", "/v1/auth/refresh", "application/json", `{"refresh_token":"wrt_nope"}`, false, 401, "invalid_token"},
		{"logout unknown field", "/v1/auth/logout", "application/json", `{"scope":"all","force":true}`, true, 400, "invalid_request"},
		{"logout malformed", "/v1/auth/logout", "application/json", `{"scope":`, true, 400, "invalid_request"},
		{"logout wrong content type", "/v1/auth/logout", "text/plain", `{"scope":"all"}`, true, 415, "unsupported_media_type"},
		{"password malformed", "/v1/me/password", "application/json", `{"current_password":`, true, 400, "invalid_request"},
		{"password oversized", "/v1/me/password", "application/json", `{"current_password":"` + strings.Repeat("y", 20<<10) + `"}`, true, 413, "body_too_large"},
	}
	users, audit := e.userCount(), e.auditCount()
	sessions, err := e.svc.Sessions(context.Background(), tk.userID(t, e))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := []string{}
			if tc.ct != "" {
				h = append(h, "Content-Type", tc.ct)
			}
			if tc.auth {
				h = append(h, bearer(tk.access)...)
			}
			r := e.do("POST", tc.path, tc.body, h...)
			expectStatus(t, r, tc.status)
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if code := r.errorCode(t); code != tc.code {
				t.Errorf("code = %q, want %q (%s)", code, tc.code, r.body)
			}
		})
	}
	// Nothing changed: no account, no session ended, the session works.
	if n := e.userCount(); n != users {
		t.Fatalf("%d users after bad requests, want %d", n, users)
	}
	after, err := e.svc.Sessions(context.Background(), tk.userID(t, e))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(sessions) {
		t.Fatalf("%d live sessions after bad requests, want %d", len(after), len(sessions))
	}
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusOK)
	// Only the garbage refresh token may have been audited.
	if n := e.auditCount(); n > audit+1 {
		t.Fatalf("%d audit events after bad requests, want at most %d", n, audit+1)
	}
	// A media type with parameters, in any case, is JSON too.
	r := e.do("POST", "/v1/auth/signup", okBody, "Content-Type", "Application/JSON; charset=utf-8")
	expectStatus(t, r, http.StatusCreated)
}

func (tk tokens) userID(t *testing.T, e *env) string {
	t.Helper()
	r := e.do("GET", "/v1/me", nil, bearer(tk.access)...)
	expectStatus(t, r, http.StatusOK)
	return r.str(t, "id")
}

// TestWeakPassword: a weak password is refused with 422 weak_password and
// a reason, on signup and on password change.
func TestWeakPassword(t *testing.T) {
	e := newEnv(t)
	for _, pw := range []string{"short", "password123", "aaaaaaaaaaaa", "abcdefghijkl"} {
		r := e.do("POST", "/v1/auth/signup", map[string]string{"email": "weak@example.com", "password": pw})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		if code := r.errorCode(t); code != "weak_password" {
			t.Fatalf("%q: code %q", pw, code)
		}
		msg := r.json(t)["error"].(map[string]any)["message"].(string)
		if !strings.HasPrefix(msg, "The password") {
			t.Fatalf("%q: message %q gives no reason", pw, msg)
		}
	}
	if e.userCount() != 0 {
		t.Fatal("a weak password made an account")
	}
	e.signup("weak@example.com")
	tk := e.login("weak@example.com", testPassword)
	r := e.do("POST", "/v1/me/password", map[string]string{"current_password": testPassword, "new_password": "qwertyuiop"}, bearer(tk.access)...)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	r = e.do("POST", "/v1/me/password", map[string]string{"current_password": "wrong-password-1", "new_password": newPassword}, bearer(tk.access)...)
	expectStatus(t, r, http.StatusUnauthorized)
	if code := r.errorCode(t); code != "invalid_credentials" {
		t.Fatalf("wrong current password: code %q", code)
	}
	e.login("weak@example.com", testPassword)
	// Taken address.
	r = e.do("POST", "/v1/auth/signup", map[string]string{"email": "WEAK@example.com", "password": testPassword})
	expectStatus(t, r, http.StatusConflict)
	if code := r.errorCode(t); code != "email_taken" {
		t.Fatalf("taken email: code %q", code)
	}
}

// TestStoreError: with the database closed under the server, requests
// fail with 500 "Internal error" and never succeed; the detail is logged,
// never sent.
func TestStoreError(t *testing.T) {
	e := newEnv(t)
	e.signup("db@example.com")
	tk := e.login("db@example.com", testPassword)
	clientID, secret := e.addClient("read")
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	appCalls := []struct {
		method, path string
		body         any
		auth         bool
	}{
		{"POST", "/v1/auth/signup", map[string]string{"email": "new@example.com", "password": testPassword}, false},
		{"POST", "/v1/auth/login", map[string]string{"email": "db@example.com", "password": testPassword}, false},
		{"POST", "/v1/auth/refresh", map[string]string{"refresh_token": tk.refresh}, false},
		{"GET", "/v1/me", nil, true},
		{"GET", "/v1/me/sessions", nil, true},
		{"POST", "/v1/auth/logout", nil, true},
		{"POST", "/v1/me/password", map[string]string{"current_password": testPassword, "new_password": newPassword}, true},
	}
	for _, c := range appCalls {
		var h []string
		if c.auth {
			h = bearer(tk.access)
		}
		r := e.do(c.method, c.path, c.body, h...)
		if r.status != http.StatusInternalServerError {
			t.Fatalf("%s %s with the store closed: %d %s, want 500", c.method, c.path, r.status, r.body)
		}
		m := r.json(t)["error"].(map[string]any)
		if m["code"] != "internal" || m["message"] != "Internal error" {
			t.Fatalf("%s %s: %s", c.method, c.path, r.body)
		}
	}
	oauthCalls := []struct {
		path string
		form map[string]string
	}{
		{"/oauth2/token", map[string]string{"grant_type": "refresh_token", "refresh_token": tk.refresh}},
		{"/oauth2/token", map[string]string{"grant_type": "client_credentials"}},
		{"/oauth2/introspect", map[string]string{"token": tk.access}},
		{"/oauth2/revoke", map[string]string{"token": tk.access}},
	}
	for _, c := range oauthCalls {
		r := e.do("POST", c.path, formOf(c.form), basic(clientID, secret)...)
		if r.status != http.StatusInternalServerError || r.str(t, "error") != "server_error" {
			t.Fatalf("%s %v with the store closed: %d %s, want 500 server_error", c.path, c.form, r.status, r.body)
		}
	}
	r := e.do("GET", "/readyz", nil)
	expectStatus(t, r, http.StatusServiceUnavailable)
	if r.str(t, "reason") != "store unavailable" || r.header.Get("Retry-After") == "" {
		t.Fatalf("/readyz with the store closed: %v %s", r.header, r.body)
	}
	if !strings.Contains(e.logs.String(), "internal error") {
		t.Fatal("internal errors were not logged")
	}
}
