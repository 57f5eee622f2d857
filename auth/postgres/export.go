package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/wardauth/ward/auth"
)

var _ auth.Exporter = (*tx)(nil)

// The queries of the export: each reads a whole table with one statement
// whose rows pgx reads from the connection as they are scanned. Text keys
// are ordered by COLLATE "C", byte order whatever the database's
// collation, as [auth.Exporter] requires; unless that collation is "C",
// the primary key's index does not give this order, and the server sorts
// (spilling to disk past work_mem), once per export.
const (
	qExportUsers       = `SELECT ` + userCols + ` FROM users ORDER BY id COLLATE "C"`
	qExportSessions    = `SELECT ` + sessionCols + ` FROM sessions ORDER BY id COLLATE "C"`
	qExportRevocations = `SELECT ` + revocationCols + ` FROM revocations ORDER BY seq`
	qExportAudit       = `SELECT id, time, type, outcome, user_id, session_id, client_id, ip, user_agent, detail, actor_id FROM audit_events ORDER BY id`
)

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
// at fn's first error.
func export[T any](t *tx, op, query string, scan func(scanner) (T, error), fn func(T) error) error {
	err := t.p.query(t.ctx, func(rows pgx.Rows) error {
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			if err := fn(v); err != nil {
				return err
			}
		}
		return rows.Err()
	}, query)
	return mapErr(op, err)
}
