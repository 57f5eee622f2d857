package auth_test

import (
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// recorder is an [auth.Observer] that counts what it is told.
type recorder struct {
	mu          sync.Mutex
	events      map[string]int // type/outcome
	revocations map[string]int // kind
	waits       int
	storeErrs   int
}

func newRecorder() *recorder {
	return &recorder{events: map[string]int{}, revocations: map[string]int{}}
}

func (r *recorder) Audited(ev *auth.AuditEvent) {
	r.mu.Lock()
	r.events[ev.Type+"/"+ev.Outcome]++
	r.mu.Unlock()
}

func (r *recorder) Revoked(revs []auth.Revocation) {
	r.mu.Lock()
	for _, v := range revs {
		r.revocations[v.Kind]++
	}
	r.mu.Unlock()
}

func (r *recorder) HashWaited(time.Duration) {
	r.mu.Lock()
	r.waits++
	r.mu.Unlock()
}

func (r *recorder) StoreFailed(error) {
	r.mu.Lock()
	r.storeErrs++
	r.mu.Unlock()
}

// TestObserver: the service tells its Observer the outcomes of logins and
// refreshes, reuse, revocations by kind, hashing waits and store failures,
// and nothing for errors that are its own answers.
func TestObserver(t *testing.T) {
	rec := newRecorder()
	e := newEnv(t, func(c *auth.Config) { c.Observer = rec })
	u := e.signup(t, "obs@example.com")
	p := e.login(t, "obs@example.com")
	if _, err := e.svc.Login(ctx, "obs@example.com", "wrong password here", meta); err == nil {
		t.Fatal("wrong password accepted")
	}
	if _, err := e.svc.Login(ctx, "nobody@example.com", goodPassword, meta); err == nil {
		t.Fatal("unknown user accepted")
	}
	q, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute) // past the grace window
	_, err = e.svc.Refresh(ctx, p.RefreshToken, meta)
	wantCode(t, err, auth.CodeTokenReused)
	if _, err := e.svc.Authenticate(ctx, q.AccessToken); err == nil {
		t.Fatal("token of a reused session verifies")
	}
	p2 := e.login(t, "obs@example.com")
	if err := e.svc.RevokeToken(ctx, p2.AccessToken, meta); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetRoles(ctx, u.ID, []string{"ops"}, meta); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.User(ctx, "no-such-user")
	wantCode(t, err, auth.CodeNotFound)

	rec.mu.Lock()
	for k, want := range map[string]int{
		auth.EventLogin + "/" + auth.OutcomeSuccess:        2,
		auth.EventLogin + "/" + auth.OutcomeFailure:        2,
		auth.EventRefresh + "/" + auth.OutcomeSuccess:      1,
		auth.EventRefreshReuse + "/" + auth.OutcomeFailure: 1,
	} {
		if got := rec.events[k]; got != want {
			t.Errorf("Audited %s: %d, want %d", k, got, want)
		}
	}
	// Reuse ends the first session, the role change the second: two
	// session revocations, one user revocation, one token revocation.
	for k, want := range map[string]int{auth.RevokeSession: 2, auth.RevokeUser: 1, auth.RevokeToken: 1} {
		if got := rec.revocations[k]; got != want {
			t.Errorf("Revoked %s: %d, want %d", k, got, want)
		}
	}
	if rec.waits != 5 { // signup + 4 logins
		t.Errorf("HashWaited called %d times, want 5", rec.waits)
	}
	if rec.storeErrs != 0 {
		t.Errorf("StoreFailed called %d times for answers of the service", rec.storeErrs)
	}
	rec.mu.Unlock()

	e.db.Close()
	if _, err := e.svc.User(ctx, u.ID); err == nil {
		t.Fatal("read from a closed store succeeded")
	}
	if err := e.svc.Sync(ctx); err == nil {
		t.Fatal("sync from a closed store succeeded")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.storeErrs != 2 {
		t.Errorf("StoreFailed called %d times after Close, want 2", rec.storeErrs)
	}
}
