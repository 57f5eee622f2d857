package postgres

import (
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

var _ auth.Importer = (*tx)(nil)

// RevocationSeq reads the counter row of the revocation sequence.
func (t *tx) RevocationSeq() (int64, error) {
	var seq int64
	err := t.queryRow(qRevocationSeq).Scan(&seq)
	return seq, mapErr("revocation seq", err)
}

// ImportUsers streams us in with one COPY.
func (t *tx) ImportUsers(us iter.Seq[*auth.User]) error {
	if err := t.requireEmpty("users"); err != nil {
		return err
	}
	err := copySeq(t, "users",
		[]string{"id", "email", "password_hash", "roles", "disabled", "created_at", "updated_at", "password_changed_at", "email_key"},
		us, func(u *auth.User, row []any) {
			row[0], row[1], row[2], row[3], row[4] = u.ID, u.Email, u.PasswordHash, schema.JoinList(u.Roles), u.Disabled
			row[5], row[6], row[7], row[8] = schema.Nanos(u.CreatedAt), schema.Nanos(u.UpdatedAt), schema.Nanos(u.PasswordChangedAt), auth.EmailKey(u.Email)
		})
	return importErr("import users", err)
}

// ImportSessions streams ss in with one COPY.
func (t *tx) ImportSessions(ss iter.Seq[*auth.Session]) error {
	if err := t.requireEmpty("sessions"); err != nil {
		return err
	}
	err := copySeq(t, "sessions",
		[]string{"id", "user_id", "client_id", "counter", "rotated_at", "created_at", "last_used_at", "expires_at", "ended_at", "end_reason", "ip", "user_agent"},
		ss, func(s *auth.Session, row []any) {
			row[0], row[1], row[2], row[3] = s.ID, s.UserID, s.ClientID, int64(s.Counter)
			row[4], row[5], row[6], row[7], row[8] = schema.Nanos(s.RotatedAt), schema.Nanos(s.CreatedAt), schema.Nanos(s.LastUsedAt), schema.Nanos(s.ExpiresAt), schema.Nanos(s.EndedAt)
			row[9], row[10], row[11] = s.EndReason, s.IP, s.UserAgent
		})
	return importErr("import sessions", err)
}

// importErr maps the errors of a COPY: a duplicate key is a conflict, a
// row whose parent is missing is not found.
func importErr(op string, err error) error {
	switch pgCode(err) {
	case codeUniqueViolation:
		return &auth.Error{Code: auth.CodeConflict, Message: "Two rows to import have the same key."}
	case codeForeignKeyViolation:
		return notFound("user")
	}
	return mapErr(op, err)
}

// ImportRevocations streams revs in with their seq (one COPY), then
// raises the counter row, which stays locked until the transaction ends,
// to seq and past every one of them.
func (t *tx) ImportRevocations(revs iter.Seq[auth.Revocation], seq int64) error {
	if err := t.requireEmpty("revocations"); err != nil {
		return err
	}
	err := copySeq(t, "revocations", []string{"seq", "kind", "subject", "not_before", "expires", "created_at"},
		revs, func(r auth.Revocation, row []any) {
			seq = max(seq, r.Seq)
			row[0], row[1], row[2] = r.Seq, r.Kind, r.Subject
			row[3], row[4], row[5] = schema.Nanos(r.NotBefore), schema.Nanos(r.Expires), schema.Nanos(r.CreatedAt)
		})
	if err != nil {
		return importErr("import revocations", err)
	}
	_, err = t.exec(`UPDATE store_locks SET value = greatest(value, $1) WHERE name = 'revocations'`, seq)
	return mapErr("import revocations", err)
}

// ImportAudit streams evs in with their IDs (one COPY, which writes an
// identity column as given, like OVERRIDING SYSTEM VALUE) and moves the
// identity sequence past the largest.
func (t *tx) ImportAudit(evs iter.Seq[auth.AuditEvent]) error {
	if err := t.requireEmpty("audit_events"); err != nil {
		return err
	}
	var last int64
	err := copySeq(t, "audit_events",
		[]string{"id", "time", "type", "outcome", "user_id", "session_id", "client_id", "ip", "user_agent", "detail", "actor_id"},
		evs, func(ev auth.AuditEvent, row []any) {
			last = max(last, ev.ID)
			row[0], row[1], row[2], row[3] = ev.ID, schema.Nanos(ev.Time), ev.Type, ev.Outcome
			row[4], row[5], row[6], row[7], row[8], row[9], row[10] = ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID
		})
	if err != nil || last == 0 {
		return mapErr("import audit", err)
	}
	_, err = t.exec(`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), greatest($1::bigint, (SELECT last_value FROM audit_events_id_seq)))`, last)
	return mapErr("import audit", err)
}

// copySeq copies the rows of seq into table with one COPY, pulling them
// one at a time as pgx fills its buffer, so that no more than one row of
// seq and one buffer of COPY data are held at once. fill sets the values
// of cols for a row.
func copySeq[T any](t *tx, table string, cols []string, seq iter.Seq[T], fill func(v T, row []any)) error {
	next, stop := iter.Pull(seq)
	defer stop()
	_, err := t.copyFrom(pgx.Identifier{table}, cols, &pullSource[T]{next: next, fill: fill, row: make([]any, len(cols))})
	return err
}

// pullSource is a [pgx.CopyFromSource] over the next function of
// [iter.Pull]. pgx calls it from a goroutine of its own, one call at a
// time, as iter.Pull allows.
type pullSource[T any] struct {
	next func() (T, bool)
	fill func(T, []any)
	row  []any
}

func (s *pullSource[T]) Next() bool {
	v, ok := s.next()
	if ok {
		s.fill(v, s.row)
	}
	return ok
}

func (s *pullSource[T]) Values() ([]any, error) { return s.row, nil }

func (s *pullSource[T]) Err() error { return nil }

// requireEmpty returns an error with [auth.CodeConflict] if table (a
// constant) has a row.
func (t *tx) requireEmpty(table string) error {
	var exists bool
	if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM ` + table + `)`).Scan(&exists); err != nil {
		return mapErr("import", err)
	}
	if exists {
		return &auth.Error{Code: auth.CodeConflict, Message: "The store already holds " + table + "."}
	}
	return nil
}
