// Package storetest is the conformance suite of [auth.Store]: every store
// (auth/sqlite now, PostgreSQL later) passes [Run].
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
		{"Users", testUsers},
		{"UserPaging", testUserPaging},
		{"Sessions", testSessions},
		{"ConcurrentUpdateSession", testConcurrentUpdateSession},
		{"Rollback", testRollback},
		{"ConcurrentMixedOutcomes", testConcurrentMixedOutcomes},
		{"Clients", testClients},
		{"Keys", testKeys},
		{"Secrets", testSecrets},
		{"Revocations", testRevocations},
		{"RevocationsSince", testRevocationsSince},
		{"Audit", testAudit},
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

func newUser(id, email string) *auth.User {
	return &auth.User{ID: id, Email: email, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		Roles: []string{"admin", "dev"}, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
}

func sameTime(a, b time.Time) bool { return a.Equal(b) }

func testUsers(t *testing.T, s auth.Store) {
	u := newUser("u1", "Ann@example.com")
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(u) })

	// Email keys are unique case-insensitively; IDs are unique.
	err := s.Update(ctx(), func(tx auth.Tx) error { return tx.CreateUser(newUser("u2", "ann@EXAMPLE.com")) })
	wantCode(t, err, auth.CodeEmailTaken)
	err = s.Update(ctx(), func(tx auth.Tx) error { return tx.CreateUser(newUser("u1", "other@example.com")) })
	wantCode(t, err, auth.CodeConflict)

	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.User("u1")
		if err != nil {
			return err
		}
		if got.Email != u.Email || got.PasswordHash != u.PasswordHash || !slices.Equal(got.Roles, u.Roles) || got.Disabled ||
			!sameTime(got.CreatedAt, base) || !sameTime(got.UpdatedAt, base) || !sameTime(got.PasswordChangedAt, base) {
			t.Errorf("User = %+v, want %+v", got, u)
		}
		got, err = tx.UserByEmail("ANN@example.com")
		if err != nil || got.ID != "u1" {
			t.Errorf("UserByEmail = %v, %v", got, err)
		}
		_, err = tx.User("nope")
		wantCode(t, err, auth.CodeNotFound)
		_, err = tx.UserByEmail("nope@example.com")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})

	// Update every field.
	u2 := *u
	u2.Email, u2.PasswordHash, u2.Roles, u2.Disabled = "ann@example.org", "$argon2id$other", nil, true
	u2.UpdatedAt = base.Add(time.Hour)
	update(t, s, func(tx auth.Tx) error { return tx.UpdateUser(&u2) })
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.User("u1")
		if err != nil {
			return err
		}
		if got.Email != u2.Email || got.PasswordHash != u2.PasswordHash || len(got.Roles) != 0 || !got.Disabled || !sameTime(got.UpdatedAt, u2.UpdatedAt) {
			t.Errorf("after UpdateUser: %+v", got)
		}
		_, err = tx.UserByEmail("ann@example.com")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})
	update(t, s, func(tx auth.Tx) error {
		got, err := tx.LockUser("u1")
		if err != nil || got.Email != u2.Email {
			t.Errorf("LockUser = %+v, %v", got, err)
		}
		_, err = tx.LockUser("nope")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})
	missing := newUser("zz", "zz@example.com")
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.UpdateUser(missing) }), auth.CodeNotFound)

	// An update that takes another user's email collides.
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(newUser("u3", "bob@example.com")) })
	u3 := newUser("u3", "ANN@example.org")
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.UpdateUser(u3) }), auth.CodeEmailTaken)

	// Delete removes the user and their sessions.
	update(t, s, func(tx auth.Tx) error { return tx.CreateSession(newSession("s1", "u1")) })
	update(t, s, func(tx auth.Tx) error { return tx.DeleteUser("u1") })
	view(t, s, func(tx auth.ReadTx) error {
		_, err := tx.User("u1")
		wantCode(t, err, auth.CodeNotFound)
		_, err = tx.Session("s1")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.DeleteUser("u1") }), auth.CodeNotFound)
}

