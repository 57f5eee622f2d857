package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wardauth/ward/auth"
)

// tx implements auth.Tx over a *sql.Tx.
type tx struct {
	ctx   context.Context
	q     *sql.Tx
	stmts *stmtCache // of the *sql.DB that q belongs to
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
	return t.q.StmtContext(t.ctx, st)
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

// nanos encodes t; the zero Time is 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Instants that Unix nanoseconds in an int64 can hold.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// boundNanos encodes a bound of a query on times: an instant before 1678
// or after 2262 (which an int64 of nanoseconds cannot hold) becomes the
// smallest or largest one.
func boundNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanoTime):
		return math.MinInt64
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// fromNanos decodes nanos.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

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

func joinList(s []string) string { return strings.Join(s, " ") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Static queries, prepared once per connection (see stmtCache).
const (
	qUser          = `SELECT ` + userCols + ` FROM users WHERE id = ?`
	qUserByEmail   = `SELECT ` + userCols + ` FROM users WHERE email_key = ?`
	qUsers         = `SELECT ` + userCols + ` FROM users WHERE id > ? ORDER BY id LIMIT ?`
	qUsersByEmail  = `SELECT ` + userCols + ` FROM users WHERE id > ? AND instr(email_key, ?) > 0 ORDER BY id LIMIT ?`
	qCreateUser    = `INSERT INTO users (` + userCols + `, email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateUser    = `UPDATE users SET email = ?, email_key = ?, password_hash = ?, roles = ?, disabled = ?, created_at = ?, updated_at = ?, password_changed_at = ? WHERE id = ?`
	qDeleteUser    = `DELETE FROM users WHERE id = ?`
	qSession       = `SELECT ` + sessionCols + ` FROM sessions WHERE id = ?`
	qSessions      = `SELECT ` + sessionCols + ` FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id`
	qCreateSession = `INSERT INTO sessions (` + sessionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateSession = `UPDATE sessions SET counter = ?, rotated_at = ?, last_used_at = ?, expires_at = ?, ended_at = ?, end_reason = ? WHERE id = ?`
	qKeys          = `SELECT ` + keyCols + ` FROM signing_keys ORDER BY created_at, seq`
	qPutKey        = `INSERT INTO signing_keys (` + keyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kid) DO UPDATE SET alg = excluded.alg, state = excluded.state, private = excluded.private, public = excluded.public,
		created_at = excluded.created_at, activate_at = excluded.activate_at, activated_at = excluded.activated_at,
		retired_at = excluded.retired_at, revoked_at = excluded.revoked_at, mac = excluded.mac`
	qDeleteKey        = `DELETE FROM signing_keys WHERE kid = ?`
	qSecret           = `SELECT sealed FROM secrets WHERE name = ?`
	qSecretNames      = `SELECT name FROM secrets ORDER BY name`
	qPutSecret        = `INSERT INTO secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed`
	qRevocations      = `SELECT seq, kind, subject, not_before, expires, created_at FROM revocations WHERE expires >= ? ORDER BY seq`
	qRevocationsSince = `SELECT seq, kind, subject, not_before, expires, created_at FROM revocations WHERE seq > ? ORDER BY seq`
	qRevocation       = `SELECT not_before, expires, created_at FROM revocations WHERE kind = ? AND subject = ?`
	// qAddRevocation replaces the row of the same kind and subject, if
	// any: the new row gets the next seq (AUTOINCREMENT), so that replicas
	// see the change.
	qAddRevocation = `INSERT OR REPLACE INTO revocations (kind, subject, not_before, expires, created_at) VALUES (?, ?, ?, ?, ?)`
	qAppendAudit   = `INSERT INTO audit_events (time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// staticQueries lists the queries prepared by Open.
var staticQueries = []string{qUser, qUserByEmail, qUsers, qUsersByEmail, qCreateUser, qUpdateUser, qDeleteUser, qSession, qSessions, qCreateSession, qUpdateSession, qClient, qClients, qCreateClient, qUpdateClient, qDeleteClient, qSecretNames, qKeys, qPutKey, qDeleteKey, qSecret, qPutSecret, qRevocations, qRevocationsSince, qRevocation, qAddRevocation, qAppendAudit}

// Users.

const userCols = `id, email, password_hash, roles, disabled, created_at, updated_at, password_changed_at`

func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	var (
		u                   auth.User
		roles               string
		disabled            int
		created, updated, p int64
	)
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &roles, &disabled, &created, &updated, &p); err != nil {
		return nil, err
	}
	u.Roles, u.Disabled = splitList(roles), disabled != 0
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = fromNanos(created), fromNanos(updated), fromNanos(p)
	return &u, nil
}

func (t *tx) User(id string) (*auth.User, error) {
	u, err := scanUser(t.queryRow(qUser, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	}
	return u, wrap("user", err)
}

func (t *tx) UserByEmail(email string) (*auth.User, error) {
	u, err := scanUser(t.queryRow(qUserByEmail, auth.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	}
	return u, wrap("user by email", err)
}

func (t *tx) Users(q auth.UserQuery) ([]*auth.User, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query, args := qUsers, []any{q.AfterID, limit}
	if q.Email != "" {
		// instr, not LIKE: the search is a plain substring, with no
		// wildcard characters to escape.
		query, args = qUsersByEmail, []any{q.AfterID, auth.EmailKey(q.Email), limit}
	}
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, wrap("users", err)
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("users", err)
		}
		out = append(out, u)
	}
	return out, wrap("users", rows.Err())
}

func userConflict(err error) error {
	switch constraint(err) {
	case 0:
		return nil
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &auth.Error{Code: auth.CodeConflict, Message: "A user with this ID exists."}
	default: // the unique email key
		return &auth.Error{Code: auth.CodeEmailTaken, Message: "An account with this email address already exists."}
	}
}

func (t *tx) CreateUser(u *auth.User) error {
	_, err := t.exec(qCreateUser,
		u.ID, u.Email, u.PasswordHash, joinList(u.Roles), b2i(u.Disabled), nanos(u.CreatedAt), nanos(u.UpdatedAt), nanos(u.PasswordChangedAt), auth.EmailKey(u.Email))
	if e := userConflict(err); e != nil {
		return e
	}
	return wrap("create user", err)
}

func (t *tx) UpdateUser(u *auth.User) error {
	res, err := t.exec(qUpdateUser,
		u.Email, auth.EmailKey(u.Email), u.PasswordHash, joinList(u.Roles), b2i(u.Disabled), nanos(u.CreatedAt), nanos(u.UpdatedAt), nanos(u.PasswordChangedAt), u.ID)
	if e := userConflict(err); e != nil {
		return e
	}
	return t.affected("update user", "user", res, err)
}

func (t *tx) affected(op, what string, res sql.Result, err error) error {
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

func (t *tx) DeleteUser(id string) error {
	res, err := t.exec(qDeleteUser, id)
	return t.affected("delete user", "user", res, err)
}

// Sessions.

const sessionCols = `id, user_id, client_id, counter, rotated_at, created_at, last_used_at, expires_at, ended_at, end_reason, ip, user_agent`

func scanSession(row interface{ Scan(...any) error }) (*auth.Session, error) {
	var (
		s                                  auth.Session
		counter                            int64
		rotated, created, used, exp, ended int64
	)
	if err := row.Scan(&s.ID, &s.UserID, &s.ClientID, &counter, &rotated, &created, &used, &exp, &ended, &s.EndReason, &s.IP, &s.UserAgent); err != nil {
		return nil, err
	}
	s.Counter = uint64(counter)
	s.RotatedAt, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.EndedAt = fromNanos(rotated), fromNanos(created), fromNanos(used), fromNanos(exp), fromNanos(ended)
	return &s, nil
}

func (t *tx) Session(id string) (*auth.Session, error) {
	s, err := scanSession(t.queryRow(qSession, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("session")
	}
	return s, wrap("session", err)
}

// LockSession is Session: the transaction holds SQLite's write lock since
// BEGIN IMMEDIATE.
func (t *tx) LockSession(id string) (*auth.Session, error) { return t.Session(id) }

// LockUser is User: the transaction holds SQLite's write lock.
func (t *tx) LockUser(id string) (*auth.User, error) { return t.User(id) }

// LockKeys does nothing: the transaction holds SQLite's write lock.
func (t *tx) LockKeys() error { return nil }

func (t *tx) Sessions(userID string) ([]*auth.Session, error) {
	rows, err := t.query(qSessions, userID)
	if err != nil {
		return nil, wrap("sessions", err)
	}
	defer rows.Close()
	var out []*auth.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, wrap("sessions", err)
		}
		out = append(out, s)
	}
	return out, wrap("sessions", rows.Err())
}

func (t *tx) CreateSession(s *auth.Session) error {
	_, err := t.exec(qCreateSession,
		s.ID, s.UserID, s.ClientID, int64(s.Counter), nanos(s.RotatedAt), nanos(s.CreatedAt), nanos(s.LastUsedAt), nanos(s.ExpiresAt), nanos(s.EndedAt), s.EndReason, s.IP, s.UserAgent)
	switch constraint(err) {
	case 0:
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return notFound("user")
	default:
		return &auth.Error{Code: auth.CodeConflict, Message: "A session with this ID exists."}
	}
	return wrap("create session", err)
}

func (t *tx) UpdateSession(s *auth.Session) error {
	res, err := t.exec(qUpdateSession,
		int64(s.Counter), nanos(s.RotatedAt), nanos(s.LastUsedAt), nanos(s.ExpiresAt), nanos(s.EndedAt), s.EndReason, s.ID)
	return t.affected("update session", "session", res, err)
}

// Keys and secrets.

const keyCols = `kid, alg, state, private, public, created_at, activate_at, activated_at, retired_at, revoked_at, mac`

func (t *tx) Keys() ([]*auth.KeyRecord, error) {
	rows, err := t.query(qKeys)
	if err != nil {
		return nil, wrap("keys", err)
	}
	defer rows.Close()
	var out []*auth.KeyRecord
	for rows.Next() {
		var (
			k                                  auth.KeyRecord
			created, activate, act, ret, revok int64
		)
		if err := rows.Scan(&k.KeyID, &k.Algorithm, &k.State, &k.Private, &k.Public, &created, &activate, &act, &ret, &revok, &k.MAC); err != nil {
			return nil, wrap("keys", err)
		}
		k.CreatedAt, k.ActivateAt, k.ActivatedAt, k.RetiredAt, k.RevokedAt = fromNanos(created), fromNanos(activate), fromNanos(act), fromNanos(ret), fromNanos(revok)
		out = append(out, &k)
	}
	return out, wrap("keys", rows.Err())
}

func (t *tx) PutKey(k *auth.KeyRecord) error {
	_, err := t.exec(qPutKey,
		k.KeyID, k.Algorithm, k.State, k.Private, k.Public, nanos(k.CreatedAt), nanos(k.ActivateAt), nanos(k.ActivatedAt), nanos(k.RetiredAt), nanos(k.RevokedAt), nonNil(k.MAC))
	return wrap("put key", err)
}

func (t *tx) DeleteKey(kid string) error {
	res, err := t.exec(qDeleteKey, kid)
	return t.affected("delete key", "key", res, err)
}

func (t *tx) Secret(name string) ([]byte, error) {
	var b []byte
	err := t.queryRow(qSecret, name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("secret")
	}
	return b, wrap("secret", err)
}

func (t *tx) SecretNames() ([]string, error) {
	rows, err := t.query(qSecretNames)
	if err != nil {
		return nil, wrap("secret names", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, wrap("secret names", err)
		}
		out = append(out, name)
	}
	return out, wrap("secret names", rows.Err())
}

func (t *tx) PutSecret(name string, sealed []byte) error {
	_, err := t.exec(qPutSecret, name, sealed)
	return wrap("put secret", err)
}

// Revocations.

func (t *tx) Revocations(now time.Time) ([]auth.Revocation, error) {
	revs, _, err := t.scanRevocations(qRevocations, nanos(now))
	return revs, err
}

func (t *tx) RevocationsSince(seq int64) ([]auth.Revocation, int64, error) {
	revs, last, err := t.scanRevocations(qRevocationsSince, seq)
	return revs, max(last, seq), err
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
		var (
			r                auth.Revocation
			nb, exp, created int64
		)
		if err := rows.Scan(&r.Seq, &r.Kind, &r.Subject, &nb, &exp, &created); err != nil {
			return nil, 0, wrap("revocations", err)
		}
		r.NotBefore, r.Expires, r.CreatedAt = fromNanos(nb), fromNanos(exp), fromNanos(created)
		out = append(out, r)
		last = r.Seq
	}
	return out, last, wrap("revocations", rows.Err())
}

// AddRevocation merges r with the row of the same kind and subject, if
// any, and writes the result as a new row (a new seq) only if it differs
// from the stored one.
func (t *tx) AddRevocation(r auth.Revocation) error {
	nb, exp, created := nanos(r.NotBefore), nanos(r.Expires), nanos(r.CreatedAt)
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

// Audit.

func (t *tx) AppendAudit(ev *auth.AuditEvent) error {
	res, err := t.exec(qAppendAudit,
		nanos(ev.Time), ev.Type, ev.Outcome, ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID)
	if err != nil {
		return wrap("append audit", err)
	}
	ev.ID, err = res.LastInsertId()
	return wrap("append audit", err)
}

func (t *tx) Audit(q auth.AuditQuery) ([]auth.AuditEvent, error) {
	var (
		where []string
		args  []any
	)
	if q.UserID != "" {
		where, args = append(where, "user_id = ?"), append(args, q.UserID)
	}
	if q.ActorID != "" {
		where, args = append(where, "actor_id = ?"), append(args, q.ActorID)
	}
	if q.Type != "" {
		where, args = append(where, "type = ?"), append(args, q.Type)
	}
	if q.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, q.Outcome)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, boundNanos(q.Since))
	}
	if !q.Until.IsZero() {
		where, args = append(where, "time < ?"), append(args, boundNanos(q.Until))
	}
	if q.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT id, time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id FROM audit_events`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	rows, err := t.query(query, append(args, limit)...)
	if err != nil {
		return nil, wrap("audit", err)
	}
	defer rows.Close()
	var out []auth.AuditEvent
	for rows.Next() {
		var (
			ev auth.AuditEvent
			tm int64
		)
		if err := rows.Scan(&ev.ID, &tm, &ev.Type, &ev.Outcome, &ev.UserID, &ev.SessionID, &ev.ClientID, &ev.IP, &ev.UserAgent, &ev.Detail, &ev.ActorID); err != nil {
			return nil, wrap("audit", err)
		}
		ev.Time = fromNanos(tm)
		out = append(out, ev)
	}
	return out, wrap("audit", rows.Err())
}

// Cleanup.

func (t *tx) Cleanup(p auth.CleanupPolicy) (auth.CleanupStats, error) {
	var st auth.CleanupStats
	del := func(n *int64, query string, args ...any) error {
		res, err := t.exec(query, args...)
		if err != nil {
			return wrap("cleanup", err)
		}
		c, err := res.RowsAffected()
		*n += c
		return wrap("cleanup", err)
	}
	now := nanos(p.Now)
	if err := del(&st.Revocations, `DELETE FROM revocations WHERE expires < ?`, now); err != nil {
		return st, err
	}
	if err := del(&st.Sessions, `DELETE FROM sessions WHERE expires_at < ?`, now); err != nil {
		return st, err
	}
	if !p.SessionsBefore.IsZero() {
		before := nanos(p.SessionsBefore)
		if err := del(&st.Sessions, `DELETE FROM sessions WHERE (ended_at != 0 AND ended_at < ?) OR last_used_at < ?`, before, before); err != nil {
			return st, err
		}
	}
	if !p.AuditBefore.IsZero() {
		if err := del(&st.AuditEvents, `DELETE FROM audit_events WHERE time < ?`, nanos(p.AuditBefore)); err != nil {
			return st, err
		}
	}
	return st, nil
}
