package sqlite

import "github.com/wardauth/ward/auth"

var _ auth.Exporter = (*tx)(nil)

// The queries of the export: each reads a whole table in key order, by
// its primary key (an index for users and sessions, the rowid for
// revocations and audit events), with SQLite's BINARY collation, which is
// byte order.
const (
	qExportUsers       = `SELECT ` + userCols + ` FROM users ORDER BY id`
	qExportSessions    = `SELECT ` + sessionCols + ` FROM sessions ORDER BY id`
	qExportRevocations = `SELECT ` + revocationCols + ` FROM revocations ORDER BY seq`
	qExportAudit       = `SELECT ` + eventCols + ` FROM audit_events ORDER BY id`
)

// ExportUsers reads the users with one statement, a row at a time: the
// read transaction keeps its snapshot however long fn takes.
func (t *tx) ExportUsers(fn func(*auth.User) error) error {
	return export(t, "export users", qExportUsers, scanUser, fn)
}

func (t *tx) ExportSessions(fn func(*auth.Session) error) error {
	return export(t, "export sessions", qExportSessions, scanSession, fn)
}

func (t *tx) ExportRevocations(fn func(auth.Revocation) error) error {
	return export(t, "export revocations", qExportRevocations, scanRevocation, fn)
}

func (t *tx) ExportAudit(fn func(auth.AuditEvent) error) error {
	return export(t, "export audit", qExportAudit, scanEvent, fn)
}

// export runs query and calls fn with each row that scan reads, stopping
// at fn's first error, which it returns unwrapped.
func export[T any](t *tx, op, query string, scan func(interface{ Scan(...any) error }) (T, error), fn func(T) error) error {
	rows, err := t.query(query)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return wrap(op, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}
