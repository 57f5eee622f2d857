package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth/internal/schema"
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
	ms, err := schema.Migrations(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	latest := ms[len(ms)-1].Version
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
		for _, m := range ms {
			if m.Version <= version {
				continue
			}
			// Simple protocol: a migration is several statements.
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, m.Version); err != nil {
				return err
			}
		}
		return nil
	}))
}

// SchemaVersion returns the version of the schema, the number of the last
// migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	return v, mapErr("schema version", err)
}
