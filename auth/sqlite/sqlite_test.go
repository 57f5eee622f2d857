package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/sqlite"
	"github.com/wardauth/ward/auth/storetest"
)

// MustOpen opens a fresh database file in a temporary directory.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) auth.Store { return MustOpen(t) })
}

func TestPragmas(t *testing.T) {
	db := MustOpen(t)
	for name, want := range map[string]string{"synchronous": "2", "journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"} {
		got, err := db.Pragma(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("database file mode %v is readable by others", fi.Mode())
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u := &auth.User{ID: "u1", Email: "a@example.com", PasswordHash: "h"}
	if err := db.Update(context.Background(), func(tx auth.Tx) error { return tx.CreateUser(u) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(path) // migrations are not applied twice
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx auth.ReadTx) error {
		_, err := tx.User("u1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRefusesMemory(t *testing.T) {
	if _, err := sqlite.Open(":memory:"); err == nil {
		t.Fatal("Open(:memory:) succeeded")
	}
}

func TestPathWithSpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir with spaces & ünïcode #1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ward.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(context.Background(), func(tx auth.Tx) error {
		return tx.CreateUser(&auth.User{ID: "u", Email: "u@example.com", PasswordHash: "h"})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil { // the open database's WAL is beside it
		entries, _ := os.ReadDir(dir)
		t.Fatalf("database not at %q: %v (dir holds %v)", path, err, entries)
	}
	if v, err := db.Pragma(context.Background(), "journal_mode"); err != nil || v != "wal" {
		t.Fatalf("journal_mode = %q, %v", v, err)
	}
}

// TestMigrateRevocationSeq: a version-1 database's revocations get change
// sequence numbers, in creation order, and keep their values.
func TestMigrateRevocationSeq(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	v1, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		string(v1),
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (1)`,
		`INSERT INTO revocations (kind, subject, not_before, expires, created_at) VALUES ('user', 'u1', 5, 9000000000000000000, 2), ('token', 'j1', 0, 9000000000000000000, 1)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var (
		revs []auth.Revocation
		last int64
	)
	err = db.View(context.Background(), func(tx auth.ReadTx) error {
		revs, last, err = tx.RevocationsSince(0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].Subject != "j1" || revs[1].Subject != "u1" || revs[1].NotBefore.UnixNano() != 5 || last != revs[1].Seq || revs[0].Seq <= 0 {
		t.Fatalf("after migration: %+v, last %d", revs, last)
	}
	// A later revocation gets a greater seq.
	err = db.Update(context.Background(), func(tx auth.Tx) error {
		return tx.AddRevocation(auth.Revocation{Kind: auth.RevokeToken, Subject: "j2", Expires: time.Unix(0, 9e18)})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(context.Background(), func(tx auth.ReadTx) error {
		revs, _, err = tx.RevocationsSince(last)
		return err
	})
	if err != nil || len(revs) != 1 || revs[0].Subject != "j2" {
		t.Fatalf("RevocationsSince(%d) = %+v, %v", last, revs, err)
	}
}
