// Package sqlite is Ward's embedded default [auth.Store]: one SQLite file
// in WAL mode with synchronous=FULL, through the pure-Go driver
// modernc.org/sqlite (no C toolchain). Nothing is acknowledged before it is
// on disk: every [DB.Update] commit is synced.
//
// Writes go through a single connection whose transactions begin with
// BEGIN IMMEDIATE, so read-modify-write transactions (a refresh, a key
// rotation) are serialized; reads use a pool of connections that see
// consistent WAL snapshots. Another process (the CLI) may write to the same
// file: it waits up to the busy timeout for the write lock.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

//go:embed migrations/*.sql
var migrations embed.FS

// BusyTimeout is how long a writer waits for another process's write lock,
// in milliseconds.
const BusyTimeout = 10000

// DB is an [auth.Store] in one SQLite file.
type DB struct {
	path   string
	writer *sql.DB // one connection, BEGIN IMMEDIATE, used by writeLoop only
	reader *sql.DB

	wstmts *stmtCache
	rstmts *stmtCache

	writes    chan *writeReq
	closing   chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

var _ auth.Store = (*DB)(nil)

// Open opens (creating it if needed, with mode 0600) the database file at
// path and brings its schema up to date. path must be a file, never
// ":memory:": WAL needs a file.
func Open(path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: %q is not a file path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	} else {
		f.Close()
	}
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Set("_txlock", txlock)
		q.Add("_pragma", "busy_timeout("+strconv.Itoa(BusyTimeout)+")")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "foreign_keys(1)")
		return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	}
	db := &DB{path: abs}
	if db.writer, err = sql.Open("sqlite", dsn("immediate")); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetMaxIdleConns(1)
	db.writer.SetConnMaxLifetime(0)
	db.writer.SetConnMaxIdleTime(0)
	if db.reader, err = sql.Open("sqlite", dsn("deferred")); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.reader.SetMaxOpenConns(n)
	db.reader.SetMaxIdleConns(n)
	if err := db.migrate(context.Background()); err != nil {
		db.writer.Close()
		db.reader.Close()
		return nil, err
	}
	if db.wstmts, err = prepareAll(context.Background(), db.writer); err != nil {
		db.writer.Close()
		db.reader.Close()
		return nil, err
	}
	if db.rstmts, err = prepareAll(context.Background(), db.reader); err != nil {
		db.wstmts.close()
		db.writer.Close()
		db.reader.Close()
		return nil, err
	}
	db.writes = make(chan *writeReq)
	db.closing = make(chan struct{})
	db.stopped = make(chan struct{})
	go db.writeLoop()
	return db, nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database. Calls after Close fail.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		close(db.closing)
		<-db.stopped
		db.wstmts.close()
		db.rstmts.close()
		err = errors.Join(db.writer.Close(), db.reader.Close())
	})
	return err
}

// Pragma returns the value of PRAGMA name (such as "synchronous", which
// must be 2, FULL, or "journal_mode", "wal") on the writing connection.
func (db *DB) Pragma(ctx context.Context, name string) (string, error) {
	for _, c := range name {
		if !(c == '_' || 'a' <= c && c <= 'z') {
			return "", fmt.Errorf("sqlite: invalid pragma name %q", name)
		}
	}
	var v string
	if err := db.writer.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
		return "", fmt.Errorf("sqlite: PRAGMA %s: %w", name, err)
	}
	return v, nil
}

// migrate applies the embedded migrations newer than the schema version,
// in one transaction.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := schema.Migrations(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	latest := ms[len(ms)-1].Version
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if version > latest {
		return fmt.Errorf("sqlite: database schema version %d is newer than this program (%d)", version, latest)
	}
	for _, m := range ms {
		if m.Version <= version {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, m.Version); err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
	}
	return tx.Commit()
}

