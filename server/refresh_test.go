package server_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/wardauth/ward/auth"
)

// parallelRefresh sends n refreshes of rt at once and returns the
// responses.
func parallelRefresh(e *env, rt string, n int) []*response {
	var wg sync.WaitGroup
	start := make(chan struct{})
	out := make([]*response, n)
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = e.refresh(rt)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// TestParallelRefreshGrace: with the default grace window, 50 concurrent
// refreshes of one token all succeed with the same new refresh token, and
// the session lives on.
func TestParallelRefreshGrace(t *testing.T) {
	e := newEnv(t)
	e.signup("tabs@example.com")
	tk := e.login("tabs@example.com", testPassword)

	res := parallelRefresh(e, tk.refresh, 50)
	next := ""
	for i, r := range res {
		expectStatus(t, r, http.StatusOK)
		rt := r.str(t, "refresh_token")
		if i == 0 {
			next = rt
		}
		if rt != next {
			t.Fatalf("refresh %d got a different refresh token: the chain forked", i)
		}
		if rt == tk.refresh {
			t.Fatal("the refresh token did not rotate")
		}
		expectStatus(t, e.do("GET", "/v1/me", nil, bearer(r.str(t, "access_token"))...), http.StatusOK)
	}
	// The session lives on: the converged token refreshes.
	r := e.refresh(next)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "refresh_token") == next {
		t.Fatal("the next refresh did not rotate")
	}
}

// TestParallelRefreshNoGrace: with the grace window off, exactly one of
// 50 concurrent refreshes succeeds, the others are reuses, and the
// session ends.
func TestParallelRefreshNoGrace(t *testing.T) {
	e := newEnv(t, envOptions{auth: func(c *auth.Config) { c.RefreshGraceOff = true }})
	e.signup("race@example.com")
	tk := e.login("race@example.com", testPassword)

	res := parallelRefresh(e, tk.refresh, 50)
	var winner *response
	reused := 0
	for _, r := range res {
		switch r.status {
		case http.StatusOK:
			if winner != nil {
				t.Fatal("two refreshes succeeded: the chain forked")
			}
			winner = r
		case http.StatusUnauthorized:
			if code := r.errorCode(t); code != "token_reused" {
				t.Fatalf("a losing refresh answered %q, want token_reused", code)
			}
			reused++
		default:
			t.Fatalf("unexpected answer %d %s", r.status, r.body)
		}
	}
	if winner == nil || reused != 49 {
		t.Fatalf("%d reuses and winner %v; want 49 and one winner", reused, winner != nil)
	}
	// The session has ended: the winner's tokens no longer work.
	r := e.refresh(winner.str(t, "refresh_token"))
	expectStatus(t, r, http.StatusUnauthorized)
	if code := r.errorCode(t); code != "token_reused" {
		t.Fatalf("the winner's refresh answered %q, want token_reused", code)
	}
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(winner.str(t, "access_token"))...), http.StatusUnauthorized)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusUnauthorized)
}
