package server_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/limit"
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

// degradedLimiter is an in-memory limiter that says its shared backend is
// unreachable while down is set, as the Redis limiter does.
type degradedLimiter struct {
	*limit.Memory
	down atomic.Bool
}

func (l *degradedLimiter) Degraded() error {
	if l.down.Load() {
		return errors.New("redis: dial tcp 127.0.0.1:6379: connection refused")
	}
	return nil
}

// TestReadyzDegraded: a ready service with a shared dependency in its
// fallback answers 200 with status "degraded" and the part, without the
// error's detail; ready again when it recovers.
func TestReadyzDegraded(t *testing.T) {
	lim := &degradedLimiter{Memory: limit.NewMemory(limit.MemoryOptions{})}
	e := newEnv(t, envOptions{auth: func(c *auth.Config) { c.Limiter = lim }})
	lim.down.Store(true)
	r := e.do("GET", "/readyz", nil)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "status") != "degraded" || !strings.Contains(string(r.body), `"degraded":["limiter"]`) || strings.Contains(string(r.body), "127.0.0.1") {
		t.Fatalf("/readyz degraded: %s", r.body)
	}
	lim.down.Store(false)
	if r := e.do("GET", "/readyz", nil); r.str(t, "status") != "ready" {
		t.Fatalf("/readyz recovered: %s", r.body)
	}
}
