package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrBackupExists is returned by [DB.Backup] when its target exists.
var ErrBackupExists = errors.New("sqlite: backup file already exists")

// Backup writes a consistent copy of the database to the file path, while
// the store stays in use: SQLite's VACUUM INTO copies one read snapshot
// (every transaction committed before it began, none after), and in WAL
// mode it blocks no writer. The copy is a compact, self-contained database
// file (no WAL beside it) that [Open] opens as it is; restoring it is
// copying it into place while no server runs.
//
// path must not exist ([ErrBackupExists]): a backup never overwrites.
// The copy is written to a temporary file in path's directory, synced,
// and then linked to path, so that path appears complete or not at all;
// it has mode 0600.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: %s", ErrBackupExists, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath) // after the link, path keeps the file
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	tmp.Close()
	// VACUUM INTO accepts an empty file as its target.
	if _, err := db.reader.ExecContext(ctx, "VACUUM INTO ?", tmpPath); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	// SQLite does not sync the file VACUUM INTO writes.
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := os.Link(tmpPath, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrBackupExists, path)
		}
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	syncDir(dir)
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// syncDir makes a new entry of dir durable where the system can sync a
// directory; elsewhere it does nothing.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