func testUserPaging(t *testing.T, s auth.Store) {
	update(t, s, func(tx auth.Tx) error {
		for i := range 25 {
			if err := tx.CreateUser(newUser(fmt.Sprintf("u%02d", i), fmt.Sprintf("u%d@example.com", i))); err != nil {
				return err
			}
		}
		return nil
	})
	var ids []string
	after := ""
	for {
		var page []*auth.User
		view(t, s, func(tx auth.ReadTx) error {
			var err error
			page, err = tx.Users(auth.UserQuery{AfterID: after, Limit: 10})
			return err
		})
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("page of %d users, limit 10", len(page))
		}
		for _, u := range page {
			ids = append(ids, u.ID)
		}
		after = page[len(page)-1].ID
	}
	if len(ids) != 25 || !slices.IsSorted(ids) {
		t.Errorf("paged IDs = %v", ids)
	}
	// Search: a substring of the email key (lower-cased), paged by ID.
	search := func(email string) []string {
		var ids []string
		after := ""
		for {
			var page []*auth.User
			view(t, s, func(tx auth.ReadTx) error {
				var err error
				page, err = tx.Users(auth.UserQuery{Email: email, AfterID: after, Limit: 4})
				return err
			})
			if len(page) == 0 {
				return ids
			}
			for _, u := range page {
				ids = append(ids, u.ID)
			}
			after = page[len(page)-1].ID
		}
	}
	for _, tt := range []struct {
		email string
		want  int
	}{
		{"u1", 11}, // u1@, u10@ … u19@
		{"U2", 6},  // case-insensitive: u2@, u20@ … u24@
		{"4@example", 3},
		{"@EXAMPLE.COM", 25},
		{"%", 0}, // no wildcards
		{"_", 0},
		{"nobody", 0},
	} {
		got := search(tt.email)
		if len(got) != tt.want || !slices.IsSorted(got) {
			t.Errorf("search %q: %v, want %d users in ID order", tt.email, got, tt.want)
		}
	}
}

func newSession(id, userID string) *auth.Session {
	return &auth.Session{ID: id, UserID: userID, ClientID: "ward", Counter: 0, RotatedAt: base, CreatedAt: base,
		LastUsedAt: base, ExpiresAt: base.Add(30 * 24 * time.Hour), IP: "192.0.2.1", UserAgent: "test/1.0"}
}

func testSessions(t *testing.T, s auth.Store) {
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(newUser("u1", "a@example.com")) })
	s1 := newSession("s1", "u1")
	update(t, s, func(tx auth.Tx) error { return tx.CreateSession(s1) })
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.CreateSession(newSession("s1", "u1")) }), auth.CodeConflict)
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.CreateSession(newSession("s9", "nobody")) }), auth.CodeNotFound)
	s2 := newSession("s2", "u1")
	s2.CreatedAt = base.Add(time.Minute)
	update(t, s, func(tx auth.Tx) error { return tx.CreateSession(s2) })

	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.Session("s1")
		if err != nil {
			return err
		}
		if got.UserID != "u1" || got.ClientID != "ward" || got.Counter != 0 || !sameTime(got.RotatedAt, base) ||
			!sameTime(got.ExpiresAt, s1.ExpiresAt) || !got.EndedAt.IsZero() || got.IP != s1.IP || got.UserAgent != s1.UserAgent {
			t.Errorf("Session = %+v", got)
		}
		list, err := tx.Sessions("u1")
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != "s2" || list[1].ID != "s1" {
			t.Errorf("Sessions: want s2, s1 (newest first), got %d", len(list))
		}
		_, err = tx.Session("nope")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})

	update(t, s, func(tx auth.Tx) error {
		got, err := tx.LockSession("s1")
		if err != nil {
			return err
		}
		got.Counter = 1<<63 + 5 // the full uint64 range round-trips
		got.RotatedAt, got.LastUsedAt = base.Add(time.Second), base.Add(2*time.Second)
		got.EndedAt, got.EndReason = base.Add(3*time.Second), auth.EndLogout
		return tx.UpdateSession(got)
	})
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.Session("s1")
		if err != nil {
			return err
		}
		if got.Counter != 1<<63+5 || !sameTime(got.RotatedAt, base.Add(time.Second)) || !sameTime(got.LastUsedAt, base.Add(2*time.Second)) ||
			!sameTime(got.EndedAt, base.Add(3*time.Second)) || got.EndReason != auth.EndLogout {
			t.Errorf("after UpdateSession: %+v", got)
		}
		return nil
	})
	err := s.Update(ctx(), func(tx auth.Tx) error {
		_, err := tx.LockSession("nope")
		return err
	})
	wantCode(t, err, auth.CodeNotFound)
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.UpdateSession(newSession("nope", "u1")) }), auth.CodeNotFound)
}

