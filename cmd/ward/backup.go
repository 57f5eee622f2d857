package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wardauth/ward/auth/sqlite"
)

const backupUsage = `Usage: ward backup [--data-dir DIR] [--db DSN] FILE

Writes a consistent copy of the store to FILE while ward serve keeps
running: every change acknowledged before the backup began is in it, and
the server is not paused (SQLite's VACUUM INTO reads one snapshot). FILE
must not exist: a backup never overwrites. It is written under a
temporary name beside FILE, synced, then given its name, with mode 0600.

The copy holds the signing keys sealed under the key-encryption key, not
that key: keep the key-encryption key (DIR/kek, or your --kek-file or
WARD_KEK) and back it up apart, since the backup is useless without it
and a thief holding both holds the keys.

To restore: stop ward serve, copy FILE into place as DIR/ward.db (or the
file of --db), remove any ward.db-wal and ward.db-shm beside it, and
start ward serve with the same key-encryption key. Tokens issued after
the backup was taken are then unknown: their sessions are gone.

Flags:
    --data-dir DIR         where ward keeps its state (env WARD_DATA_DIR);
                           the default is that of ward serve
    --db DSN               the store (env WARD_DB): sqlite:PATH (default
                           sqlite:DIR/ward.db)
    -h, --help             show this help

Exit status: 0 on success, 1 if the backup fails (FILE exists, the
database cannot be read), 2 on a usage error.

Examples:
    $ ward backup --data-dir /var/lib/ward /backup/ward-$(date +%F).db
    $ sqlite3 /backup/ward-2026-05-01.db 'PRAGMA integrity_check'
`

// backuper is the optional capability of a store that can copy itself
// while in use (auth/sqlite).
type backuper interface {
	Backup(ctx context.Context, path string) error
}

func runBackup(e *env, args []string) int {
	fs := newFlagSet("backup")
	var state stateOptions
	state.register(fs)
	pos, code := parseFlags(e, fs, args, backupUsage)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, "backup", "backup takes one FILE")
	}
	if err := state.resolve(fs, os.Getenv); err != nil {
		return e.fail("backup", err)
	}
	if err := backup(context.Background(), e, &state, pos[0]); err != nil {
		return e.fail("backup", err)
	}
	return exitOK
}

func backup(ctx context.Context, e *env, state *stateOptions, file string) error {
	dsn := state.dsn()
	db := sqlitePath(dsn)
	if db == "" {
		return usagef([]string{"back up PostgreSQL with pg_dump"}, "--db: ward backup copies SQLite stores only")
	}
	// Opening would create an empty database: refuse a wrong path instead.
	if _, err := os.Stat(db); err != nil {
		return failf("no database at %s: %v", db, errors.Unwrap(err))
	}
	if _, err := os.Lstat(file); err == nil {
		return failf("%s already exists: a backup never overwrites a file", file)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return failf("%v", err)
	}
	store, err := openStore(dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	b, ok := store.(backuper)
	if !ok {
		return failf("this store cannot be backed up by ward backup")
	}
	if err := b.Backup(ctx, file); err != nil {
		if errors.Is(err, sqlite.ErrBackupExists) {
			return failf("%s already exists: a backup never overwrites a file", file)
		}
		return failf("%s", reason(err))
	}
	size := int64(-1)
	if fi, err := os.Stat(file); err == nil {
		size = fi.Size()
	}
	abs, _ := filepath.Abs(file)
	fmt.Fprintf(e.stderr, "ward: backed up %s to %s (%d bytes)\n", redactDSN(dsn), abs, size)
	e.hintf("the backup needs the key-encryption key to be of use: keep that key, apart from the backup")
	return nil
}
