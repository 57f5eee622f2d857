package migrate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/migrate"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/auth/sqlite"
)

// reopened returns a SQLite store that fill has written, closed and
// opened again, so that what writing left in memory (the statements
// bound to the transaction) is gone, as for ward migrate, which opens the
// store it copies.
func reopened(tb testing.TB, fill func(auth.Store)) auth.Store {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "src.db")
	s, err := sqlite.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	fill(s)
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	if s, err = sqlite.Open(path); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// bulkPopulate writes n users, each with a session, through the bulk
// importer: rows made as they are stored, none held.
func bulkPopulate(tb testing.TB, s auth.Store, n int) {
	tb.Helper()
	id := func(i int) string { return fmt.Sprintf("%032x", i) }
	err := s.Update(context.Background(), func(tx auth.Tx) error {
		imp := tx.(auth.Importer)
		err := imp.ImportUsers(func(yield func(*auth.User) bool) {
			for i := range n {
				u := &auth.User{ID: id(i + 1), Email: fmt.Sprintf("user%d@example.test", i), PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
					Roles: []string{"dev"}, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
				if !yield(u) {
					return
				}
			}
		})
		if err != nil {
			return err
		}
		return imp.ImportSessions(func(yield func(*auth.Session) bool) {
			for i := range n {
				ss := &auth.Session{ID: id(n + i + 1), UserID: id(i + 1), Counter: uint64(i), RotatedAt: base, CreatedAt: base,
					LastUsedAt: base, ExpiresAt: base.Add(time.Hour), IP: "192.0.2.1", UserAgent: "test"}
				if !yield(ss) {
					return
				}
			}
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestCopyMemory copies stores of 10,000 and 50,000 users, each with a
// session, into PostgreSQL and into SQLite, and finds that the peak Go
// heap does not grow with the number of rows. Holding them (as ward
// migrate did before it streamed: about 0.7 KiB a row) would take about
// 70 MiB for the larger one and 55 MiB more than for the smaller;
// streaming takes 4–7 MiB for both. The bounds leave room for the
// garbage collector's pacing.
func TestCopyMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("copies 120,000 rows twice")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	const small, large = 10000, 50000
	const maxPeak, maxGrowth = 32 << 20, 16 << 20
	targets := []struct {
		name string
		open func(t *testing.T) auth.Store
	}{
		{"postgres", func(t *testing.T) auth.Store { return pgtest.MustOpen(t) }},
		{"sqlite", func(t *testing.T) auth.Store { return mustOpen(t) }},
	}
	for _, target := range targets {
		t.Run(target.name, func(t *testing.T) {
			peak := map[int]uint64{}
			for _, n := range []int{small, large} {
				src := reopened(t, func(s auth.Store) { bulkPopulate(t, s, n) })
				dst := target.open(t)
				heap := sampleHeap()
				res, err := migrate.Copy(context.Background(), src, dst)
				peak[n] = heap.done()
				if err != nil {
					t.Fatal(err)
				}
				if res.Source.Users != n || res.Source.Sessions != n || res.Target != res.Source {
					t.Fatalf("copied %+v, want %d users and sessions", res, n)
				}
				t.Logf("%d users and %d sessions: peak heap %.1f MiB", n, n, float64(peak[n])/(1<<20))
			}
			if peak[large] > maxPeak || peak[large] > peak[small]+maxGrowth {
				t.Errorf("peak heap %.1f MiB for %d users and sessions, %.1f MiB for %d: want at most %d MiB, and at most %d MiB more",
					float64(peak[large])/(1<<20), large, float64(peak[small])/(1<<20), small, maxPeak>>20, maxGrowth>>20)
			}
		})
	}
}
