package server_test

import (
	"net/http"
	"testing"
)

// TestEndToEnd is the acceptance flow of issue 3, over real HTTP on
// loopback against a real SQLite file.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	const email = "ann@example.com"

	// Sign up.
	r := e.do("POST", "/v1/auth/signup", map[string]string{"email": email, "password": testPassword})
	expectStatus(t, r, http.StatusCreated)
	u := r.json(t)
	if u["email"] != email || u["id"] == "" || u["created_at"] == "" {
		t.Fatalf("signup answered %s", r.body)
	}
	if roles, ok := u["roles"].([]any); !ok || len(roles) != 0 {
		t.Fatalf("roles = %v, want []", u["roles"])
	}
	if _, ok := u["password_hash"]; ok {
		t.Fatal("signup response has a password hash")
	}

	// Log in.
	r = e.do("POST", "/v1/auth/login", map[string]string{"email": email, "password": testPassword})
	expectStatus(t, r, http.StatusOK)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("login Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
	}
	lm := r.json(t)
	if lm["token_type"] != "Bearer" || lm["expires_in"] != float64(600) {
		t.Fatalf("login answered %s", r.body)
	}
	t0 := tokens{r.str(t, "access_token"), r.str(t, "refresh_token")}

	// A protected call with the Bearer token.
	r = e.do("GET", "/v1/me", nil, bearer(t0.access)...)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "email") != email || r.str(t, "id") != u["id"] {
		t.Fatalf("/v1/me answered %s", r.body)
	}

	// Refresh twice: t0 → t1 → t2.
	r = e.refresh(t0.refresh)
	expectStatus(t, r, http.StatusOK)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("refresh Cache-Control = %q", r.header.Get("Cache-Control"))
	}
	t1 := tokens{r.str(t, "access_token"), r.str(t, "refresh_token")}
	if t1.refresh == t0.refresh {
		t.Fatal("refresh did not rotate the token")
	}
	r = e.refresh(t1.refresh)
	expectStatus(t, r, http.StatusOK)
	t2 := tokens{r.str(t, "access_token"), r.str(t, "refresh_token")}
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(t2.access)...), http.StatusOK)

	// A token two rotations old ends the session...
	r = e.refresh(t0.refresh)
	expectStatus(t, r, http.StatusUnauthorized)
	if code := r.errorCode(t); code != "token_reused" {
		t.Fatalf("reuse answered code %q, want token_reused", code)
	}
	// ...and its access token is refused at once.
	r = e.do("GET", "/v1/me", nil, bearer(t2.access)...)
	expectStatus(t, r, http.StatusUnauthorized)
	if code := r.errorCode(t); code != "invalid_token" {
		t.Fatalf("code %q, want invalid_token", code)
	}
	if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="ward", error="invalid_token", error_description="The access token is invalid, expired or revoked."` {
		t.Fatalf("WWW-Authenticate = %q", got)
	}
	// The current refresh token of the ended session fails too.
	r = e.refresh(t2.refresh)
	expectStatus(t, r, http.StatusUnauthorized)

	// Log in again, log out: the access token is refused at once.
	t3 := e.login(email, testPassword)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(t3.access)...), http.StatusOK)
	r = e.do("POST", "/v1/auth/logout", nil, bearer(t3.access)...)
	expectStatus(t, r, http.StatusNoContent)
	r = e.do("GET", "/v1/me", nil, bearer(t3.access)...)
	expectStatus(t, r, http.StatusUnauthorized)
	if code := r.errorCode(t); code != "invalid_token" {
		t.Fatalf("after logout: code %q, want invalid_token", code)
	}
	r = e.refresh(t3.refresh)
	expectStatus(t, r, http.StatusUnauthorized)
	if code := r.errorCode(t); code != "session_ended" {
		t.Fatalf("refresh after logout: code %q, want session_ended", code)
	}

	// Two sessions; a password change in one ends the other.
	a := e.login(email, testPassword)
	b := e.login(email, testPassword)
	r = e.do("GET", "/v1/me/sessions", nil, bearer(a.access)...)
	expectStatus(t, r, http.StatusOK)
	sessions, _ := r.json(t)["sessions"].([]any)
	if len(sessions) != 2 {
		t.Fatalf("sessions = %s, want 2 live sessions", r.body)
	}
	current := 0
	for _, s := range sessions {
		if s.(map[string]any)["current"] == true {
			current++
		}
	}
	if current != 1 {
		t.Fatalf("sessions = %s, want exactly one current", r.body)
	}
	r = e.do("POST", "/v1/me/password", map[string]string{"current_password": testPassword, "new_password": newPassword}, bearer(a.access)...)
	expectStatus(t, r, http.StatusNoContent)
	// The other session: access and refresh tokens refused.
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(b.access)...), http.StatusUnauthorized)
	expectStatus(t, e.refresh(b.refresh), http.StatusUnauthorized)
	// The current one lives on.
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(a.access)...), http.StatusOK)
	r = e.refresh(a.refresh)
	expectStatus(t, r, http.StatusOK)
	a2 := r.str(t, "access_token")
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(a2)...), http.StatusOK)
	// The old password no longer logs in; the new one does.
	r = e.do("POST", "/v1/auth/login", map[string]string{"email": email, "password": testPassword})
	expectStatus(t, r, http.StatusUnauthorized)
	if code := r.errorCode(t); code != "invalid_credentials" {
		t.Fatalf("old password: code %q", code)
	}
	e.login(email, newPassword)
}

// TestLogoutScopes checks "others" and "all", and DELETE
// /v1/me/sessions/{id}.
func TestLogoutScopes(t *testing.T) {
	e := newEnv(t)
	e.signup("bob@example.com")
	a := e.login("bob@example.com", testPassword)
	b := e.login("bob@example.com", testPassword)
	c := e.login("bob@example.com", testPassword)

	r := e.do("POST", "/v1/auth/logout", map[string]string{"scope": "others"}, bearer(a.access)...)
	expectStatus(t, r, http.StatusNoContent)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(a.access)...), http.StatusOK)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(b.access)...), http.StatusUnauthorized)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(c.access)...), http.StatusUnauthorized)

	r = e.do("POST", "/v1/auth/logout", map[string]string{"scope": "everything"}, bearer(a.access)...)
	expectStatus(t, r, http.StatusBadRequest)
	if code := r.errorCode(t); code != "invalid_request" {
		t.Fatalf("unknown scope: code %q", code)
	}

	d := e.login("bob@example.com", testPassword)
	r = e.do("GET", "/v1/me/sessions", nil, bearer(d.access)...)
	var other string
	for _, s := range r.json(t)["sessions"].([]any) {
		if m := s.(map[string]any); m["current"] == false {
			other = m["id"].(string)
		}
	}
	if other == "" {
		t.Fatalf("sessions = %s", r.body)
	}
	expectStatus(t, e.do("DELETE", "/v1/me/sessions/"+other, nil, bearer(d.access)...), http.StatusNoContent)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(a.access)...), http.StatusUnauthorized)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(d.access)...), http.StatusOK)
	r = e.do("DELETE", "/v1/me/sessions/0123456789abcdef0123456789abcdef", nil, bearer(d.access)...)
	expectStatus(t, r, http.StatusNotFound)
	r = e.do("DELETE", "/v1/me/sessions/nope", nil, bearer(d.access)...)
	expectStatus(t, r, http.StatusNotFound)

	r = e.do("POST", "/v1/auth/logout", map[string]string{"scope": "all"}, bearer(d.access)...)
	expectStatus(t, r, http.StatusNoContent)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(d.access)...), http.StatusUnauthorized)
}
