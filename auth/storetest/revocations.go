package storetest

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

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
		_, err := auth.CleanupPolicy{Now: base}.Run(tx)
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

// testConcurrentRevocationsSince: many writers add and change revocations
// at once while a replica follows RevocationsSince; it must see every row
// (no change that commits late falls behind its high-water mark), each
// Seq once and in increasing order.
func testConcurrentRevocationsSince(t *testing.T, s auth.Store) {
	const (
		writers = 8
		each    = 25
	)
	h := time.Hour
	done := make(chan struct{})
	type seen struct {
		subjects map[string]int64 // kind/subject → last Seq seen
		err      error
	}
	result := make(chan seen, 1)
	go func() {
		got := seen{subjects: map[string]int64{}}
		defer func() { result <- got }()
		var mark int64
		for finished := false; !finished; {
			select {
			case <-done:
				finished = true // one more read after every writer returned
			default:
			}
			err := s.View(ctx(), func(tx auth.ReadTx) error {
				revs, last, err := tx.RevocationsSince(mark)
				if err != nil {
					return err
				}
				for _, r := range revs {
					if r.Seq <= mark {
						return fmt.Errorf("RevocationsSince(%d) returned Seq %d", mark, r.Seq)
					}
					mark = r.Seq
					got.subjects[r.Kind+"/"+r.Subject] = r.Seq
				}
				if last != mark {
					return fmt.Errorf("RevocationsSince returned last %d after rows up to %d", last, mark)
				}
				return nil
			})
			if err != nil {
				got.err = err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := s.Update(ctx(), func(tx auth.Tx) error {
					// Some work before and after, so that transactions
					// overlap and could commit out of Seq order.
					if err := tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventLogout, Outcome: auth.OutcomeSuccess}); err != nil {
						return err
					}
					r := auth.Revocation{Kind: auth.RevokeToken, Subject: fmt.Sprintf("w%d-%d", w, i), NotBefore: base, Expires: base.Add(h), CreatedAt: base}
					if err := tx.AddRevocation(r); err != nil {
						return err
					}
					if i%5 == 4 { // and a change of a row another writer shares
						shared := auth.Revocation{Kind: auth.RevokeUser, Subject: "shared", NotBefore: base.Add(time.Duration(w*each+i) * time.Second), Expires: base.Add(h), CreatedAt: base}
						if err := tx.AddRevocation(shared); err != nil {
							return err
						}
					}
					if i%3 == 0 {
						runtime.Gosched()
					}
					_, err := tx.Sessions("nobody")
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := <-result
	if got.err != nil {
		t.Fatal(got.err)
	}
	var all []auth.Revocation
	view(t, s, func(tx auth.ReadTx) error {
		var err error
		all, _, err = tx.RevocationsSince(0)
		return err
	})
	if len(all) != writers*each+1 {
		t.Fatalf("%d rows in the store, want %d", len(all), writers*each+1)
	}
	for _, r := range all {
		// The follower must have seen every row at its final Seq: a row
		// it missed, or saw only at an older Seq, committed behind its
		// high-water mark.
		if seq := got.subjects[r.Kind+"/"+r.Subject]; seq != r.Seq {
			t.Errorf("follower saw %s/%s at Seq %d, the store has Seq %d", r.Kind, r.Subject, seq, r.Seq)
		}
	}
}
