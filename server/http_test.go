package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

// TestBearerChallenges checks the RFC 6750, Section 3 challenges exactly.
func TestBearerChallenges(t *testing.T) {
	e := newEnv(t)
	e.signup("chal@example.com")
	tk := e.login("chal@example.com", testPassword)
	const (
		noCreds = `Bearer realm="ward"`
		invalid = `Bearer realm="ward", error="invalid_token", error_description="The access token is invalid, expired or revoked."`
	)
	tests := []struct {
		name   string
		header []string
		status int
		chal   string
		code   string
	}{
		{"no Authorization", nil, 401, noCreds, "unauthorized"},
		{"another scheme", []string{"Authorization", "Basic YTpi"}, 401, noCreds, "unauthorized"},
		{"valid", bearer(tk.access), 200, "", ""},
		{"lower-case scheme", []string{"Authorization", "bearer " + tk.access}, 200, "", ""},
		{"upper-case scheme", []string{"Authorization", "BEARER " + tk.access}, 200, "", ""},
		{"two spaces", []string{"Authorization", "Bearer  " + tk.access}, 401, invalid, "invalid_token"},
		{"tab", []string{"Authorization", "Bearer\t" + tk.access}, 401, invalid, "invalid_token"},
		{"scheme only", []string{"Authorization", "Bearer"}, 401, invalid, "invalid_token"},
		{"not token68", []string{"Authorization", "Bearer " + tk.access + " x"}, 401, invalid, "invalid_token"},
		{"garbage", []string{"Authorization", "Bearer abc.def.ghi"}, 401, invalid, "invalid_token"},
		{"tampered", bearer(tamper(tk.access)), 401, invalid, "invalid_token"},
		{"refresh token as access token", bearer(tk.refresh), 401, invalid, "invalid_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/v1/me", nil, tc.header...)
			expectStatus(t, r, tc.status)
			if got := r.header.Get("WWW-Authenticate"); got != tc.chal {
				t.Fatalf("WWW-Authenticate = %q, want %q", got, tc.chal)
			}
			if tc.code != "" && r.errorCode(t) != tc.code {
				t.Fatalf("code %q, want %q", r.errorCode(t), tc.code)
			}
		})
	}
	// A token in the query string is never read.
	r := e.do("GET", "/v1/me?access_token="+url.QueryEscape(tk.access), nil)
	expectStatus(t, r, http.StatusUnauthorized)
	if got := r.header.Get("WWW-Authenticate"); got != noCreds {
		t.Fatalf("query token: WWW-Authenticate = %q", got)
	}
	// An expired token: the same fixed challenge.
	e.clock.Advance(10*time.Minute + time.Minute)
	r = e.do("GET", "/v1/me", nil, bearer(tk.access)...)
	expectStatus(t, r, http.StatusUnauthorized)
	if got := r.header.Get("WWW-Authenticate"); got != invalid {
		t.Fatalf("expired: WWW-Authenticate = %q", got)
	}
	// Every Bearer-protected endpoint challenges.
	for _, ep := range [][2]string{{"POST", "/v1/auth/logout"}, {"GET", "/v1/me/sessions"}, {"POST", "/v1/me/password"}, {"DELETE", "/v1/me/sessions/x"}} {
		r := e.do(ep[0], ep[1], nil)
		if r.status != 401 || r.header.Get("WWW-Authenticate") != noCreds {
			t.Fatalf("%s %s: %d %q", ep[0], ep[1], r.status, r.header.Get("WWW-Authenticate"))
		}
	}
}

// tamper changes one character in the middle of a token's signature.
func tamper(tok string) string {
	b := []byte(tok)
	i := len(b) - 20
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestSecurityHeaders: every response, errors included, carries the
// security headers.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	}
	for _, req := range [][2]string{
		{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/.well-known/jwks.json"}, {"GET", "/.well-known/oauth-authorization-server"},
		{"GET", "/v1/me"}, {"POST", "/v1/auth/login"}, {"POST", "/oauth2/token"}, {"GET", "/nope"}, {"PUT", "/v1/auth/login"},
	} {
		r := e.do(req[0], req[1], nil)
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", req[0], req[1], k, got, v)
			}
		}
	}
}

// TestRouting: unknown paths and methods get JSON errors.
func TestRouting(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/nope", nil)
	expectStatus(t, r, http.StatusNotFound)
	if r.errorCode(t) != "not_found" {
		t.Fatalf("%s", r.body)
	}
	r = e.do("GET", "/v1/auth/login", nil)
	expectStatus(t, r, http.StatusMethodNotAllowed)
	if r.errorCode(t) != "method_not_allowed" || !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Fatalf("%s Allow=%q", r.body, r.header.Get("Allow"))
	}
}

// TestHealth checks /healthz and /readyz.
func TestHealth(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/healthz", nil)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "status") != "ok" {
		t.Fatalf("%s", r.body)
	}
	r = e.do("GET", "/readyz", nil)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "status") != "ready" {
		t.Fatalf("%s", r.body)
	}
}

