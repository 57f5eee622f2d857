package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/sqlite"
)

// TestBackup: a backup holds what was committed before it, opens as a
// store, has mode 0600, never overwrites a file, and leaves no temporary
// file behind.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	err := db.Update(ctx, func(tx auth.Tx) error {
		return tx.CreateUser(&auth.User{ID: "u1", Email: "a@example.com", PasswordHash: "x", CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	// The store is still in use after the backup.
	err = db.Update(ctx, func(tx auth.Tx) error {
		return tx.CreateUser(&auth.User{ID: "u2", Email: "b@example.com", PasswordHash: "x", CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup: %v %v, want mode 0600", fi, err)
	}
	if err := db.Backup(ctx, path); !errors.Is(err, sqlite.ErrBackupExists) {
		t.Fatalf("backup over an existing file: %v, want ErrBackupExists", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files left beside the backup: %v", entries)
	}

	b, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.View(ctx, func(tx auth.ReadTx) error {
		us, err := tx.Users(auth.UserQuery{Limit: 10})
		if err != nil {
			return err
		}
		if len(us) != 1 || us[0].Email != "a@example.com" {
			t.Errorf("users in the backup: %v", us)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	db.Close()
	if err := db.Backup(ctx, filepath.Join(dir, "after-close.db")); err == nil {
		t.Fatal("backup of a closed store succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "after-close.db")); err == nil {
		t.Fatal("a failed backup left its file")
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*")); len(tmp) != 0 {
		t.Fatalf("a failed backup left temporary files: %v", tmp)
	}
}

func ExampleDB_Backup() {
	db, err := sqlite.Open(filepath.Join(os.TempDir(), "ward-example.db"))
	if err != nil {
		return
	}
	defer db.Close()
	err = db.Backup(context.Background(), "/backup/ward.db")
	if errors.Is(err, sqlite.ErrBackupExists) {
		// Choose another name: a backup never overwrites a file.
	}
}