// testConcurrentUpdateSession: 50 concurrent read-modify-write
// transactions on one session never lose an update.
func testConcurrentUpdateSession(t *testing.T, s auth.Store) {
	update(t, s, func(tx auth.Tx) error {
		if err := tx.CreateUser(newUser("u1", "a@example.com")); err != nil {
			return err
		}
		return tx.CreateSession(newSession("s1", "u1"))
	})
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			errs <- s.Update(ctx(), func(tx auth.Tx) error {
				sess, err := tx.LockSession("s1")
				if err != nil {
					return err
				}
				sess.Counter++
				if err := tx.UpdateSession(sess); err != nil {
					return err
				}
				return tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventRefresh, Outcome: auth.OutcomeSuccess, SessionID: "s1", Detail: fmt.Sprint(sess.Counter)})
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.Session("s1")
		if err != nil {
			return err
		}
		if got.Counter != n {
			t.Errorf("counter = %d after %d concurrent increments", got.Counter, n)
		}
		evs, err := tx.Audit(auth.AuditQuery{Type: auth.EventRefresh, Limit: 1000})
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, ev := range evs {
			if seen[ev.Detail] {
				t.Errorf("two transactions saw counter %s", ev.Detail)
			}
			seen[ev.Detail] = true
		}
		if len(evs) != n {
			t.Errorf("%d audit events, want %d", len(evs), n)
		}
		return nil
	})
}

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

