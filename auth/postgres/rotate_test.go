package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres"
	"github.com/wardauth/ward/auth/postgres/pgtest"
)

var _ auth.SessionRotator = (*postgres.DB)(nil)

// TestRotateSession: the compare-and-swap swaps only the current counter
// of a live session of an enabled user, writes the audit event with it,
// and changes nothing otherwise; of concurrent swaps of one counter,
// exactly one succeeds.
func TestRotateSession(t *testing.T) {
	db := pgtest.MustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	mk := func(id, user string, edit func(s *auth.Session)) {
		s := &auth.Session{ID: id, UserID: user, ClientID: "app", Counter: 7, CreatedAt: now.Add(-time.Hour), RotatedAt: now.Add(-time.Minute), LastUsedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)}
		if edit != nil {
			edit(s)
		}
		if err := db.Update(ctx, func(tx auth.Tx) error { return tx.CreateSession(s) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Update(ctx, func(tx auth.Tx) error {
		for _, u := range []*auth.User{
			{ID: "u1", Email: "a@example.com", PasswordHash: "x", Roles: []string{"admin"}, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now},
			{ID: "u2", Email: "b@example.com", PasswordHash: "x", Disabled: true, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now},
		} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mk("live", "u1", nil)
	mk("ended", "u1", func(s *auth.Session) { s.EndedAt, s.EndReason = now.Add(-time.Second), auth.EndLogout })
	mk("expired", "u1", func(s *auth.Session) { s.ExpiresAt = now })
	mk("idle", "u1", func(s *auth.Session) { s.LastUsedAt = now.Add(-2 * time.Hour) })
	mk("disabled", "u2", nil)

	rotate := func(id string, expect uint64) (*auth.Session, *auth.User, *auth.AuditEvent, bool) {
		t.Helper()
		ev := &auth.AuditEvent{Time: now, Type: auth.EventRefresh, Outcome: auth.OutcomeSuccess, IP: "192.0.2.1", UserAgent: "test", Detail: "counter=8"}
		s, u, ok, err := db.RotateSession(ctx, auth.SessionRotation{ID: id, Expect: expect, Now: now, IdleBefore: now.Add(-time.Hour), Event: ev})
		if err != nil {
			t.Fatalf("RotateSession(%s): %v", id, err)
		}
		return s, u, ev, ok
	}
	events := func() int {
		t.Helper()
		var n int
		if err := db.View(ctx, func(tx auth.ReadTx) error {
			evs, err := tx.Audit(auth.AuditQuery{Limit: 1000})
			n = len(evs)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		id     string
		expect uint64
	}{{"live", 6}, {"live", 8}, {"ended", 7}, {"expired", 7}, {"idle", 7}, {"disabled", 7}, {"missing", 7}} {
		if _, _, _, ok := rotate(tc.id, tc.expect); ok {
			t.Errorf("%s with counter %d: swapped", tc.id, tc.expect)
		}
	}
	if n := events(); n != 0 {
		t.Fatalf("%d audit events after refused swaps", n)
	}
	s, u, ev, ok := rotate("live", 7)
	if !ok || s.Counter != 8 || !s.RotatedAt.Equal(now) || !s.LastUsedAt.Equal(now) || u.ID != "u1" || len(u.Roles) != 1 || u.Roles[0] != "admin" {
		t.Fatalf("swap: %v %+v %+v", ok, s, u)
	}
	if ev.ID == 0 || ev.UserID != "u1" || ev.SessionID != "live" || ev.ClientID != "app" {
		t.Fatalf("event: %+v", ev)
	}
	var stored *auth.Session
	var evs []auth.AuditEvent
	if err := db.View(ctx, func(tx auth.ReadTx) error {
		var err error
		if stored, err = tx.Session("live"); err != nil {
			return err
		}
		evs, err = tx.Audit(auth.AuditQuery{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if stored.Counter != 8 || !stored.LastUsedAt.Equal(now) {
		t.Fatalf("stored: %+v", stored)
	}
	if len(evs) != 1 || evs[0].ID != ev.ID || evs[0].Detail != "counter=8" || evs[0].IP != "192.0.2.1" || evs[0].SessionID != "live" {
		t.Fatalf("audit: %+v", evs)
	}

	// Concurrent swaps of the same counter: exactly one.
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won int
	)
	for range 16 {
		wg.Go(func() {
			ev := &auth.AuditEvent{Time: now, Type: auth.EventRefresh, Outcome: auth.OutcomeSuccess}
			_, _, ok, err := db.RotateSession(ctx, auth.SessionRotation{ID: "live", Expect: 8, Now: now, Event: ev})
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d of 16 concurrent swaps of one counter succeeded", won)
	}
	if n := events(); n != 2 {
		t.Fatalf("%d audit events, want 2", n)
	}
}
