package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

// TestRun serves on a real listener on 127.0.0.1:0 and shuts down when
// the context ends.
func TestRun(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Run(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "{\"status\":\"ok\"}\n" {
		t.Fatalf("/healthz: %d %s", res.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after the context ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("the server still answers after Run returned")
	}
}

// TestRunBackground: the background loop promotes the next key when the
// rotation falls due.
func TestRunBackground(t *testing.T) {
	e := newEnv(t, envOptions{
		auth: func(c *auth.Config) { c.JWKSCacheTTL = time.Minute; c.KeyRotationInterval = time.Hour },
		server: func(c *server.Config) {
			c.KeyCheckInterval = 5 * time.Millisecond
			c.CleanupInterval = 5 * time.Millisecond
		},
	})
	before := e.svc.ActiveKeyID()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.RunBackground(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	e.clock.Advance(time.Hour + time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for e.svc.ActiveKeyID() == before {
		if time.Now().After(deadline) {
			t.Fatal("RunBackground did not rotate the due key")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTrustedProxies: the client address in the audit log is the peer's,
// unless the peer is a trusted proxy; then it comes from X-Forwarded-For.
func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"untrusted", nil, "127.0.0.1"},
		{"trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "198.51.100.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{server: func(c *server.Config) { c.TrustedProxies = tc.trusted }})
			r := e.do("POST", "/v1/auth/signup", map[string]string{"email": "xff@example.com", "password": testPassword},
				"X-Forwarded-For", "203.0.113.9, 198.51.100.7", "User-Agent", "proxy-test/1")
			expectStatus(t, r, http.StatusCreated)
			evs, err := e.svc.Audit(context.Background(), auth.AuditQuery{Type: auth.EventSignup})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].IP != tc.want || evs[0].UserAgent != "proxy-test/1" {
				t.Fatalf("audit events %+v, want IP %s", evs, tc.want)
			}
		})
	}
}

// TestStaleRevocations: with a maximum staleness, an instance whose
// revocation replica has not been reloaded in time is not ready and
// answers protected requests 503 (never 200 on stale data, never 401),
// until a sync.
func TestStaleRevocations(t *testing.T) {
	e := newEnv(t, envOptions{auth: func(c *auth.Config) { c.MaxRevocationStaleness = time.Minute }})
	e.signup("stale@example.com")
	tk := e.login("stale@example.com", testPassword)
	expectStatus(t, e.do("GET", "/readyz", nil), http.StatusOK)

	e.clock.Advance(2 * time.Minute)
	r := e.do("GET", "/readyz", nil)
	expectStatus(t, r, http.StatusServiceUnavailable)
	if r.str(t, "status") != "not_ready" || r.header.Get("Retry-After") == "" {
		t.Fatalf("/readyz: %v %s", r.header, r.body)
	}
	r = e.do("GET", "/v1/me", nil, bearer(tk.access)...)
	expectStatus(t, r, http.StatusServiceUnavailable)
	if r.errorCode(t) != "unavailable" || r.header.Get("Retry-After") == "" {
		t.Fatalf("/v1/me: %v %s", r.header, r.body)
	}

	if err := e.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, e.do("GET", "/readyz", nil), http.StatusOK)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusOK)
}
