package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wardauth/ward/auth"
)

// tx implements [auth.Tx] over a [pipeline]. Its queries are static
// strings, so pgx prepares each once per connection and reuses it (the
// default statement cache, [pgx.QueryExecModeCacheStatement]).
type tx struct {
	ctx context.Context
	p   *pipeline
	// locked holds the sessions this transaction has locked (and not
	// deleted since): writes of them cannot miss their row, so they may
	// wait for the commit ([pipeline.later]).
	locked map[string]bool
	// user is the user of the session that LockSession locked, read in
	// the same round trip, until User asks for it or the transaction
	// writes.
	user *auth.User
}

var _ auth.Tx = (*tx)(nil)

// exec runs a write now (with the pending ones before it).
func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	t.wrote()
	return t.p.exec(t.ctx, query, args...)
}

// wrote forgets what an arbitrary write may change: the prefetched user,
// and which locked sessions still exist.
func (t *tx) wrote() {
	t.user = nil
	clear(t.locked)
}

// queryRow runs query when its row is scanned.
func (t *tx) queryRow(query string, args ...any) pgx.Row {
	return lazyRow{t: t, query: query, args: args}
}

// lazyRow is a query that runs when it is scanned.
type lazyRow struct {
	t     *tx
	query string
	args  []any
}

func (r lazyRow) Scan(dest ...any) error {
	return r.t.p.queryRow(r.t.ctx, func(row pgx.Row) error { return row.Scan(dest...) }, r.query, r.args...)
}

// scanner is a row or rows.
type scanner interface{ Scan(...any) error }

// one reads the single row of query with scan; [auth.CodeNotFound] (for
// what) if there is none.
func one[T any](t *tx, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	var v T
	err := t.p.queryRow(t.ctx, func(row pgx.Row) error {
		var err error
		v, err = scan(row)
		return err
	}, query, args...)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, notFound(what)
	}
	return v, mapErr(what, err)
}

// all reads every row of query with scan.
func all[T any](t *tx, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := t.p.query(t.ctx, func(rows pgx.Rows) error {
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	}, query, args...)
	if err != nil {
		return nil, mapErr(what, err)
	}
	return out, nil
}

// affected returns [auth.CodeNotFound] (for what) if the statement changed
// no row.
func affected(op, what string, tag pgconn.CommandTag, err error) error {
	if err != nil {
		return mapErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(what)
	}
	return nil
}

// deleted runs a DELETE and reports how many rows went.
func (t *tx) deleted(query string, args ...any) (int64, error) {
	tag, err := t.exec(query, args...)
	return tag.RowsAffected(), mapErr("cleanup", err)
}

// nonNil returns b, or an empty slice for nil: a NOT NULL BYTEA column
// takes no NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
