package sqlite

import (
	"database/sql"
	"iter"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

var _ auth.Importer = (*tx)(nil)

// RevocationSeq reads the high-water mark that AUTOINCREMENT keeps in
// sqlite_sequence (or the largest seq stored, if greater).
func (t *tx) RevocationSeq() (int64, error) {
	var seq int64
	err := t.queryRow(`SELECT max(
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'revocations'), 0),
		coalesce((SELECT max(seq) FROM revocations), 0))`).Scan(&seq)
	return seq, wrap("revocation seq", err)
}

// ImportUsers inserts us one by one: SQLite runs in this process, so a
// row costs no round trip.
func (t *tx) ImportUsers(us iter.Seq[*auth.User]) error {
	if err := t.requireEmpty("users"); err != nil {
		return err
	}
	bt := t.binding()
	for u := range us {
		if err := bt.CreateUser(u); err != nil {
			return err
		}
	}
	return nil
}

// ImportSessions inserts ss one by one.
func (t *tx) ImportSessions(ss iter.Seq[*auth.Session]) error {
	if err := t.requireEmpty("sessions"); err != nil {
		return err
	}
	bt := t.binding()
	for s := range ss {
		if err := bt.CreateSession(s); err != nil {
			return err
		}
	}
	return nil
}

// ImportRevocations inserts revs with their seq and raises the
// AUTOINCREMENT high-water mark to seq.
func (t *tx) ImportRevocations(revs iter.Seq[auth.Revocation], seq int64) error {
	if err := t.requireEmpty("revocations"); err != nil {
		return err
	}
	for r := range revs {
		if _, err := t.exec(`INSERT INTO revocations (seq, kind, subject, not_before, expires, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			r.Seq, r.Kind, r.Subject, schema.Nanos(r.NotBefore), schema.Nanos(r.Expires), schema.Nanos(r.CreatedAt)); err != nil {
			return wrap("import revocations", err)
		}
	}
	// Every insert above raised sqlite_sequence to its seq; raise it
	// further to seq, creating the row if nothing was inserted.
	if _, err := t.exec(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'revocations' AND seq < ?`, seq, seq); err != nil {
		return wrap("import revocations", err)
	}
	_, err := t.exec(`INSERT INTO sqlite_sequence (name, seq) SELECT 'revocations', ? WHERE ? > 0 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'revocations')`, seq, seq)
	return wrap("import revocations", err)
}

// ImportAudit inserts evs with their IDs; AUTOINCREMENT then gives the
// next event a greater one.
func (t *tx) ImportAudit(evs iter.Seq[auth.AuditEvent]) error {
	if err := t.requireEmpty("audit_events"); err != nil {
		return err
	}
	for ev := range evs {
		if _, err := t.exec(`INSERT INTO audit_events (id, time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ev.ID, schema.Nanos(ev.Time), ev.Type, ev.Outcome, ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID); err != nil {
			return wrap("import audit", err)
		}
	}
	return nil
}

// binding returns t, binding each statement it uses once (see
// [tx.bound]), so that importing n rows does not hold n bindings.
func (t *tx) binding() *tx {
	bt := *t
	bt.bound = make(map[string]*sql.Stmt)
	return &bt
}

// requireEmpty returns an error with [auth.CodeConflict] if table (a
// constant) has a row.
func (t *tx) requireEmpty(table string) error {
	var n int
	if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM ` + table + `)`).Scan(&n); err != nil {
		return wrap("import", err)
	}
	if n != 0 {
		return &auth.Error{Code: auth.CodeConflict, Message: "The store already holds " + table + "."}
	}
	return nil
}
