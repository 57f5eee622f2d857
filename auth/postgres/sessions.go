package postgres

import (
	"context"
	"errors"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const sessionCols = `id, user_id, client_id, counter, rotated_at, created_at, last_used_at, expires_at, ended_at, end_reason, ip, user_agent`

const (
	qSession     = `SELECT ` + sessionCols + ` FROM sessions WHERE id = $1`
	qLockSession = `SELECT ` + sessionCols + ` FROM sessions WHERE id = $1 FOR UPDATE`
	qSessions    = `SELECT ` + sessionCols + ` FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id`
	// qCreateSession inserts nothing if the ID is taken or the user does
	// not exist, so that the transaction stays usable; CreateSession then
	// tells which.
	qCreateSession = `INSERT INTO sessions (` + sessionCols + `)
		SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::text, $11::text, $12::text
		WHERE EXISTS (SELECT 1 FROM users WHERE id = $2) ON CONFLICT DO NOTHING`
	// qUserOfSession reads the user of a session, in the round trip that
	// locks the session (see LockSession).
	qUserOfSession = `SELECT ` + userCols + ` FROM users WHERE id = (SELECT user_id FROM sessions WHERE id = $1)`
	qSessionExists = `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)`
	qUpdateSession = `UPDATE sessions SET counter = $1, rotated_at = $2, last_used_at = $3, expires_at = $4, ended_at = $5, end_reason = $6 WHERE id = $7`
	qDeleteExpired = `DELETE FROM sessions WHERE expires_at < $1`
	qDeleteIdle    = `DELETE FROM sessions WHERE (ended_at != 0 AND ended_at < $1) OR last_used_at < $1`
)

func scanSession(row scanner) (*auth.Session, error) {
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
	return one(t, "session", scanSession, qSession, id)
}

// LockSession reads the session with SELECT … FOR UPDATE: the row stays
// locked until the transaction ends, so a concurrent refresh of the same
// session, on this instance or another, waits for this one's commit and
// then reads the counter it wrote.
//
// The same round trip (with BEGIN, for a transaction's first statement)
// reads the session's user, after the lock is taken, for a User call that
// follows: a refresh reads it next. At READ COMMITTED that read sees what
// a User call would see at that moment, so answering User from it is
// one of the outcomes PostgreSQL allows, as long as the transaction
// writes nothing in between (any write drops it).
func (t *tx) LockSession(id string) (*auth.Session, error) {
	var (
		s    *auth.Session
		user *auth.User
	)
	err := t.p.send(t.ctx, func(b *pgx.Batch) {
		b.Queue(qLockSession, id).QueryRow(func(row pgx.Row) error {
			var err error
			s, err = scanSession(row)
			return err
		})
		b.Queue(qUserOfSession, id).QueryRow(func(row pgx.Row) error {
			u, err := scanUser(row)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			user = u
			return err
		})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("session")
	}
	if err != nil {
		return nil, mapErr("session", err)
	}
	t.user = user
	if t.locked == nil {
		t.locked = make(map[string]bool, 1)
	}
	t.locked[id] = true
	return s, nil
}

func (t *tx) Sessions(userID string) ([]*auth.Session, error) {
	return all(t, "sessions", scanSession, qSessions, userID)
}

func (t *tx) CreateSession(s *auth.Session) error {
	tag, err := t.exec(qCreateSession,
		s.ID, s.UserID, s.ClientID, int64(s.Counter), schema.Nanos(s.RotatedAt), schema.Nanos(s.CreatedAt), schema.Nanos(s.LastUsedAt), schema.Nanos(s.ExpiresAt), schema.Nanos(s.EndedAt), s.EndReason, s.IP, s.UserAgent)
	switch {
	case pgCode(err) == codeUniqueViolation:
		return conflict("session")
	case pgCode(err) == codeForeignKeyViolation: // the user was deleted meanwhile
		return notFound("user")
	case err != nil:
		return mapErr("create session", err)
	case tag.RowsAffected() == 1:
		return nil
	}
	var exists bool
	if err := t.queryRow(qSessionExists, s.ID).Scan(&exists); err != nil {
		return mapErr("create session", err)
	}
	if exists {
		return conflict("session")
	}
	return notFound("user")
}

// UpdateSession of a session this transaction locked cannot miss its
// row, so it waits for the next round trip (the commit, in a refresh);
// any other runs at once.
func (t *tx) UpdateSession(s *auth.Session) error {
	args := []any{int64(s.Counter), schema.Nanos(s.RotatedAt), schema.Nanos(s.LastUsedAt), schema.Nanos(s.ExpiresAt), schema.Nanos(s.EndedAt), s.EndReason, s.ID}
	if !t.locked[s.ID] {
		tag, err := t.exec(qUpdateSession, args...)
		return affected("update session", "session", tag, err)
	}
	t.user = nil
	t.p.later(func(b *pgx.Batch) {
		b.Queue(qUpdateSession, args...).Exec(func(tag pgconn.CommandTag) error {
			return affected("update session", "session", tag, nil)
		})
	})
	return nil
}

func (t *tx) DeleteExpiredSessions(now, idleBefore time.Time) (int64, error) {
	n, err := t.deleted(qDeleteExpired, schema.Nanos(now))
	if err != nil || idleBefore.IsZero() {
		return n, err
	}
	m, err := t.deleted(qDeleteIdle, schema.Nanos(idleBefore))
	return n + m, err
}

// qRotateSession is [DB.RotateSession]: the compare-and-swap on the
// counter, the audit event and the read of the user, in one statement. A
// concurrent refresh that holds the row makes the UPDATE wait for its
// commit and then test the row as that refresh left it (READ COMMITTED),
// so at most one of refreshes presenting the same counter swaps.
var qRotateSession = `WITH s AS (
	UPDATE sessions SET counter = $3, rotated_at = $4, last_used_at = $4
	WHERE id = $1 AND counter = $2 AND ended_at = 0 AND expires_at > $4 AND last_used_at > $5
		AND EXISTS (SELECT 1 FROM users WHERE users.id = sessions.user_id AND NOT users.disabled)
	RETURNING ` + sessionCols + `
), a AS (
	INSERT INTO audit_events (time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id)
	SELECT $6, $7, $8, s.user_id, s.id, s.client_id, $9, $10, $11, $12 FROM s
	RETURNING id
)
SELECT ` + qualified("s", sessionCols) + `, ` + qualified("u", userCols) + `, a.id
	FROM s JOIN users u ON u.id = s.user_id CROSS JOIN a`

// qualified prefixes each of the comma-separated columns cols with alias.
func qualified(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// RotateSession implements [auth.SessionRotator] in one round trip: one
// statement in its own transaction, committed (synchronously) before the
// answer comes back.
func (db *DB) RotateSession(ctx context.Context, r auth.SessionRotation) (*auth.Session, *auth.User, bool, error) {
	idle := int64(math.MinInt64) // no idle rule: every last_used_at is after it
	if !r.IdleBefore.IsZero() {
		idle = schema.Nanos(r.IdleBefore)
	}
	now := schema.Nanos(r.Now)
	ev := r.Event
	row := db.pool.QueryRow(ctx, qRotateSession,
		r.ID, int64(r.Expect), int64(r.Expect+1), now, idle,
		schema.Nanos(ev.Time), ev.Type, ev.Outcome, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID)
	var (
		s                                  auth.Session
		u                                  auth.User
		counter                            int64
		rotated, created, used, exp, ended int64
		roles                              string
		uCreated, uUpdated, uPassword      int64
		id                                 int64
	)
	err := row.Scan(&s.ID, &s.UserID, &s.ClientID, &counter, &rotated, &created, &used, &exp, &ended, &s.EndReason, &s.IP, &s.UserAgent,
		&u.ID, &u.Email, &u.PasswordHash, &roles, &u.Disabled, &uCreated, &uUpdated, &uPassword, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, mapErr("rotate session", err)
	}
	s.Counter = uint64(counter)
	s.RotatedAt, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.EndedAt = schema.FromNanos(rotated), schema.FromNanos(created), schema.FromNanos(used), schema.FromNanos(exp), schema.FromNanos(ended)
	u.Roles = schema.SplitList(roles)
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = schema.FromNanos(uCreated), schema.FromNanos(uUpdated), schema.FromNanos(uPassword)
	ev.ID, ev.UserID, ev.SessionID, ev.ClientID = id, s.UserID, s.ID, s.ClientID
	return &s, &u, true, nil
}