func testRevocations(t *testing.T, s auth.Store) {
	h := time.Hour
	update(t, s, func(tx auth.Tx) error {
		for _, r := range []auth.Revocation{
			{Kind: auth.RevokeToken, Subject: "jti1", NotBefore: base, Expires: base.Add(h), CreatedAt: base},
			{Kind: auth.RevokeSession, Subject: "s1", NotBefore: base, Expires: base.Add(h), CreatedAt: base},
			{Kind: auth.RevokeUser, Subject: "u1", NotBefore: base, Expires: base.Add(h), CreatedAt: base},
			{Kind: auth.RevokeKey, Subject: "k1", NotBefore: base, Expires: base.Add(h), CreatedAt: base},
			{Kind: auth.RevokeToken, Subject: "old", NotBefore: base, Expires: base.Add(-time.Second), CreatedAt: base},
			// A second revocation of the same subject keeps the later instants.
			{Kind: auth.RevokeUser, Subject: "u1", NotBefore: base.Add(time.Minute), Expires: base.Add(2 * h), CreatedAt: base},
			{Kind: auth.RevokeSession, Subject: "s1", NotBefore: base.Add(-time.Minute), Expires: base.Add(h / 2), CreatedAt: base},
		} {
			if err := tx.AddRevocation(r); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx auth.ReadTx) error {
		revs, err := tx.Revocations(base)
		if err != nil {
			return err
		}
		got := map[string]auth.Revocation{}
		for _, r := range revs {
			got[r.Kind+"/"+r.Subject] = r
		}
		if len(revs) != 4 {
			t.Errorf("Revocations = %d entries, want 4 unexpired: %v", len(revs), revs)
		}
		if r := got["user/u1"]; !sameTime(r.NotBefore, base.Add(time.Minute)) || !sameTime(r.Expires, base.Add(2*h)) {
			t.Errorf("merged user revocation = %+v", r)
		}
		if r := got["session/s1"]; !sameTime(r.NotBefore, base) || !sameTime(r.Expires, base.Add(h)) {
			t.Errorf("merged session revocation = %+v", r)
		}
		for _, k := range []string{"token/jti1", "key/k1"} {
			if _, ok := got[k]; !ok {
				t.Errorf("missing %s", k)
			}
		}
		return nil
	})
	// Load into a replica.
	r := auth.NewRevocations()
	if err := r.Load(ctx(), s, base); err != nil {
		t.Fatal(err)
	}
	if r.Len() != 4 || !r.KeyRevoked("k1") {
		t.Errorf("replica: %d entries", r.Len())
	}
}

// testRevocationsSince: RevocationsSince returns exactly the rows added or
// changed after a sequence number, in order, none twice, and a sequence
// number is never reused, even after Cleanup deleted the newest row.
func testRevocationsSince(t *testing.T, s auth.Store) {
	h := time.Hour
	rev := func(kind, subject string, nb time.Time, exp time.Duration) auth.Revocation {
		return auth.Revocation{Kind: kind, Subject: subject, NotBefore: nb, Expires: base.Add(exp), CreatedAt: base}
	}
	add := func(revs ...auth.Revocation) {
		t.Helper()
		update(t, s, func(tx auth.Tx) error {
			for _, r := range revs {
				if err := tx.AddRevocation(r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// since returns the subjects after seq, checking the order and the
	// high-water mark.
	since := func(seq int64) ([]string, int64) {
		t.Helper()
		var (
			revs []auth.Revocation
			last int64
		)
		view(t, s, func(tx auth.ReadTx) error {
			var err error
			revs, last, err = tx.RevocationsSince(seq)
			return err
		})
		var subjects []string
		prev := seq
		for _, r := range revs {
			if r.Seq <= prev {
				t.Fatalf("RevocationsSince(%d): Seq %d after %d: %+v", seq, r.Seq, prev, revs)
			}
			prev = r.Seq
			subjects = append(subjects, r.Kind+"/"+r.Subject)
		}
		if last != prev {
			t.Fatalf("RevocationsSince(%d) = last %d, want %d (the last row's, or seq if none)", seq, last, prev)
		}
		return subjects, last
	}
	if got, last := since(0); len(got) != 0 || last != 0 {
		t.Fatalf("empty store: RevocationsSince(0) = %v, %d", got, last)
	}
	add(rev(auth.RevokeToken, "a", base, h), rev(auth.RevokeSession, "b", base, h), rev(auth.RevokeUser, "c", base, h))
	got, mark1 := since(0)
	if !slices.Equal(got, []string{"token/a", "session/b", "user/c"}) {
		t.Fatalf("RevocationsSince(0) = %v", got)
	}
	if got, last := since(mark1); len(got) != 0 || last != mark1 {
		t.Fatalf("nothing new: RevocationsSince(%d) = %v, %d", mark1, got, last)
	}
	// A new row, a changed row (later NotBefore) and an unchanged one (no
	// later instant): the new and the changed rows, in the order written.
	add(rev(auth.RevokeKey, "d", base, h), rev(auth.RevokeUser, "c", base.Add(time.Minute), h), rev(auth.RevokeSession, "b", base.Add(-time.Minute), h/2))
	got, mark2 := since(mark1)
	if !slices.Equal(got, []string{"key/d", "user/c"}) {
		t.Fatalf("RevocationsSince(%d) = %v, want [key/d user/c]", mark1, got)
	}
	// A changed Expires alone is a change too.
	add(rev(auth.RevokeToken, "a", base, 2*h))
	got, mark3 := since(mark2)
	if !slices.Equal(got, []string{"token/a"}) {
		t.Fatalf("RevocationsSince(%d) = %v, want [token/a]", mark2, got)
	}
	// From 0, every row once, in the order of its last change, merged.
	view(t, s, func(tx auth.ReadTx) error {
		revs, last, err := tx.RevocationsSince(0)
		if err != nil {
			return err
		}
		var subjects []string
		for _, r := range revs {
			subjects = append(subjects, r.Kind+"/"+r.Subject)
			switch r.Kind + "/" + r.Subject {
			case "user/c":
				if !sameTime(r.NotBefore, base.Add(time.Minute)) || !sameTime(r.Expires, base.Add(h)) {
					t.Errorf("merged user/c = %+v", r)
				}
			case "session/b":
				if !sameTime(r.NotBefore, base) || !sameTime(r.Expires, base.Add(h)) {
					t.Errorf("session/b changed by an older revocation: %+v", r)
				}
			case "token/a":
				if !sameTime(r.Expires, base.Add(2*h)) {
					t.Errorf("merged token/a = %+v", r)
				}
			}
		}
		if !slices.Equal(subjects, []string{"session/b", "key/d", "user/c", "token/a"}) || last != mark3 {
			t.Errorf("RevocationsSince(0) = %v, %d; want [session/b key/d user/c token/a], %d", subjects, last, mark3)
		}
		return nil
	})
	// Expired rows are returned too (the replica skips them); after
	// Cleanup deletes the newest row, the next row still gets a greater
	// Seq, so a replica at mark4 sees it.
	add(rev(auth.RevokeToken, "expired", base, -h))
	got, mark4 := since(mark3)
	if !slices.Equal(got, []string{"token/expired"}) {
		t.Fatalf("RevocationsSince(%d) = %v, want [token/expired]", mark3, got)
	}
	update(t, s, func(tx auth.Tx) error {
		_, err := tx.Cleanup(auth.CleanupPolicy{Now: base})
		return err
	})
	add(rev(auth.RevokeToken, "e", base, h))
	if got, _ := since(mark4); !slices.Equal(got, []string{"token/e"}) {
		t.Fatalf("after Cleanup: RevocationsSince(%d) = %v, want [token/e]", mark4, got)
	}
	// A rolled-back revocation is not seen.
	errRollback := errors.New("rollback")
	err := s.Update(ctx(), func(tx auth.Tx) error {
		if err := tx.AddRevocation(rev(auth.RevokeToken, "rolled-back", base, h)); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v", err)
	}
	add(rev(auth.RevokeToken, "f", base, h))
	if got, _ := since(mark4); !slices.Equal(got, []string{"token/e", "token/f"}) {
		t.Fatalf("RevocationsSince(%d) = %v, want [token/e token/f]", mark4, got)
	}

	// A replica synced incrementally holds what a full load does.
	full, inc := auth.NewRevocations(), auth.NewRevocations()
	if err := inc.Load(ctx(), s, base); err != nil {
		t.Fatal(err)
	}
	add(rev(auth.RevokeToken, "g", base, h), rev(auth.RevokeUser, "c", base.Add(2*time.Minute), h))
	if err := inc.Sync(ctx(), s, base); err != nil {
		t.Fatal(err)
	}
	if err := full.Load(ctx(), s, base); err != nil {
		t.Fatal(err)
	}
	if inc.Len() != full.Len() || inc.Seq() != full.Seq() || inc.Seq() == 0 {
		t.Errorf("synced replica: %d entries at seq %d; loaded: %d at %d", inc.Len(), inc.Seq(), full.Len(), full.Seq())
	}
}

func testAudit(t *testing.T, s auth.Store) {
	update(t, s, func(tx auth.Tx) error {
		for i := range 30 {
			ev := &auth.AuditEvent{Time: base.Add(time.Duration(i) * time.Minute), Type: auth.EventLogin, Outcome: auth.OutcomeSuccess,
				UserID: fmt.Sprintf("u%d", i%3), SessionID: "s", ClientID: "c", IP: "192.0.2.1", UserAgent: "ua", Detail: fmt.Sprint(i)}
			if i%5 == 0 {
				ev.Type = auth.EventLogout
			}
			if i%4 == 0 {
				ev.Outcome = auth.OutcomeFailure
			}
			if i%6 == 0 {
				ev.ActorID = "admin1"
			}
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
			if ev.ID == 0 {
				t.Errorf("AppendAudit assigned no ID")
			}
		}
		return nil
	})
	q := func(q auth.AuditQuery) []auth.AuditEvent {
		var evs []auth.AuditEvent
		view(t, s, func(tx auth.ReadTx) error {
			var err error
			evs, err = tx.Audit(q)
			return err
		})
		return evs
	}
	all := q(auth.AuditQuery{Limit: 1000})
	if len(all) != 30 || all[0].Detail != "29" || all[29].Detail != "0" {
		t.Fatalf("Audit: %d events, want 30 newest first", len(all))
	}
	e := all[0]
	if e.UserID != "u2" || e.SessionID != "s" || e.ClientID != "c" || e.IP != "192.0.2.1" || e.UserAgent != "ua" || !sameTime(e.Time, base.Add(29*time.Minute)) ||
		e.Outcome != auth.OutcomeSuccess || e.ActorID != "" {
		t.Errorf("event = %+v", e)
	}
	if e := all[5]; e.Detail != "24" || e.ActorID != "admin1" || e.Outcome != auth.OutcomeFailure {
		t.Errorf("event = %+v", e)
	}
	// Paging.
	var paged []string
	before := int64(0)
	for {
		page := q(auth.AuditQuery{BeforeID: before, Limit: 7})
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			paged = append(paged, ev.Detail)
		}
		before = page[len(page)-1].ID
	}
	if len(paged) != 30 || paged[0] != "29" || paged[29] != "0" {
		t.Errorf("paged = %v", paged)
	}
	if n := len(q(auth.AuditQuery{UserID: "u1", Limit: 100})); n != 10 {
		t.Errorf("by user: %d, want 10", n)
	}
	if n := len(q(auth.AuditQuery{Type: auth.EventLogout, Limit: 100})); n != 6 {
		t.Errorf("by type: %d, want 6", n)
	}
	got := q(auth.AuditQuery{Since: base.Add(10 * time.Minute), Until: base.Add(20 * time.Minute), Limit: 100})
	if len(got) != 10 || got[0].Detail != "19" || got[9].Detail != "10" {
		t.Errorf("time range: %d events", len(got))
	}
	far := time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)
	if n := len(q(auth.AuditQuery{Since: far.AddDate(-2000, 0, 0), Until: far, Limit: 100})); n != 30 {
		t.Errorf("time range 999 to 2999: %d events, want 30", n)
	}
	if n := len(q(auth.AuditQuery{Since: far, Limit: 100})); n != 0 {
		t.Errorf("since 2999: %d events, want 0", n)
	}
	if n := len(q(auth.AuditQuery{UserID: "u0", Type: auth.EventLogout, Limit: 100})); n != 2 {
		t.Errorf("user and type: %d, want 2", n) // i = 0, 15
	}
	if n := len(q(auth.AuditQuery{Outcome: auth.OutcomeFailure, Limit: 100})); n != 8 {
		t.Errorf("by outcome: %d, want 8", n) // i = 0, 4, … 28
	}
	if n := len(q(auth.AuditQuery{Outcome: auth.OutcomeSuccess, Limit: 100})); n != 22 {
		t.Errorf("by outcome: %d, want 22", n)
	}
	if n := len(q(auth.AuditQuery{ActorID: "admin1", Limit: 100})); n != 5 {
		t.Errorf("by actor: %d, want 5", n) // i = 0, 6, … 24
	}
	if n := len(q(auth.AuditQuery{ActorID: "admin1", Outcome: auth.OutcomeFailure, UserID: "u0", Limit: 100})); n != 3 {
		t.Errorf("actor, outcome and user: %d, want 3", n) // i = 0, 12, 24
	}

	// Paging while events arrive: each page is read after more events
	// were appended, and the pages still hold exactly the 30 events that
	// existed when paging began, in order, none twice.
	var stable []string
	before = 0
	for added := 0; ; added++ {
		page := q(auth.AuditQuery{BeforeID: before, Limit: 4})
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			stable = append(stable, ev.Detail)
		}
		before = page[len(page)-1].ID
		update(t, s, func(tx auth.Tx) error {
			for range 3 {
				if err := tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventLogin, Outcome: auth.OutcomeSuccess, Detail: fmt.Sprint("new", added)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if !slices.Equal(stable, paged) {
		t.Errorf("paged while events arrived: %v, want %v", stable, paged)
	}
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
		st, err = tx.Cleanup(auth.CleanupPolicy{Now: now, SessionsBefore: now.Add(-time.Hour), AuditBefore: now.Add(-90 * 24 * time.Hour)})
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