// TestAccessLog: one line per request with method, path, status and
// client address, and never a token, password or query string.
func TestAccessLog(t *testing.T) {
	e := newEnv(t)
	e.signup("log@example.com")
	tk := e.login("log@example.com", testPassword)
	e.do("GET", "/v1/me?secret=query-secret-value", nil, bearer(tk.access)...)
	e.refresh(tk.refresh)
	id, secret := e.addClient("x")
	e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, basic(id, secret)...)
	logs := e.logs.String()
	for _, s := range []string{testPassword, tk.access, tk.refresh, secret, "query-secret-value", "Bearer", "Basic"} {
		if strings.Contains(logs, s) {
			t.Fatalf("the log holds a secret (%.12s…):\n%s", s, logs)
		}
	}
	if !strings.Contains(logs, `msg="http request" method=GET path=/v1/me status=200`) || !strings.Contains(logs, "ip=127.0.0.1") {
		t.Fatalf("no access log line for GET /v1/me:\n%s", logs)
	}
}

// TestCORS: off by default; with an allowed origin, its requests and
// preflights to the app API get CORS headers, and other origins do not.
func TestCORS(t *testing.T) {
	const app = "https://app.example"
	off := newEnv(t)
	r := off.do("OPTIONS", "/v1/auth/login", nil, "Origin", app, "Access-Control-Request-Method", "POST")
	if r.header.Get("Access-Control-Allow-Origin") != "" || r.status == http.StatusNoContent {
		t.Fatalf("CORS is on by default: %d %v", r.status, r.header)
	}

	e := newEnv(t, envOptions{server: func(c *server.Config) { c.CORSOrigins = []string{app} }})
	r = e.do("OPTIONS", "/v1/auth/login", nil, "Origin", app, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	expectStatus(t, r, http.StatusNoContent)
	if r.header.Get("Access-Control-Allow-Origin") != app || !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "X-CSRF-Token") || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight headers %v", r.header)
	}
	e.signup("cors@example.com")
	r = e.do("POST", "/v1/auth/login", map[string]string{"email": "cors@example.com", "password": testPassword}, "Origin", app)
	expectStatus(t, r, http.StatusOK)
	if r.header.Get("Access-Control-Allow-Origin") != app || !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
		t.Fatalf("response headers %v", r.header)
	}
	r = e.do("POST", "/v1/auth/login", map[string]string{"email": "cors@example.com", "password": testPassword}, "Origin", "https://evil.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("another origin was allowed: %v", r.header)
	}
	r = e.do("OPTIONS", "/v1/auth/login", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	if r.status == http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("another origin's preflight: %d %v", r.status, r.header)
	}

	// Cookie mode from the allowed origin, with credentials: the CSRF
	// check accepts its Origin, and every answer allows credentials for
	// it alone.
	b := newBrowser(e)
	b.origin = app
	r = b.login("cors@example.com", testPassword)
	expectStatus(t, r, http.StatusOK)
	if r.header.Get("Access-Control-Allow-Origin") != app || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("cookie login from %s: %v", app, r.header)
	}
	r = b.do("GET", "/v1/me", nil)
	expectStatus(t, r, http.StatusOK)
	if r.header.Get("Access-Control-Allow-Origin") != app || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("GET /v1/me from %s: %v", app, r.header)
	}
	// The same cookies from another origin: no CORS headers, and no
	// state change.
	b.origin = "https://evil.example"
	r = b.do("POST", "/v1/auth/logout", nil)
	expectStatus(t, r, http.StatusForbidden)
	if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("logout from another origin: %v", r.header)
	}
	if n := e.sessionCount("cors@example.com"); n != 3 {
		t.Fatalf("%d live sessions, want 3", n)
	}
}

// TestLoginHashSlotBusy: a login that gets no hashing slot within
// MaxHashWait is answered 503 unavailable with Retry-After. (The abuse
// limits are off: 8 logins of one account from one address at once pass
// its per-account burst.)
func TestLoginHashSlotBusy(t *testing.T) {
	e := newEnv(t, envOptions{auth: func(c *auth.Config) {
		c.MaxConcurrentHashes, c.MaxHashWait, c.Limits.Off = 1, time.Nanosecond, true
	}})
	e.signup("busy@example.com")
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		busy int
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", "/v1/auth/login", map[string]string{"email": "busy@example.com", "password": testPassword})
			if r.status == http.StatusOK {
				return
			}
			if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), `"code":"unavailable"`) || r.header.Get("Retry-After") == "" {
				t.Errorf("login: %d %v %s, want 200 or 503 unavailable with Retry-After", r.status, r.header, r.body)
			}
			mu.Lock()
			busy++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if busy == 0 || busy == n {
		t.Errorf("%d of %d concurrent logins refused, want some", busy, n)
	}
}
