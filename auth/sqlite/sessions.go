package sqlite

import (
	"database/sql"
	"errors"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const (
	qSession       = `SELECT ` + sessionCols + ` FROM sessions WHERE id = ?`
	qSessions      = `SELECT ` + sessionCols + ` FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id`
	qCreateSession = `INSERT INTO sessions (` + sessionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateSession = `UPDATE sessions SET counter = ?, rotated_at = ?, last_used_at = ?, expires_at = ?, ended_at = ?, end_reason = ? WHERE id = ?`
)

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
	s.RotatedAt, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.EndedAt = schema.FromNanos(rotated), schema.FromNanos(created), schema.FromNanos(used), schema.FromNanos(exp), schema.FromNanos(ended)
	return &s, nil
}

func (t *tx) Session(id string) (*auth.Session, error) {
	s, err := scanSession(t.queryRow(qSession, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("session")
	}
	return s, wrap("session", err)
}

// LockSession is Session: the transaction has held SQLite's database
// write lock since BEGIN IMMEDIATE (see LockUser), so refreshes of one
// session, like every other writer, run one after another and each reads
// what the one before it committed.
func (t *tx) LockSession(id string) (*auth.Session, error) { return t.Session(id) }
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
		s.ID, s.UserID, s.ClientID, int64(s.Counter), schema.Nanos(s.RotatedAt), schema.Nanos(s.CreatedAt), schema.Nanos(s.LastUsedAt), schema.Nanos(s.ExpiresAt), schema.Nanos(s.EndedAt), s.EndReason, s.IP, s.UserAgent)
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
		int64(s.Counter), schema.Nanos(s.RotatedAt), schema.Nanos(s.LastUsedAt), schema.Nanos(s.ExpiresAt), schema.Nanos(s.EndedAt), s.EndReason, s.ID)
	return t.affected("update session", "session", res, err)
}

func (t *tx) DeleteExpiredSessions(now, idleBefore time.Time) (int64, error) {
	n, err := t.deleted(`DELETE FROM sessions WHERE expires_at < ?`, schema.Nanos(now))
	if err != nil || idleBefore.IsZero() {
		return n, err
	}
	before := schema.Nanos(idleBefore)
	m, err := t.deleted(`DELETE FROM sessions WHERE (ended_at != 0 AND ended_at < ?) OR last_used_at < ?`, before, before)
	return n + m, err
}
