package sqlite

import (
	"strings"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const (
	qAppendAudit = `INSERT INTO audit_events (time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

func (t *tx) AppendAudit(ev *auth.AuditEvent) error {
	res, err := t.exec(qAppendAudit,
		schema.Nanos(ev.Time), ev.Type, ev.Outcome, ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID)
	if err != nil {
		return wrap("append audit", err)
	}
	ev.ID, err = res.LastInsertId()
	return wrap("append audit", err)
}

const eventCols = `id, time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id`

func scanEvent(row interface{ Scan(...any) error }) (auth.AuditEvent, error) {
	var (
		ev auth.AuditEvent
		tm int64
	)
	err := row.Scan(&ev.ID, &tm, &ev.Type, &ev.Outcome, &ev.UserID, &ev.SessionID, &ev.ClientID, &ev.IP, &ev.UserAgent, &ev.Detail, &ev.ActorID)
	ev.Time = schema.FromNanos(tm)
	return ev, err
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
		where, args = append(where, "time >= ?"), append(args, schema.BoundNanos(q.Since))
	}
	if !q.Until.IsZero() {
		where, args = append(where, "time < ?"), append(args, schema.BoundNanos(q.Until))
	}
	if q.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT ` + eventCols + ` FROM audit_events`
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
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, wrap("audit", err)
		}
		out = append(out, ev)
	}
	return out, wrap("audit", rows.Err())
}

func (t *tx) DeleteAuditBefore(before time.Time) (int64, error) {
	return t.deleted(`DELETE FROM audit_events WHERE time < ?`, schema.Nanos(before))
}
