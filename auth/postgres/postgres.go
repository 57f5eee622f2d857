// Package postgres is Ward's scale-out [auth.Store]: PostgreSQL through
// [github.com/jackc/pgx/v5] and its connection pool, shared by any number
// of `ward serve` instances. Nothing is acknowledged before it is durable:
// every connection runs with synchronous_commit on, and [DB.Update]
// returns only after COMMIT has returned.
//
// # Concurrency
//
// Read-write transactions run at READ COMMITTED, and each writer of a
// shared row locks it before it reads it for a change, so that a second
// writer waits and then reads what the first committed (every statement
// at READ COMMITTED takes a new snapshot):
//
//   - LockSession, LockUser and LockClient are SELECT … FOR UPDATE of the
//     row: refreshes of one session run one after another, on any
//     instance.
//   - LockKeys is SELECT … FOR UPDATE of the 'keyring' row of store_locks:
//     two instances never rotate keys at once.
//   - AddRevocation takes the next change sequence number by an UPDATE of
//     the 'revocations' row of store_locks, which holds that row locked to
//     the end of the transaction: see revocations.go for why replicas
//     following [auth.RevocationReader.RevocationsSince] never miss a row.
//
// A deadlock or serialization failure reported by PostgreSQL rolls the
// transaction back, and Update runs the function again (up to
// [MaxAttempts] times in all), as [auth.Store] allows.
//
// Read-only transactions ([DB.View]) run at REPEATABLE READ READ ONLY: one
// snapshot for the whole function.
//
// # Errors
//
// Lookups of missing rows and key collisions return [*auth.Error] values
// with the codes that [auth.Tx] documents. When the database cannot be
// reached (connection refused or lost, the server shutting down or not
// yet accepting connections, too many connections), the error has
// [auth.CodeUnavailable], which the server answers with 503; its chain
// also holds the driver's error, for the logs.
//
// # Schema
//
// The embedded migrations (migrations/*.sql) are applied by [Open] in one
// transaction under a transaction-scoped advisory lock keyed by the
// schema, so instances that start at once apply each migration exactly
// once. The schema is the first one on the connection's search_path (set
// search_path in the connection string to use another than public).
package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wardauth/ward/auth"
)

// MaxAttempts is how many times [DB.Update] runs a transaction that
// PostgreSQL aborts with a deadlock or serialization failure.
const MaxAttempts = 10

// IdleInTransactionTimeout is how long PostgreSQL lets a connection of
// the store sit idle inside a transaction before it ends the session and
// releases its locks. Transactions of the service never wait for anything
// but the database, so it is far above their longest step.
const IdleInTransactionTimeout = "30s"

// DefaultMaxConns is the size of the connection pool when the connection
// string does not set pool_max_conns: 4 × GOMAXPROCS, at least 16. A
// refresh spends most of its time waiting for round trips and for its
// commit to be flushed, so more transactions in flight than cores keep
// the cores busy, and PostgreSQL flushes commits that arrive together in
// one write.
func DefaultMaxConns() int32 { return int32(max(16, 4*runtime.GOMAXPROCS(0))) }

// DB is an [auth.Store] in a PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool
}

var _ auth.Store = (*DB)(nil)

// Open connects to the database that dsn names (a postgres:// URL or a
// key=value string, as [pgxpool.ParseConfig] reads it: pool_max_conns
// sizes the pool, default [DefaultMaxConns]) and brings its schema up to
// date. It does not echo dsn in errors, since it may hold a password.
//
// Every connection runs with synchronous_commit on, and, unless dsn sets
// it, idle_in_transaction_session_timeout at [IdleInTransactionTimeout],
// so that an instance that vanishes in the middle of a transaction (its
// host gone, its connection not closed) does not hold its row locks
// until TCP notices.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres: invalid connection string")
	}
	params := cfg.ConnConfig.RuntimeParams
	// Durable before Update returns, whatever the server's default.
	params["synchronous_commit"] = "on"
	if params["application_name"] == "" {
		params["application_name"] = "ward"
	}
	if params["idle_in_transaction_session_timeout"] == "" {
		params["idle_in_transaction_session_timeout"] = IdleInTransactionTimeout
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns()
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mapErr("connect", err)
	}
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes every connection of the pool. Calls after Close fail.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return mapErr("ping", db.pool.Ping(ctx))
}

// Update implements [auth.Store]: fn runs in a READ COMMITTED transaction
// that is committed if fn returns nil. A deadlock or serialization failure
// runs fn again, in a new transaction, after a short random pause. Once
// fn runs, the transaction's statements and its COMMIT are no longer
// cancelled by ctx, so that Update never reports failure for writes that
// were committed; if the connection is lost during COMMIT, the outcome is
// unknown to PostgreSQL's client as to any other, and Update returns an
// error with [auth.CodeUnavailable].
func (db *DB) Update(ctx context.Context, fn func(tx auth.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.update(ctx, fn)
		if err == nil || attempt == MaxAttempts || !retryable(err) {
			return err
		}
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return err
		}
	}
}

func (db *DB) update(ctx context.Context, fn func(tx auth.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := acquire(ctx, db.pool, "BEGIN ISOLATION LEVEL READ COMMITTED")
	if err != nil {
		return mapErr("begin", err)
	}
	run := context.WithoutCancel(ctx)
	defer p.close(run) // after the commit, only returns the connection
	if err := fn(&tx{ctx: run, p: p}); err != nil {
		return err
	}
	return mapErr("commit", p.commit(run))
}

// View implements [auth.Store]: fn runs in a REPEATABLE READ READ ONLY
// transaction, which sees one snapshot.
func (db *DB) View(ctx context.Context, fn func(tx auth.ReadTx) error) error {
	p, err := acquire(ctx, db.pool, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	if err != nil {
		return mapErr("begin", err)
	}
	defer p.close(context.WithoutCancel(ctx))
	return fn(&tx{ctx: ctx, p: p})
}

// Setting returns the value of the run-time parameter name (such as
// "synchronous_commit", which is always "on") on a connection of the
// pool.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, mapErr("setting "+name, err)
}
