package postgres

import (
	"github.com/jackc/pgx/v5"

	"strconv"
	"strings"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const (
	qAppendAudit = `INSERT INTO audit_events (time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	qDeleteOldAudit = `DELETE FROM audit_events WHERE time < $1`
)

// AppendAudit inserts ev. Its ID comes from an identity column: greater
// than every ID given before, but, unlike a revocation's Seq, not
// serialized with other writers (every login and refresh writes an
// event), so transactions running at once may commit their events out of
// ID order. Nothing in a transaction reads its own events' outcome, so the
// INSERT waits for the transaction's next statement or its COMMIT and
// goes out in the same round trip; ev.ID is set then, before
// [DB.Update] returns.
func (t *tx) AppendAudit(ev *auth.AuditEvent) error {
	args := []any{schema.Nanos(ev.Time), ev.Type, ev.Outcome, ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID}
	t.p.later(func(b *pgx.Batch) {
		b.Queue(qAppendAudit, args...).QueryRow(func(row pgx.Row) error {
			return mapErr("append audit", row.Scan(&ev.ID))
		})
	})
	return nil
}

func scanEvent(row scanner) (auth.AuditEvent, error) {
	var (
		ev auth.AuditEvent
		tm int64
	)
	err := row.Scan(&ev.ID, &tm, &ev.Type, &ev.Outcome, &ev.UserID, &ev.SessionID, &ev.ClientID, &ev.IP, &ev.UserAgent, &ev.Detail, &ev.ActorID)
	ev.Time = schema.FromNanos(tm)
	return ev, err
}

func (t *tx) Audit(q auth.AuditQuery) ([]auth.AuditEvent, error) {
	query, args := auditSQL(q)
	return all(t, "audit", scanEvent, query, args...)
}

// auditSQL is the query of q and its arguments.
func auditSQL(q auth.AuditQuery) (string, []any) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	if q.UserID != "" {
		add("user_id = ?", q.UserID)
	}
	// The literal conditions let the planner use the partial indexes
	// audit_actor and audit_failures (migration 0002) with any parameter.
	if q.ActorID != "" {
		add("actor_id = ?", q.ActorID)
		where = append(where, "actor_id <> ''")
	}
	if q.Type != "" {
		add("type = ?", q.Type)
	}
	if q.Outcome != "" {
		add("outcome = ?", q.Outcome)
		if q.Outcome != auth.OutcomeSuccess {
			where = append(where, "outcome <> 'success'")
		}
	}
	if !q.Since.IsZero() {
		add("time >= ?", schema.BoundNanos(q.Since))
	}
	if !q.Until.IsZero() {
		add("time < ?", schema.BoundNanos(q.Until))
	}
	if q.BeforeID > 0 {
		add("id < ?", q.BeforeID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT id, time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id FROM audit_events`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args))
	return query, args
}

func (t *tx) DeleteAuditBefore(before time.Time) (int64, error) {
	return t.deleted(qDeleteOldAudit, schema.Nanos(before))
}
