// Package authtest holds test helpers shared by the tests of the auth
// service, its stores, the server and the CLI: a settable clock and a fresh
// SQLite store per test. It is imported only by tests.
package authtest

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/sqlite"
)

// Clock is a settable clock for auth.Config.Now, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// MustOpenStore opens a fresh SQLite file in a temporary directory of tb
// (never :memory:: WAL needs a file) and closes it when the test ends.
func MustOpenStore(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Buffer is a bytes.Buffer safe for concurrent writes, for the logs a
// server writes from its goroutines.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
