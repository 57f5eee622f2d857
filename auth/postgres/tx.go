package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wardauth/ward/auth"
)

// tx implements [auth.Tx] over a pgx transaction. Its queries are static
// strings, so pgx prepares each once per connection and reuses it (the
// default statement cache, [pgx.QueryExecModeCacheStatement]).
type tx struct {
	ctx context.Context
	q   pgx.Tx
}

var _ auth.Tx = (*tx)(nil)

func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	return t.q.Exec(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) pgx.Row {
	return t.q.QueryRow(t.ctx, query, args...)
}

// scanner is a row or rows.
type scanner interface{ Scan(...any) error }

// one reads the single row of query with scan; [auth.CodeNotFound] (for
// what) if there is none.
func one[T any](t *tx, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(t.queryRow(query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, notFound(what)
	}
	return v, mapErr(what, err)
}

// all reads every row of query with scan.
func all[T any](t *tx, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.q.Query(t.ctx, query, args...)
	if err != nil {
		return nil, mapErr(what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(what, err)
		}
		out = append(out, v)
	}
	return out, mapErr(what, rows.Err())
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
