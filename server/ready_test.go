package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// TestReadyz: /readyz answers 200 while the service is ready, and 503 with
// Retry-After and a stable code when the revocation replica is older than
// the maximum staleness (injected clock) and when the store is closed.
func TestReadyz(t *testing.T) {
	e := newEnv(t, envOptions{auth: func(c *auth.Config) { c.MaxRevocationStaleness = time.Minute }})
	r := e.do("GET", "/readyz", nil)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "status") != "ready" {
		t.Fatalf("/readyz: %s", r.body)
	}
	e.clock.Advance(time.Minute)
	expectStatus(t, e.do("GET", "/readyz", nil), http.StatusOK) // at the limit
	e.clock.Advance(time.Second)
	for _, tc := range []struct {
		name, code string
		before     func()
	}{
		{"stale", "revocations_stale", func() {}},
		{"store closed", "store_unavailable", func() {
			if err := e.svc.Sync(t.Context()); err != nil { // fresh again
				t.Fatal(err)
			}
			expectStatus(t, e.do("GET", "/readyz", nil), http.StatusOK)
			e.db.Close()
		}},
	} {
		tc.before()
		r := e.do("GET", "/readyz", nil)
		expectStatus(t, r, http.StatusServiceUnavailable)
		if r.str(t, "status") != "not_ready" || r.str(t, "code") != tc.code || r.str(t, "reason") == "" || r.header.Get("Retry-After") == "" {
			t.Fatalf("%s: /readyz %v %s, want code %s", tc.name, r.header, r.body, tc.code)
		}
	}
}
