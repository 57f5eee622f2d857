// Package storetest is the conformance suite of [auth.Store]: every store
// (auth/sqlite, auth/postgres) passes [Run]. It has one part per
// aggregate of the store port (users.go, sessions.go, clients.go,
// keys.go, revocations.go, audit.go), each covering the documented
// contract of that aggregate's reader and writer, their concurrency
// included; this file holds what spans them (rollback, grouped commits,
// cleanup, a closed store).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// Run runs the suite. open returns a new, empty store for each subtest;
// the suite closes it.
func Run(t *testing.T, open func(t *testing.T) auth.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s auth.Store)
	}{
		// Users (users.go).
		{"Users", testUsers},
		{"UserPaging", testUserPaging},
		{"UserEmails", testUserEmails},
		{"ConcurrentLockUser", testConcurrentLockUser},
		// Sessions (sessions.go).
		{"Sessions", testSessions},
		{"ConcurrentUpdateSession", testConcurrentUpdateSession},
		{"DeleteExpiredSessions", testDeleteExpiredSessions},
		// Clients (clients.go).
		{"Clients", testClients},
		{"ConcurrentLockClient", testConcurrentLockClient},
		// Keys and secrets (keys.go).
		{"Keys", testKeys},
		{"KeyOrder", testKeyOrder},
		{"Secrets", testSecrets},
		{"ConcurrentLockKeys", testConcurrentLockKeys},
		// Revocations (revocations.go).
		{"Revocations", testRevocations},
		{"RevocationsSince", testRevocationsSince},
		{"ConcurrentRevocationsSince", testConcurrentRevocationsSince},
		// Audit (audit.go).
		{"Audit", testAudit},
		{"AuditAppendAndDelete", testAuditAppendAndDelete},
		// Bulk import, auth.Importer (import.go).
		{"Import", testImport},
		// Across aggregates (this file).
		{"Rollback", testRollback},
		{"ConcurrentMixedOutcomes", testConcurrentMixedOutcomes},
		{"Cleanup", testCleanup},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

// base is a fixed instant with a sub-second part, to check that stores
// keep nanoseconds.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func ctx() context.Context { return context.Background() }

func update(t *testing.T, s auth.Store, fn func(tx auth.Tx) error) {
	t.Helper()
	if err := s.Update(ctx(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s auth.Store, fn func(tx auth.ReadTx) error) {
	t.Helper()
	if err := s.View(ctx(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := auth.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func sameTime(a, b time.Time) bool { return a.Equal(b) }

func testRollback(t *testing.T, s auth.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx(), func(tx auth.Tx) error {
		if err := tx.CreateUser(newUser("u1", "a@example.com")); err != nil {
			return err
		}
		if err := tx.AddRevocation(auth.Revocation{Kind: auth.RevokeUser, Subject: "u1", NotBefore: base, Expires: base.Add(time.Hour), CreatedAt: base}); err != nil {
			return err
		}
		if err := tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventSignup, Outcome: auth.OutcomeSuccess}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update returned %v, want the error of fn unchanged", err)
	}
	view(t, s, func(tx auth.ReadTx) error {
		_, err := tx.User("u1")
		wantCode(t, err, auth.CodeNotFound)
		revs, err := tx.Revocations(base)
		if err != nil {
			return err
		}
		evs, err := tx.Audit(auth.AuditQuery{})
		if err != nil {
			return err
		}
		if len(revs) != 0 || len(evs) != 0 {
			t.Errorf("rolled back transaction left %d revocations and %d events", len(revs), len(evs))
		}
		return nil
	})
}

// testConcurrentMixedOutcomes: among concurrent transactions, those whose
// function fails leave nothing behind and do not disturb the others (a
// store that commits writers in groups must undo exactly the failed ones).
func testConcurrentMixedOutcomes(t *testing.T, s auth.Store) {
	const n = 100
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(ctx(), func(tx auth.Tx) error {
				if err := tx.CreateUser(newUser(fmt.Sprintf("u%03d", i), fmt.Sprintf("u%d@example.com", i))); err != nil {
					return err
				}
				if err := tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventSignup, Outcome: auth.OutcomeSuccess, UserID: fmt.Sprintf("u%03d", i)}); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom
				}
				return nil
			})
		})
	}
	wg.Wait()
	want := 0
	for i, err := range errs {
		switch {
		case i%3 == 0 && err != boom:
			t.Errorf("transaction %d: %v, want its own error", i, err)
		case i%3 != 0 && err != nil:
			t.Errorf("transaction %d: %v", i, err)
		case i%3 != 0:
			want++
		}
	}
	view(t, s, func(tx auth.ReadTx) error {
		users, err := tx.Users(auth.UserQuery{Limit: 1000})
		if err != nil {
			return err
		}
		evs, err := tx.Audit(auth.AuditQuery{Limit: 1000})
		if err != nil {
			return err
		}
		if len(users) != want || len(evs) != want {
			t.Errorf("%d users and %d events committed, want %d", len(users), len(evs), want)
		}
		for _, u := range users {
			var i int
			fmt.Sscanf(u.ID, "u%d", &i)
			if i%3 == 0 {
				t.Errorf("failed transaction %d left its user", i)
			}
		}
		return nil
	})
	// A failing transaction's unique key is free again.
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(newUser("u000", "u0@example.com")) })
}

