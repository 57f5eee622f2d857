package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/jose/jwt"
)

// TestRevocationsLoadKeepsLocal: Load from the store does not drop an
// entry applied locally after the store snapshot.
func TestRevocationsLoadKeepsLocal(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	r := auth.NewRevocations()
	r.Add(auth.Revocation{Kind: auth.RevokeToken, Subject: "local", Expires: now.Add(time.Hour)})
	if err := r.Load(ctx, e.db, now); err != nil {
		t.Fatal(err)
	}
	if err := r.Check(&jwt.Claims{ID: "local"}, "", ""); err == nil {
		t.Fatal("Load dropped a local entry")
	}
	if !r.LoadedAt().Equal(now) {
		t.Fatal("LoadedAt not set")
	}
}

// TestSameSecondRevocation: a frozen clock on a whole second (as in tests
// of the server) still revokes a token issued at the instant of logout,
// and a new session in the same second is not refused.
func TestSameSecondRevocation(t *testing.T) {
	e := newEnv(t, nil)
	e.clock.Advance(750 * time.Millisecond) // 09:00:01.000
	e.signup(t, "same@example.com")
	p := e.login(t, "same@example.com")
	if err := e.svc.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("token of a session ended in the same instant: %v", err)
	}
	q := e.login(t, "same@example.com")
	e.authn(t, q.AccessToken)
	u, err := e.svc.UserByEmail(ctx, "same@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetRoles(ctx, u.ID, []string{"ops"}, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, q.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("token issued before a role change in the same instant: %v", err)
	}
	r := e.login(t, "same@example.com")
	if c := e.authn(t, r.AccessToken); !c.HasRole("ops") {
		t.Fatal("new token lacks the new role")
	}
}

// TestRevocationOrderAtSecondBoundary: a user's revocation is decided by
// the order in which the store commits, not by clocks read in different
// seconds (issue 7, item 7). The clock is moved back to play a request
// that read its clock before another but committed after it (it waited
// for the write lock, or runs on an instance whose clock lags).
func TestRevocationOrderAtSecondBoundary(t *testing.T) {
	t.Run("refresh read the next second, committed first", func(t *testing.T) {
		e := newEnv(t, nil)
		e.clock.Advance(700 * time.Millisecond) // 09:00:00.950
		u := e.signup(t, "first@example.com")
		p := e.login(t, "first@example.com")
		e.clock.Advance(100 * time.Millisecond) // 09:00:01.050
		q, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
		if err != nil {
			t.Fatal(err)
		}
		if c := e.authn(t, q.AccessToken); c.IssuedAt.Second() != 1 {
			t.Fatalf("iat %v, want 09:00:01", c.IssuedAt)
		}
		e.clock.Advance(-60 * time.Millisecond) // the revocation read 09:00:00.990
		if err := e.svc.SetRoles(ctx, u.ID, []string{"ops"}, meta); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{p.AccessToken, q.AccessToken} {
			if _, err := e.svc.Authenticate(ctx, tok); !errors.Is(err, jwt.ErrRevoked) {
				t.Fatalf("token issued before the revocation committed: %v, want revoked", err)
			}
		}
		// Another instance loading the store agrees.
		other := e.service(t, nil)
		if _, err := other.Authenticate(ctx, q.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("other instance: %v, want revoked", err)
		}
	})
	t.Run("login read the previous second, committed after", func(t *testing.T) {
		e := newEnv(t, nil)
		e.clock.Advance(700 * time.Millisecond) // 09:00:00.950
		u := e.signup(t, "after@example.com")
		e.clock.Advance(100 * time.Millisecond) // 09:00:01.050
		if err := e.svc.SetRoles(ctx, u.ID, []string{"ops"}, meta); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(-60 * time.Millisecond) // the login read 09:00:00.990
		p := e.login(t, "after@example.com")
		c := e.authn(t, p.AccessToken)
		if c.IssuedAt.Second() != 0 || !c.HasRole("ops") {
			t.Fatalf("iat %v roles %v, want 09:00:00 and the new role", c.IssuedAt, c.Roles)
		}
		// Its refresh, still in the earlier second, is accepted too.
		q, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
		if err != nil {
			t.Fatal(err)
		}
		e.authn(t, q.AccessToken)
		other := e.service(t, nil)
		if _, err := other.Authenticate(ctx, q.AccessToken); err != nil {
			t.Fatalf("other instance: %v", err)
		}
	})
	t.Run("session end refuses a token of the next second", func(t *testing.T) {
		e := newEnv(t, nil)
		e.clock.Advance(700 * time.Millisecond) // 09:00:00.950
		e.signup(t, "sid@example.com")
		p := e.login(t, "sid@example.com")
		e.clock.Advance(100 * time.Millisecond) // 09:00:01.050
		q, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(-60 * time.Millisecond) // the logout read 09:00:00.990
		if err := e.svc.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutSession, meta); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(ctx, q.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("token of the ended session, iat in the next second: %v, want revoked", err)
		}
	})
}

