package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the key space of the advisory lock taken while
// migrating: pg_advisory_xact_lock(migrationLock, hashtext(schema)), so
// that instances sharing a schema migrate one at a time and instances on
// other schemas (tests) do not wait for each other.
const migrationLock = 0x77617264 // "ward"

// migrate applies the embedded migrations newer than the schema version,
// in one transaction that first takes a transaction-scoped advisory lock:
// a second instance starting at the same time waits for the first one's
// commit and then finds nothing left to do. A crashed migration leaves no
// lock behind (PostgreSQL releases it with the transaction).
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	latest := 0
	for i, name := range names {
		n, err := migrationVersion(name)
		if err != nil {
			return err
		}
		if i > 0 && n == latest {
			return fmt.Errorf("postgres: two migrations have version %d", n)
		}
		latest = n
	}
	return mapErr("migrate", pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, migrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var version int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&version); err != nil {
			return err
		}
		if version > latest {
			return fmt.Errorf("database schema version %d is newer than this program (%d)", version, latest)
		}
		for _, name := range names {
			n, _ := migrationVersion(name)
			if n <= version {
				continue
			}
			text, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			// Simple protocol: a migration is several statements.
			if _, err := tx.Exec(ctx, string(text), pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("%s: %w", path.Base(name), err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, n); err != nil {
				return err
			}
		}
		return nil
	}))
}

// migrationVersion is the number that the migration file's name starts
// with ("0001_init.sql" is version 1).
func migrationVersion(name string) (int, error) {
	base := path.Base(name)
	digits, _, ok := strings.Cut(base, "_")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("postgres: migration %s: name must start with its version number and _", base)
	}
	return n, nil
}

// SchemaVersion returns the version of the schema, the number of the last
// migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	return v, mapErr("schema version", err)
}
