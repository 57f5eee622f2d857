package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wardauth/ward/auth"
)

// tx implements auth.Tx over a *sql.Tx.
type tx struct {
	ctx   context.Context
	q     *sql.Tx
	stmts *stmtCache // of the *sql.DB that q belongs to
	// bound, if not nil, keeps the statements bound to q by stmt, so
	// that each is bound once: every binding is held by q until it ends,
	// which a bulk import of a row at a time cannot afford.
	bound map[string]*sql.Stmt
}

// stmtCache holds the static queries prepared on one *sql.DB at Open, so
// that SQLite parses each once per connection rather than once per use.
// It is read-only after Open: preparing later, inside a transaction, could
// wait for a connection the transaction itself holds.
type stmtCache struct {
	m map[string]*sql.Stmt
}

func prepareAll(ctx context.Context, db *sql.DB) (*stmtCache, error) {
	c := &stmtCache{m: make(map[string]*sql.Stmt, len(staticQueries))}
	for _, q := range staticQueries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		c.m[q] = st
	}
	return c, nil
}

func (c *stmtCache) close() {
	for _, st := range c.m {
		st.Close()
	}
}

// stmt returns the prepared statement for query bound to the transaction,
// or nil if query is not a static one.
func (t *tx) stmt(query string) *sql.Stmt {
	st, ok := t.stmts.m[query]
	if !ok {
		return nil
	}
	if b, ok := t.bound[query]; ok {
		return b
	}
	b := t.q.StmtContext(t.ctx, st)
	if t.bound != nil {
		t.bound[query] = b
	}
	return b
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.stmt(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.q.QueryRowContext(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.q.QueryContext(t.ctx, query, args...)
}

var _ auth.Tx = (*tx)(nil)

func notFound(what string) error {
	return &auth.Error{Code: auth.CodeNotFound, Message: "No such " + what + "."}
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.stmt(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.q.ExecContext(t.ctx, query, args...)
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *auth.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// staticQueries lists the queries prepared by Open, of every aggregate.
var staticQueries = []string{
	qUser, qUserByEmail, qUsers, qUsersByEmail, qCreateUser, qUpdateUser, qDeleteUser,
	qSession, qSessions, qCreateSession, qUpdateSession,
	qClient, qClients, qCreateClient, qUpdateClient, qDeleteClient,
	qKeys, qPutKey, qDeleteKey, qSecret, qSecretNames, qPutSecret,
	qRevocations, qRevocationsSince, qRevocation, qAddRevocation,
	qAppendAudit,
}

// deleted runs a DELETE and reports how many rows went.
func (t *tx) deleted(query string, args ...any) (int64, error) {
	res, err := t.exec(query, args...)
	if err != nil {
		return 0, wrap("cleanup", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("cleanup", err)
}