// countingStore counts the revocation rows that reads return.
type countingStore struct {
	auth.Store
	mu   sync.Mutex
	rows int // rows returned by Revocations and RevocationsSince
	full int // calls of Revocations or RevocationsSince(0)
}

func (s *countingStore) View(ctx context.Context, fn func(tx auth.ReadTx) error) error {
	return s.Store.View(ctx, func(tx auth.ReadTx) error { return fn(&countingTx{tx, s}) })
}

func (s *countingStore) counts() (rows, full int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rows, s.full
}

type countingTx struct {
	auth.ReadTx
	s *countingStore
}

func (t *countingTx) Revocations(now time.Time) ([]auth.Revocation, error) {
	revs, err := t.ReadTx.Revocations(now)
	t.s.mu.Lock()
	t.s.rows += len(revs)
	t.s.full++
	t.s.mu.Unlock()
	return revs, err
}

func (t *countingTx) RevocationsSince(seq int64) ([]auth.Revocation, int64, error) {
	revs, last, err := t.ReadTx.RevocationsSince(seq)
	t.s.mu.Lock()
	t.s.rows += len(revs)
	if seq == 0 {
		t.s.full++
	}
	t.s.mu.Unlock()
	return revs, last, err
}

// TestSyncIsIncremental: Service.Sync reads only the revocations written
// since the previous sync, not every unexpired one; Reload reads them all.
func TestSyncIsIncremental(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 5 {
		email := fmt.Sprintf("inc%d@example.com", i)
		e.signup(t, email)
		p := e.login(t, email)
		if err := e.svc.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutSession, meta); err != nil {
			t.Fatal(err)
		}
	}
	cs := &countingStore{Store: e.db}
	cfg := e.svc.Config()
	replica, err := auth.NewService(ctx, cs, testKEK, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rows, full := cs.counts()
	if rows != 5 || full != 1 {
		t.Fatalf("start-up: read %d rows in %d full loads, want 5 in 1", rows, full)
	}
	for range 3 {
		if err := replica.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if rows, full := cs.counts(); rows != 5 || full != 1 {
		t.Fatalf("3 syncs with nothing new read %d rows (%d full loads), want none", rows-5, full-1)
	}
	// Another instance logs a user out: the next sync reads that row only,
	// and the replica refuses the token.
	e.signup(t, "late@example.com")
	p := e.login(t, "late@example.com")
	if err := e.svc.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := replica.Authenticate(ctx, p.AccessToken); err != nil {
		t.Fatalf("not yet synced: %v", err)
	}
	if err := replica.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, full := cs.counts(); rows != 6 || full != 1 {
		t.Fatalf("sync after one logout read %d rows (%d full loads), want 1 (0)", rows-5, full-1)
	}
	if _, err := replica.Authenticate(ctx, p.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("after Sync: %v, want revoked", err)
	}
	// Reload reads everything again.
	if err := replica.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, full := cs.counts(); rows != 12 || full != 2 {
		t.Fatalf("Reload: %d rows in %d full loads, want 12 in 2", rows, full)
	}
}

// TestReplicaWakeUp: the replica's wake-up ([revocation.Replica.Changed],
// which drives the revocation feed's streams) fires for a revocation this
// instance commits, before the call that made it returns (so before the
// server answers); for one another instance wrote, when Sync reads it; and
// for one received from another instance (ApplyRevocations, the bus).
func TestReplicaWakeUp(t *testing.T) {
	e := newEnv(t, nil)
	other := e.service(t, nil)
	e.signup(t, "wake@example.com")
	woke := func(what string, c <-chan struct{}) {
		t.Helper()
		select {
		case <-c:
		default:
			t.Fatalf("no wake-up for %s", what)
		}
	}

	c := e.svc.Revocations().Changed()
	p := e.login(t, "wake@example.com")
	if err := e.svc.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	woke("a logout, when Logout returns", c)

	c = e.svc.Revocations().Changed()
	q, err := other.Login(ctx, "wake@example.com", goodPassword, meta)
	if err != nil {
		t.Fatal(err)
	}
	qc, err := other.Authenticate(ctx, q.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Logout(ctx, qc, auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c:
		t.Fatal("woke up for another instance's revocation before reading it")
	default:
	}
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	woke("another instance's logout, at Sync", c)

	c = e.svc.Revocations().Changed()
	if err := e.svc.ApplyRevocations(ctx, []auth.Revocation{{Kind: auth.RevokeToken, Subject: "jti-from-bus", Expires: e.clock.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	woke("a revocation from the bus", c)
}
