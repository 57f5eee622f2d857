package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

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

// testDeleteExpiredSessions: with a zero idleBefore only sessions past
// ExpiresAt go; with one, ended and idle ones too; the count is exact.
func testDeleteExpiredSessions(t *testing.T, s auth.Store) {
	now := base.Add(100 * 24 * time.Hour)
	update(t, s, func(tx auth.Tx) error {
		if err := tx.CreateUser(newUser("u1", "a@example.com")); err != nil {
			return err
		}
		mk := func(id string, used, exp, ended time.Time) error {
			x := newSession(id, "u1")
			x.LastUsedAt, x.ExpiresAt, x.EndedAt = used, exp, ended
			return tx.CreateSession(x)
		}
		return errors.Join(
			mk("live", now, now.Add(time.Hour), time.Time{}),
			mk("expired", now, now.Add(-time.Nanosecond), time.Time{}),
			mk("at-now", now, now, time.Time{}), // not before now: stays
			mk("ended", now.Add(-3*time.Hour), now.Add(time.Hour), now.Add(-2*time.Hour)),
			mk("ended-late", now.Add(-3*time.Hour), now.Add(time.Hour), now), // ended, but after idleBefore… and used before it
			mk("idle", now.Add(-2*time.Hour), now.Add(time.Hour), time.Time{}),
		)
	})
	ids := func() []string {
		var out []string
		view(t, s, func(tx auth.ReadTx) error {
			list, err := tx.Sessions("u1")
			for _, x := range list {
				out = append(out, x.ID)
			}
			return err
		})
		slices.Sort(out)
		return out
	}
	var n int64
	update(t, s, func(tx auth.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(now, time.Time{})
		return err
	})
	if got := ids(); n != 1 || !slices.Equal(got, []string{"at-now", "ended", "ended-late", "idle", "live"}) {
		t.Errorf("DeleteExpiredSessions(now, zero) = %d, left %v", n, got)
	}
	update(t, s, func(tx auth.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(now, now.Add(-time.Hour))
		return err
	})
	// "ended-late" goes too: it was last used before idleBefore.
	if got := ids(); n != 3 || !slices.Equal(got, []string{"at-now", "live"}) {
		t.Errorf("DeleteExpiredSessions(now, now-1h) = %d, left %v", n, got)
	}
}
