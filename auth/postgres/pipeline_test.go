package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres"
	"github.com/wardauth/ward/auth/postgres/pgtest"
)

// TestCopyFromAfterPending: a COPY inside a transaction goes after the
// BEGIN and the writes that wait for the next round trip, and commits
// with them.
func TestCopyFromAfterPending(t *testing.T) {
	db := pgtest.MustOpen(t)
	ev := &auth.AuditEvent{Type: auth.EventLogin, Outcome: auth.OutcomeSuccess, Detail: "pending"}
	err := db.Update(context.Background(), func(atx auth.Tx) error {
		if err := atx.AppendAudit(ev); err != nil { // waits
			return err
		}
		n, err := postgres.CopyFrom(atx, pgx.Identifier{"audit_events"}, []string{"time", "type", "outcome", "user_id", "session_id", "client_id", "ip", "user_agent", "detail", "actor_id"},
			pgx.CopyFromRows([][]any{{int64(1), auth.EventLogout, auth.OutcomeSuccess, "", "", "", "", "", "copied", ""}}))
		if n != 1 {
			t.Errorf("copyFrom = %d rows, want 1", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var evs []auth.AuditEvent
	if err := db.View(context.Background(), func(rtx auth.ReadTx) error {
		var err error
		evs, err = rtx.Audit(auth.AuditQuery{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Detail != "copied" || evs[1].Detail != "pending" || evs[1].ID != ev.ID {
		t.Errorf("events after the commit = %+v, want the pending one (ID %d) then the copied one", evs, ev.ID)
	}
}
