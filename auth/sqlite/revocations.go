package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const (
	qRevocations      = `SELECT ` + revocationCols + ` FROM revocations WHERE expires >= ? ORDER BY seq`
	qRevocationsSince = `SELECT ` + revocationCols + ` FROM revocations WHERE seq > ? ORDER BY seq`
	qRevocation       = `SELECT not_before, expires, created_at FROM revocations WHERE kind = ? AND subject = ?`
	// qAddRevocation replaces the row of the same kind and subject, if
	// any: the new row gets the next seq (AUTOINCREMENT), so that replicas
	// see the change.
	qAddRevocation = `INSERT OR REPLACE INTO revocations (kind, subject, not_before, expires, created_at) VALUES (?, ?, ?, ?, ?)`
)

func (t *tx) Revocations(now time.Time) ([]auth.Revocation, error) {
	revs, _, err := t.scanRevocations(qRevocations, schema.Nanos(now))
	return revs, err
}

func (t *tx) RevocationsSince(seq int64) ([]auth.Revocation, int64, error) {
	revs, last, err := t.scanRevocations(qRevocationsSince, seq)
	return revs, max(last, seq), err
}

const revocationCols = `seq, kind, subject, not_before, expires, created_at`

func scanRevocation(row interface{ Scan(...any) error }) (auth.Revocation, error) {
	var (
		r                auth.Revocation
		nb, exp, created int64
	)
	err := row.Scan(&r.Seq, &r.Kind, &r.Subject, &nb, &exp, &created)
	r.NotBefore, r.Expires, r.CreatedAt = schema.FromNanos(nb), schema.FromNanos(exp), schema.FromNanos(created)
	return r, err
}

// scanRevocations runs a query of revocations in seq order and returns
// them with the last seq.
func (t *tx) scanRevocations(query string, arg int64) ([]auth.Revocation, int64, error) {
	rows, err := t.query(query, arg)
	if err != nil {
		return nil, 0, wrap("revocations", err)
	}
	defer rows.Close()
	var (
		out  []auth.Revocation
		last int64
	)
	for rows.Next() {
		r, err := scanRevocation(rows)
		if err != nil {
			return nil, 0, wrap("revocations", err)
		}
		out = append(out, r)
		last = r.Seq
	}
	return out, last, wrap("revocations", rows.Err())
}

// AddRevocation merges r with the row of the same kind and subject, if
// any, and writes the result as a new row (a new seq) only if it differs
// from the stored one.
func (t *tx) AddRevocation(r auth.Revocation) error {
	nb, exp, created := schema.Nanos(r.NotBefore), schema.Nanos(r.Expires), schema.Nanos(r.CreatedAt)
	var oldNB, oldExp, oldCreated int64
	err := t.queryRow(qRevocation, r.Kind, r.Subject).Scan(&oldNB, &oldExp, &oldCreated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return wrap("add revocation", err)
	case oldNB >= nb && oldExp >= exp:
		return nil // already revoked at least as much
	default:
		nb, exp, created = max(nb, oldNB), max(exp, oldExp), oldCreated
	}
	_, err = t.exec(qAddRevocation, r.Kind, r.Subject, nb, exp, created)
	return wrap("add revocation", err)
}

func (t *tx) DeleteExpiredRevocations(now time.Time) (int64, error) {
	return t.deleted(`DELETE FROM revocations WHERE expires < ?`, schema.Nanos(now))
}
