package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres"
	"github.com/wardauth/ward/auth/postgres/pgtest"
)

// TestRefreshUpdateIsHOT: the update a refresh makes (counter, rotated_at,
// last_used_at) touches no indexed column, so PostgreSQL makes it a
// heap-only tuple update and writes no index entry (migration 0002).
func TestRefreshUpdateIsHOT(t *testing.T) {
	db, dsn := openSchema(t)
	ctx := context.Background()
	now := time.Now()
	sess := &auth.Session{ID: "s1", UserID: "u1", ClientID: "app", CreatedAt: now, RotatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.Update(ctx, func(tx auth.Tx) error {
		if err := tx.CreateUser(&auth.User{ID: "u1", Email: "a@example.com", PasswordHash: "x", CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}); err != nil {
			return err
		}
		return tx.CreateSession(sess)
	}); err != nil {
		t.Fatal(err)
	}

	conn := connect(t, dsn)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	const n = 20
	for i := range n {
		at := now.Add(time.Duration(i+1) * time.Second).UnixNano()
		// counter, rotated_at, last_used_at, expires_at, ended_at, end_reason, id
		if _, err := tx.Exec(ctx, postgres.QUpdateSession, int64(i+1), at, at, sess.ExpiresAt.UnixNano(), int64(0), "", sess.ID); err != nil {
			t.Fatal(err)
		}
	}
	var upd, hot int64
	if err := tx.QueryRow(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'sessions'::regclass`).Scan(&upd, &hot); err != nil {
		t.Fatal(err)
	}
	if upd != n || hot != n {
		t.Errorf("%d session updates, %d of them HOT; want every one HOT", upd, hot)
	}
}

// TestAuditPartialIndexes: the audit queries by actor and by failure can
// use the partial indexes of migration 0002 under a generic plan (the plan
// a prepared statement ends up with), whatever the parameter's value.
func TestAuditPartialIndexes(t *testing.T) {
	_, dsn := openSchema(t) // the store migrates the schema
	ctx := context.Background()
	conn := connect(t, dsn)
	for _, s := range []string{"SET plan_cache_mode = force_generic_plan", "SET enable_seqscan = off"} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q     auth.AuditQuery
		index string
	}{
		{auth.AuditQuery{ActorID: "admin-1"}, "audit_actor"},
		{auth.AuditQuery{Outcome: auth.OutcomeFailure}, "audit_failures"},
	} {
		query, args := postgres.AuditSQL(tc.q)
		name := "audit_" + tc.index
		if _, err := conn.Prepare(ctx, name, query); err != nil {
			t.Fatal(err)
		}
		// EXPLAIN EXECUTE takes the parameters as literals.
		lits := make([]string, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case string:
				lits[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
			default:
				lits[i] = fmt.Sprint(v)
			}
		}
		rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+name+"("+strings.Join(lits, ", ")+")", pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan.String(), tc.index) {
			t.Errorf("%+v: the generic plan does not use %s:\n%s", tc.q, tc.index, plan.String())
		}
	}
}

// openSchema opens the store on a new schema and returns it with the
// schema's connection string.
func openSchema(t *testing.T) (*postgres.DB, string) {
	t.Helper()
	dsn := pgtest.Schema(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}