func testCleanup(t *testing.T, s auth.Store) {
	now := base.Add(100 * 24 * time.Hour)
	update(t, s, func(tx auth.Tx) error {
		if err := tx.CreateUser(newUser("u1", "a@example.com")); err != nil {
			return err
		}
		live := newSession("live", "u1")
		live.LastUsedAt, live.ExpiresAt = now.Add(-time.Hour), now.Add(time.Hour)
		expired := newSession("expired", "u1") // absolute lifetime over
		ended := newSession("ended", "u1")
		ended.LastUsedAt, ended.ExpiresAt, ended.EndedAt = now.Add(-3*time.Hour), now.Add(time.Hour), now.Add(-2*time.Hour)
		idle := newSession("idle", "u1")
		idle.LastUsedAt, idle.ExpiresAt = now.Add(-50*24*time.Hour), now.Add(time.Hour)
		for _, x := range []*auth.Session{live, expired, ended, idle} {
			if err := tx.CreateSession(x); err != nil {
				return err
			}
		}
		for _, r := range []auth.Revocation{
			{Kind: auth.RevokeToken, Subject: "old", Expires: now.Add(-time.Second)},
			{Kind: auth.RevokeToken, Subject: "new", Expires: now.Add(time.Second)},
		} {
			if err := tx.AddRevocation(r); err != nil {
				return err
			}
		}
		for _, tm := range []time.Time{now.Add(-100 * 24 * time.Hour), now.Add(-time.Hour)} {
			if err := tx.AppendAudit(&auth.AuditEvent{Time: tm, Type: auth.EventLogin, Outcome: auth.OutcomeSuccess}); err != nil {
				return err
			}
		}
		return nil
	})
	var st auth.CleanupStats
	update(t, s, func(tx auth.Tx) error {
		var err error
		st, err = auth.CleanupPolicy{Now: now, SessionsBefore: now.Add(-time.Hour), AuditBefore: now.Add(-90 * 24 * time.Hour)}.Run(tx)
		return err
	})
	if st.Revocations != 1 || st.Sessions != 3 || st.AuditEvents != 1 {
		t.Errorf("Cleanup stats = %+v, want 1 revocation, 3 sessions, 1 event", st)
	}
	view(t, s, func(tx auth.ReadTx) error {
		list, err := tx.Sessions("u1")
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].ID != "live" {
			t.Errorf("sessions left: %d", len(list))
		}
		revs, err := tx.Revocations(time.Time{})
		if err != nil {
			return err
		}
		if len(revs) != 1 || revs[0].Subject != "new" {
			t.Errorf("revocations left: %v", revs)
		}
		return nil
	})
}

// testClosed: a closed store fails; it never reports success.
func testClosed(t *testing.T, s auth.Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ran := false
	err := s.Update(ctx(), func(tx auth.Tx) error {
		ran = true
		return tx.CreateUser(newUser("u1", "a@example.com"))
	})
	if err == nil {
		t.Errorf("Update on a closed store succeeded (fn ran: %v)", ran)
	}
	if err := s.View(ctx(), func(tx auth.ReadTx) error { return nil }); err == nil {
		t.Errorf("View on a closed store succeeded")
	}
}

// concurrently runs n Updates of fn at once, fn(tx, i) for i in [0, n),
// and fails the test on any error.
func concurrently(t *testing.T, s auth.Store, n int, fn func(tx auth.Tx, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(ctx(), func(tx auth.Tx) error { return fn(tx, i) })
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
}
