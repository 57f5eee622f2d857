package httpauth

import (
	"crypto/tls"
	"errors"
	"net/http"
	"testing"
)

// TestCookieCSRF checks the access cookie and the CSRF rule of
// CookieConfig, the server's rule (server/csrf.go) without its secret,
// plus the VerifyCSRFToken hook through which the server adds it.
func TestCookieCSRF(t *testing.T) {
	t.Parallel()
	var hookSID string
	f := newFixture(t, func(c *Config) {
		c.Cookie = &CookieConfig{
			AllowedOrigins: []string{"https://app.example"},
			VerifyCSRFToken: func(sid, token string) bool {
				hookSID = sid
				return token != "unbound"
			},
		}
	})
	h := f.a.Middleware(okHandler)
	tok := f.token(t, nil)
	req := func(method string, mod func(r *http.Request)) *http.Request {
		r := bearerRequest(method, "")
		r.Host = "api.example"
		r.TLS = &tls.ConnectionState{}
		r.AddCookie(&http.Cookie{Name: DefaultAccessCookie, Value: tok})
		r.AddCookie(&http.Cookie{Name: DefaultCSRFCookie, Value: "csrf-1"})
		r.Header.Set("Origin", "https://app.example")
		r.Header.Set("X-CSRF-Token", "csrf-1")
		if mod != nil {
			mod(r)
		}
		return r
	}
	tests := []struct {
		name   string
		r      *http.Request
		status int
	}{
		{"GET needs no CSRF token", req("GET", func(r *http.Request) { r.Header.Del("X-CSRF-Token"); r.Header.Del("Origin") }), 200},
		{"POST with everything", req("POST", nil), 200},
		{"POST same-origin fetch", req("POST", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") }), 200},
		{"POST from the request's own origin", req("POST", func(r *http.Request) { r.Header.Set("Origin", "https://api.example") }), 200},
		{"POST cross-site fetch", req("POST", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }), 403},
		{"POST typed navigation", req("POST", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "none") }), 403},
		{"POST without Origin", req("POST", func(r *http.Request) { r.Header.Del("Origin") }), 403},
		{"POST null Origin", req("POST", func(r *http.Request) { r.Header.Set("Origin", "null") }), 403},
		{"POST other Origin", req("POST", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }), 403},
		{"POST own origin over http", req("POST", func(r *http.Request) { r.TLS = nil; r.Header.Set("Origin", "https://api.example") }), 403},
		{"POST without CSRF header", req("POST", func(r *http.Request) { r.Header.Del("X-CSRF-Token") }), 403},
		{"POST CSRF header differs", req("POST", func(r *http.Request) { r.Header.Set("X-CSRF-Token", "csrf-2") }), 403},
		{"POST two CSRF headers", req("POST", func(r *http.Request) { r.Header.Add("X-CSRF-Token", "csrf-1") }), 403},
		{"POST not bound to session", req("POST", func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", "unbound")
			r.Header.Set("Cookie", DefaultAccessCookie+"="+tok+"; "+DefaultCSRFCookie+"=unbound")
		}), 403},
		{"DELETE without CSRF", req("DELETE", func(r *http.Request) { r.Header.Del("X-CSRF-Token") }), 403},
		{"two access cookies", req("GET", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: DefaultAccessCookie, Value: tok}) }), 401},
		// A bearer header wins: the cookie, and so CSRF, are not looked at.
		{"bearer header with cookie", req("POST", func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Del("X-CSRF-Token")
		}), 200},
		// An Authorization header of another scheme is not replaced by
		// the cookie.
		{"basic header with cookie", req("GET", func(r *http.Request) { r.Header.Set("Authorization", "Basic eDp5") }), 401},
	}
	for _, tc := range tests {
		rec := do(h, tc.r)
		if rec.Code != tc.status {
			t.Errorf("%s: %d %s; want %d", tc.name, rec.Code, rec.Body, tc.status)
		}
	}
	if hookSID != "sess-1" {
		t.Errorf("VerifyCSRFToken got sid %q, want the token's", hookSID)
	}
	// A CSRF refusal carries no Bearer challenge: the token is fine.
	rec := do(h, req("POST", func(r *http.Request) { r.Header.Del("X-CSRF-Token") }))
	if rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("CSRF refusal challenge %q", rec.Header().Get("WWW-Authenticate"))
	}
}

// TestCookieOff: without CookieConfig the access cookie is ignored.
func TestCookieOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	r := bearerRequest("GET", "")
	r.AddCookie(&http.Cookie{Name: DefaultAccessCookie, Value: f.token(t, nil)})
	if rec := do(f.a.Middleware(okHandler), r); rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="test"` {
		t.Fatalf("cookie without CookieConfig: %d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}

// TestCheckCSRF: the exported rule applies to every method, and without
// CookieConfig refuses everything.
func TestCheckCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.Cookie = &CookieConfig{} })
	r := bearerRequest("GET", "")
	r.Host = "api.example"
	r.Header.Set("Origin", "https://api.example")
	if err := f.a.CheckCSRF(r, ""); !errors.Is(err, ErrCSRF) {
		t.Fatalf("GET without CSRF token: %v", err)
	}
	r.AddCookie(&http.Cookie{Name: DefaultCSRFCookie, Value: "t"})
	r.Header.Set(DefaultCSRFHeader, "t")
	if err := f.a.CheckCSRF(r, ""); err != nil {
		t.Fatalf("double submit from the own origin: %v", err)
	}
	if err := newFixture(t, nil).a.CheckCSRF(r, ""); !errors.Is(err, ErrCSRF) {
		t.Fatalf("without CookieConfig: %v", err)
	}
}
