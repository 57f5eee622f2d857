package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/migrate"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/auth/sqlite"
)

var base = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// mustOpen opens a new SQLite store in a temporary directory.
func mustOpen(tb testing.TB) *sqlite.DB { return authtest.MustOpenStore(tb) }

// populate writes n users, each with a session and two audit events, a
// client, a key record, a secret and n revocations, in one transaction.
func populate(tb testing.TB, s auth.Store, n int) {
	tb.Helper()
	err := s.Update(context.Background(), func(tx auth.Tx) error {
		for i := range n {
			id := fmt.Sprintf("%032x", i+1)
			u := &auth.User{ID: id, Email: fmt.Sprintf("user%d@example.test", i), PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
				Roles: []string{"dev"}, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			ss := &auth.Session{ID: fmt.Sprintf("%032x", n+i+1), UserID: id, Counter: uint64(i), RotatedAt: base, CreatedAt: base,
				LastUsedAt: base, ExpiresAt: base.Add(time.Hour), IP: "192.0.2.1", UserAgent: "test"}
			if err := tx.CreateSession(ss); err != nil {
				return err
			}
			for _, typ := range []string{auth.EventSignup, auth.EventLogin} {
				if err := tx.AppendAudit(&auth.AuditEvent{Time: base, Type: typ, Outcome: auth.OutcomeSuccess, UserID: id, SessionID: ss.ID}); err != nil {
					return err
				}
			}
			if err := tx.AddRevocation(auth.Revocation{Kind: auth.RevokeToken, Subject: fmt.Sprintf("jti%d", i), NotBefore: base, Expires: base.Add(time.Hour), CreatedAt: base}); err != nil {
				return err
			}
		}
		if err := tx.CreateClient(&auth.Client{ID: "wci_" + fmt.Sprintf("%032x", 1), Name: "c", SecretHash: make([]byte, 32), Scopes: []string{"read"}, CreatedAt: base, UpdatedAt: base}); err != nil {
			return err
		}
		if err := tx.PutKey(&auth.KeyRecord{KeyID: "k1", Algorithm: "ES256", State: auth.KeyActive, Private: []byte{1, 2}, Public: []byte(`{}`), CreatedAt: base, MAC: []byte{3}}); err != nil {
			return err
		}
		return tx.PutSecret("refresh-mac", []byte{4, 5, 6})
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestCopy copies more rows than a page (users and audit events are read
// by pages) into SQLite and into PostgreSQL, and finds every one.
func TestCopy(t *testing.T) {
	src := mustOpen(t)
	populate(t, src, 1100)
	// Deleted rows leave the revocation high-water mark above the
	// largest Seq stored: the target must keep it.
	err := src.Update(context.Background(), func(tx auth.Tx) error {
		if err := tx.AddRevocation(auth.Revocation{Kind: auth.RevokeUser, Subject: "gone", NotBefore: base, Expires: base, CreatedAt: base}); err != nil {
			return err
		}
		_, err := tx.DeleteExpiredRevocations(base.Add(time.Second))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]func(t *testing.T) auth.Store{
		"sqlite":   func(t *testing.T) auth.Store { return mustOpen(t) },
		"postgres": func(t *testing.T) auth.Store { return pgtest.MustOpen(t) },
	}
	for name, open := range targets {
		t.Run(name, func(t *testing.T) {
			res, err := migrate.Copy(context.Background(), src, open(t))
			if err != nil {
				t.Fatal(err)
			}
			want := migrate.Counts{Users: 1100, Sessions: 1100, Clients: 1, Keys: 1, Secrets: 1, Revocations: 1100, AuditEvents: 2200}
			if res.Source.Counts != want || res.Target != res.Source || res.Lost() {
				t.Errorf("Copy = %+v, want counts %+v", res, want)
			}
			if res.Source.RevocationSeq != 1101 || res.Source.LastAuditID != 2200 {
				t.Errorf("high-water marks: seq %d, audit id %d", res.Source.RevocationSeq, res.Source.LastAuditID)
			}
		})
	}
}

// TestCopyRefusesNonEmpty: a target with a row of any aggregate is
// refused and left as it was.
func TestCopyRefusesNonEmpty(t *testing.T) {
	src := mustOpen(t)
	populate(t, src, 2)
	for name, fn := range map[string]func(tx auth.Tx) error{
		"audit": func(tx auth.Tx) error {
			return tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventLogin, Outcome: auth.OutcomeFailure})
		},
		"secret": func(tx auth.Tx) error { return tx.PutSecret("x", []byte{1}) },
		"revocation": func(tx auth.Tx) error {
			return tx.AddRevocation(auth.Revocation{Kind: auth.RevokeKey, Subject: "k", Expires: base})
		},
	} {
		t.Run(name, func(t *testing.T) {
			dst := mustOpen(t)
			if err := dst.Update(context.Background(), fn); err != nil {
				t.Fatal(err)
			}
			before, _ := migrate.Sum(context.Background(), dst)
			_, err := migrate.Copy(context.Background(), src, dst)
			if !errors.Is(err, migrate.ErrTargetNotEmpty) {
				t.Fatalf("Copy into a store with a %s = %v", name, err)
			}
			after, _ := migrate.Sum(context.Background(), dst)
			if before != after {
				t.Errorf("the refused target changed: %+v → %+v", before, after)
			}
		})
	}
}

// TestCopySeesLostWrites: a write committed on the source after its
// snapshot is reported.
func TestCopySeesLostWrites(t *testing.T) {
	src := mustOpen(t)
	populate(t, src, 3)
	dst := &hooked{Store: mustOpen(t), after: func() error {
		return src.Update(context.Background(), func(tx auth.Tx) error {
			return tx.AddRevocation(auth.Revocation{Kind: auth.RevokeSession, Subject: "late", NotBefore: base, Expires: base.Add(time.Hour)})
		})
	}}
	res, err := migrate.Copy(context.Background(), src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Lost() || res.After.Revocations != res.Source.Revocations+1 {
		t.Errorf("a revocation after the snapshot: Lost() = %v, %+v", res.Lost(), res)
	}
}

// TestCopyVerifies: a target that loses a row on the way is caught by the
// read-back.
func TestCopyVerifies(t *testing.T) {
	src := mustOpen(t)
	populate(t, src, 3)
	dst := &hooked{Store: mustOpen(t), dropUser: true}
	_, err := migrate.Copy(context.Background(), src, dst)
	if !errors.Is(err, migrate.ErrMismatch) {
		t.Fatalf("Copy into a store that drops a user = %v, want ErrMismatch", err)
	}
}

// TestCopyNeedsImporter: a target whose Tx cannot keep IDs is refused
// before anything is written.
func TestCopyNeedsImporter(t *testing.T) {
	src := mustOpen(t)
	populate(t, src, 1)
	_, err := migrate.Copy(context.Background(), src, &hooked{Store: mustOpen(t), plain: true})
	if !errors.Is(err, migrate.ErrNoImport) {
		t.Fatalf("Copy = %v, want ErrNoImport", err)
	}
}

// hooked is a store that runs after once its Update has committed, and
// whose Tx may hide its [auth.Importer] (plain) or drop the second user
// imported, and their sessions (dropUser: a faulty store).
type hooked struct {
	auth.Store
	after    func() error
	plain    bool
	dropUser bool
	dropped  string // the ID of the user dropUser dropped
}

func (h *hooked) Update(ctx context.Context, fn func(tx auth.Tx) error) error {
	err := h.Store.Update(ctx, func(tx auth.Tx) error {
		switch {
		case h.plain:
			return fn(plainTx{tx})
		case h.dropUser:
			return fn(&dropTx{Tx: tx, h: h})
		}
		return fn(tx)
	})
	if err == nil && h.after != nil {
		err = h.after()
	}
	return err
}

// plainTx is a Tx without the optional interfaces.
type plainTx struct{ auth.Tx }

// dropTx drops the second user it imports.
type dropTx struct {
	auth.Tx
	h *hooked
}

func (d *dropTx) ImportUsers(us iter.Seq[*auth.User]) error {
	n := 0
	return d.Tx.(auth.Importer).ImportUsers(func(yield func(*auth.User) bool) {
		for u := range us {
			if n++; n == 2 {
				d.h.dropped = u.ID
				continue
			}
			if !yield(u) {
				return
			}
		}
	})
}

func (d *dropTx) ImportSessions(ss iter.Seq[*auth.Session]) error {
	return d.Tx.(auth.Importer).ImportSessions(func(yield func(*auth.Session) bool) {
		for s := range ss {
			if s.UserID != d.h.dropped && !yield(s) {
				return
			}
		}
	})
}

func (d *dropTx) ImportRevocations(revs iter.Seq[auth.Revocation], seq int64) error {
	return d.Tx.(auth.Importer).ImportRevocations(revs, seq)
}

func (d *dropTx) ImportAudit(evs iter.Seq[auth.AuditEvent]) error {
	return d.Tx.(auth.Importer).ImportAudit(evs)
}

func (d *dropTx) RevocationSeq() (int64, error) { return d.Tx.(auth.SeqReader).RevocationSeq() }

// BenchmarkCopy copies a store of 10,000 users, each with a session, two
// audit events and a revocation, from SQLite into PostgreSQL.
func BenchmarkCopy(b *testing.B) {
	const n = 10000
	src := reopened(b, func(s auth.Store) { populate(b, s, n) })
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dst := pgtest.MustOpen(b)
		heap := sampleHeap()
		b.StartTimer()
		if _, err := migrate.Copy(context.Background(), src, dst); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		peak = max(peak, heap.done())
		b.StartTimer()
	}
	b.ReportMetric(float64(5*n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// TestSummaryCoversEveryField fails when a row type gains a field, so
// that whoever adds it also adds it to the checksum of Summary (and to
// the COPY of auth/postgres's import.go).
func TestSummaryCoversEveryField(t *testing.T) {
	for _, c := range []struct {
		v    any
		want int
	}{
		{auth.User{}, 8}, {auth.Session{}, 12}, {auth.Client{}, 12}, {auth.KeyRecord{}, 11},
		{auth.Revocation{}, 6}, {auth.AuditEvent{}, 11},
	} {
		if n := reflect.TypeOf(c.v).NumField(); n != c.want {
			t.Errorf("%T has %d fields, Summary encodes %d: add the new ones to Summary", c.v, n, c.want)
		}
	}
}

// TestCopySourceFails: a source that fails in the middle of its users,
// while they stream into the target, fails the copy as a read of the
// source, and the target is left empty.
func TestCopySourceFails(t *testing.T) {
	src := mustOpen(t)
	populate(t, src, 5)
	dst := mustOpen(t)
	_, err := migrate.Copy(context.Background(), failing{src}, dst)
	if err == nil || !strings.Contains(err.Error(), "reading the source: users: disk on fire") {
		t.Fatalf("Copy from a failing source = %v", err)
	}
	if sum, err := migrate.Sum(context.Background(), dst); err != nil || sum.Counts != (migrate.Counts{}) {
		t.Errorf("the target after a failed copy: %+v, %v", sum, err)
	}
}

// failing is a store whose export of users fails after the third.
type failing struct{ auth.Store }

func (f failing) View(ctx context.Context, fn func(tx auth.ReadTx) error) error {
	return f.Store.View(ctx, func(tx auth.ReadTx) error { return fn(failingTx{tx, tx.(auth.Exporter)}) })
}

type failingTx struct {
	auth.ReadTx
	auth.Exporter
}

func (f failingTx) ExportUsers(fn func(*auth.User) error) error {
	n := 0
	return f.Exporter.ExportUsers(func(u *auth.User) error {
		if n++; n > 3 {
			return errors.New("disk on fire")
		}
		return fn(u)
	})
}
