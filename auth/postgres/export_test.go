package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth"
)

// CopyFrom is tx.copyFrom, for the tests.
func CopyFrom(atx auth.Tx, table pgx.Identifier, cols []string, rows pgx.CopyFromSource) (int64, error) {
	return atx.(*tx).copyFrom(table, cols, rows)
}

// AuditSQL is auditSQL, and QUpdateSession the statement of UpdateSession,
// for the tests.
var (
	AuditSQL       = auditSQL
	QUpdateSession = qUpdateSession
)
