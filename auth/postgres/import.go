package postgres

import (
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

// ImportUsers copies us in (COPY): one round trip for them all.
func (t *tx) ImportUsers(us []*auth.User) error {
	if err := t.requireEmpty("users"); err != nil {
		return err
	}
	_, err := t.copyFrom(pgx.Identifier{"users"},
		[]string{"id", "email", "password_hash", "roles", "disabled", "created_at", "updated_at", "password_changed_at", "email_key"},
		pgx.CopyFromSlice(len(us), func(i int) ([]any, error) {
			u := us[i]
			return []any{u.ID, u.Email, u.PasswordHash, schema.JoinList(u.Roles), u.Disabled,
				schema.Nanos(u.CreatedAt), schema.Nanos(u.UpdatedAt), schema.Nanos(u.PasswordChangedAt), auth.EmailKey(u.Email)}, nil
		}))
	return importErr("import users", err)
}

// ImportSessions copies ss in (COPY).
func (t *tx) ImportSessions(ss []*auth.Session) error {
	if err := t.requireEmpty("sessions"); err != nil {
		return err
	}
	_, err := t.copyFrom(pgx.Identifier{"sessions"},
		[]string{"id", "user_id", "client_id", "counter", "rotated_at", "created_at", "last_used_at", "expires_at", "ended_at", "end_reason", "ip", "user_agent"},
		pgx.CopyFromSlice(len(ss), func(i int) ([]any, error) {
			s := ss[i]
			return []any{s.ID, s.UserID, s.ClientID, int64(s.Counter), schema.Nanos(s.RotatedAt), schema.Nanos(s.CreatedAt),
				schema.Nanos(s.LastUsedAt), schema.Nanos(s.ExpiresAt), schema.Nanos(s.EndedAt), s.EndReason, s.IP, s.UserAgent}, nil
		}))
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

// ImportRevocations copies revs in with their seq (COPY), after raising
// the counter row, which stays locked until the transaction ends, to seq
// and past every one of them.
func (t *tx) ImportRevocations(revs []auth.Revocation, seq int64) error {
	if err := t.requireEmpty("revocations"); err != nil {
		return err
	}
	for _, r := range revs {
		seq = max(seq, r.Seq)
	}
	if _, err := t.exec(`UPDATE store_locks SET value = greatest(value, $1) WHERE name = 'revocations'`, seq); err != nil {
		return mapErr("import revocations", err)
	}
	_, err := t.copyFrom(pgx.Identifier{"revocations"}, []string{"seq", "kind", "subject", "not_before", "expires", "created_at"},
		pgx.CopyFromSlice(len(revs), func(i int) ([]any, error) {
			r := revs[i]
			return []any{r.Seq, r.Kind, r.Subject, schema.Nanos(r.NotBefore), schema.Nanos(r.Expires), schema.Nanos(r.CreatedAt)}, nil
		}))
	return importErr("import revocations", err)
}

// ImportAudit copies evs in with their IDs (COPY writes an identity
// column as given, like OVERRIDING SYSTEM VALUE) and moves the identity
// sequence past the largest.
func (t *tx) ImportAudit(evs []auth.AuditEvent) error {
	if err := t.requireEmpty("audit_events"); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	var last int64
	_, err := t.copyFrom(pgx.Identifier{"audit_events"},
		[]string{"id", "time", "type", "outcome", "user_id", "session_id", "client_id", "ip", "user_agent", "detail", "actor_id"},
		pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) {
			ev := evs[i]
			last = max(last, ev.ID)
			return []any{ev.ID, schema.Nanos(ev.Time), ev.Type, ev.Outcome, ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID}, nil
		}))
	if err != nil {
		return mapErr("import audit", err)
	}
	_, err = t.exec(`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), greatest($1::bigint, (SELECT last_value FROM audit_events_id_seq)))`, last)
	return mapErr("import audit", err)
}

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