// Update implements [auth.Store]. Concurrent calls are committed in
// groups: the writer runs the functions waiting for it one after another
// in one BEGIN IMMEDIATE transaction, each inside its own SAVEPOINT (so an
// error undoes only its own writes), and syncs them with one commit. Each
// function sees the writes of those before it, exactly as if they had run
// in separate transactions in that order, and no call returns before its
// writes are durable. A function that returns an error is rolled back to
// its savepoint and its error returned unchanged.
func (db *DB) Update(ctx context.Context, fn func(tx auth.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.writes <- req:
	case <-db.closing:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the writer may
	// already have committed the writes.
	return <-req.done
}

var errClosed = errors.New("sqlite: database is closed")

// maxGroup bounds the number of functions committed together.
const maxGroup = 128

type writeReq struct {
	ctx  context.Context
	fn   func(tx auth.Tx) error
	done chan error
}

// writeLoop is the single writer: it takes waiting requests in groups and
// commits each group with one transaction.
func (db *DB) writeLoop() {
	defer close(db.stopped)
	group := make([]*writeReq, 0, maxGroup)
	for {
		var first *writeReq
		select {
		case first = <-db.writes:
		case <-db.closing:
			db.drain()
			return
		}
		group = append(group[:0], first)
	fill:
		for len(group) < maxGroup {
			select {
			case r := <-db.writes:
				group = append(group, r)
			default:
				break fill
			}
		}
		db.commitGroup(group)
	}
}

// drain fails the requests still queued at Close.
func (db *DB) drain() {
	for {
		select {
		case r := <-db.writes:
			r.done <- errClosed
		default:
			return
		}
	}
}

func (db *DB) commitGroup(group []*writeReq) {
	results := make([]error, len(group))
	fail := func(err error) {
		for _, r := range group {
			r.done <- err
		}
	}
	// The group's statements must not be interrupted by one caller's
	// context: SQLite rolls back the whole transaction when an INSERT or
	// UPDATE is interrupted.
	bg := context.Background()
	sqlTx, err := db.writer.BeginTx(bg, nil)
	if err != nil {
		fail(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	ran := 0
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if len(group) == 1 {
			results[i] = runFn(r, &tx{ctx: context.WithoutCancel(r.ctx), q: sqlTx, stmts: db.wstmts})
			if results[i] != nil {
				sqlTx.Rollback()
				r.done <- results[i]
				return
			}
			ran++
			continue
		}
		if _, err := sqlTx.ExecContext(bg, "SAVEPOINT w"); err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("sqlite: savepoint: %w", err))
			return
		}
		results[i] = runFn(r, &tx{ctx: context.WithoutCancel(r.ctx), q: sqlTx, stmts: db.wstmts})
		if results[i] != nil {
			if _, err := sqlTx.ExecContext(bg, "ROLLBACK TO w"); err != nil {
				sqlTx.Rollback()
				fail(fmt.Errorf("sqlite: rollback to savepoint: %w", err))
				return
			}
		} else {
			ran++
		}
		if _, err := sqlTx.ExecContext(bg, "RELEASE w"); err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("sqlite: release savepoint: %w", err))
			return
		}
	}
	if ran == 0 {
		sqlTx.Rollback()
	} else if err := sqlTx.Commit(); err != nil {
		err = fmt.Errorf("sqlite: commit: %w", err)
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	}
	for i, r := range group {
		r.done <- results[i]
	}
}

// runFn runs one request's function, turning a panic into an error so that
// the writer survives it.
func runFn(r *writeReq, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: panic in Update: %v", p)
		}
	}()
	return r.fn(t)
}

// View implements [auth.Store].
func (db *DB) View(ctx context.Context, fn func(tx auth.ReadTx) error) error {
	sqlTx, err := db.reader.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&tx{ctx: ctx, q: sqlTx, stmts: db.rstmts})
}

// constraint returns the SQLite extended result code of a constraint
// violation in err, or 0.
func constraint(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return e.Code()
	}
	return 0
}
