// Package pgtest gives tests their own PostgreSQL schema on the server
// that WARD_TEST_POSTGRES_URL names (default [DefaultURL]), dropped when
// the test ends. A test is skipped with a message saying so when the
// server is unreachable, or fails when WARD_REQUIRE_SERVICES=1 (as in CI).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth/postgres"
)

// DefaultURL is the PostgreSQL of the tests when WARD_TEST_POSTGRES_URL is
// unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// URL returns WARD_TEST_POSTGRES_URL, or [DefaultURL].
func URL() string {
	if u := os.Getenv("WARD_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Schema creates a new, empty schema and returns a connection string for
// it (the server of [URL] with search_path set to the schema). The schema
// is dropped, with everything in it, when tb ends; close what uses it in
// a cleanup registered after Schema returns.
func Schema(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base := URL()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		unreachable(tb, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	name := "ward_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		tb.Fatalf("pgtest: creating schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("pgtest: dropping schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			tb.Errorf("pgtest: dropping schema %s: %v", name, err)
		}
	})
	return WithParam(base, "search_path", name)
}

// WithParam returns the connection string dsn (a URL or key=value
// pairs) with the parameter key set to value (a word: no quoting).
func WithParam(dsn, key, value string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " " + key + "=" + value
}

// MustOpen opens a [postgres.DB] on a new schema ([Schema]) and closes it
// when tb ends.
func MustOpen(tb testing.TB) *postgres.DB {
	tb.Helper()
	dsn := Schema(tb)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func unreachable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("WARD_REQUIRE_SERVICES") == "1" {
		tb.Fatalf("PostgreSQL unreachable and WARD_REQUIRE_SERVICES=1: %v", err)
	}
	tb.Skipf("skipping: PostgreSQL unreachable at WARD_TEST_POSTGRES_URL (default %s): %v", DefaultURL, err)
}
