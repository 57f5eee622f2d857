package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/auth/storetest"
)

// TestConformance runs every storetest case, each on its own schema.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) auth.Store { return pgtest.MustOpen(t) })
}

// TestConcurrentOpen: instances that start at once on an empty schema all
// open it, and each migration is applied exactly once (the advisory lock).
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.Schema(t)
	const n = 6
	var wg sync.WaitGroup
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(context.Background(), dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	conn := connect(t, dsn)
	var rows, versions int
	if err := conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT version) FROM schema_version`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || rows == 0 {
		t.Errorf("schema_version has %d rows for %d versions: a migration ran twice", rows, versions)
	}
	v, err := dbs[0].SchemaVersion(context.Background())
	if err != nil || v != versions {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, versions)
	}
	// Reopening changes nothing.
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// TestSynchronousCommit: every connection commits synchronously, even if
// the connection string asks otherwise.
func TestSynchronousCommit(t *testing.T) {
	dsn := pgtest.Schema(t)
	db, err := postgres.Open(context.Background(), pgtest.WithParam(dsn, "synchronous_commit", "off"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Setting(context.Background(), "synchronous_commit"); err != nil || v != "on" {
		t.Errorf("synchronous_commit = %q, %v; want on", v, err)
	}
	if v, err := db.Setting(context.Background(), "idle_in_transaction_session_timeout"); err != nil || v != postgres.IdleInTransactionTimeout {
		t.Errorf("idle_in_transaction_session_timeout = %q, %v; want %s", v, err, postgres.IdleInTransactionTimeout)
	}
}

// TestUnreachable: a database that cannot be reached gives errors with
// CodeUnavailable (503), and a connection lost in a transaction too; the
// store recovers on its own once the database answers.
func TestUnreachable(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	if auth.ErrorCode(err) != auth.CodeUnavailable {
		t.Errorf("Open of a closed port = %v (code %q), want %q", err, auth.ErrorCode(err), auth.CodeUnavailable)
	}

	b := make([]byte, 6)
	rand.Read(b)
	app := "ward_test_" + hex.EncodeToString(b)
	dsn := pgtest.WithParam(pgtest.Schema(t), "application_name", app)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin := connect(t, pgtest.URL())
	terminate := func() {
		t.Helper()
		if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app); err != nil {
			t.Fatal(err)
		}
	}
	ran := false
	err = db.Update(context.Background(), func(tx auth.Tx) error {
		if err := tx.CreateUser(&auth.User{ID: "u1", Email: "a@example.com", PasswordHash: "h"}); err != nil {
			return err
		}
		if !ran {
			ran = true
			terminate() // the connection dies under the transaction
		}
		_, err := tx.User("u1")
		return err
	})
	if auth.ErrorCode(err) != auth.CodeUnavailable {
		t.Fatalf("Update whose connection was terminated = %v (code %q), want %q", err, auth.ErrorCode(err), auth.CodeUnavailable)
	}
	// Nothing of it was committed, and the pool recovers by itself.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = db.View(context.Background(), func(tx auth.ReadTx) error {
			_, err := tx.User("u1")
			return err
		})
		if auth.ErrorCode(err) == auth.CodeNotFound {
			break
		}
		if auth.ErrorCode(err) != auth.CodeUnavailable || time.Now().After(deadline) {
			t.Fatalf("View after the failure = %v, want CodeNotFound once reconnected", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDeadlockRetried: two transactions that lock two users in opposite
// orders deadlock; PostgreSQL aborts one, and Update runs it again, so
// both succeed.
func TestDeadlockRetried(t *testing.T) {
	db := pgtest.MustOpen(t)
	ctx := context.Background()
	err := db.Update(ctx, func(tx auth.Tx) error {
		return errors.Join(tx.CreateUser(&auth.User{ID: "a", Email: "a@example.com", PasswordHash: "h"}),
			tx.CreateUser(&auth.User{ID: "b", Email: "b@example.com", PasswordHash: "h"}))
	})
	if err != nil {
		t.Fatal(err)
	}
	var (
		runs    atomic.Int32
		bothIn  sync.WaitGroup
		wg      sync.WaitGroup
		results [2]error
	)
	bothIn.Add(2)
	for i, order := range [2][2]string{{"a", "b"}, {"b", "a"}} {
		wg.Go(func() {
			first := true
			results[i] = db.Update(ctx, func(tx auth.Tx) error {
				runs.Add(1)
				u, err := tx.LockUser(order[0])
				if err != nil {
					return err
				}
				if first { // on the first run only: wait until both hold their first lock
					first = false
					bothIn.Done()
					bothIn.Wait()
				}
				if _, err := tx.LockUser(order[1]); err != nil {
					return err
				}
				u.Roles = append(u.Roles, "x")
				return tx.UpdateUser(u)
			})
		})
	}
	wg.Wait()
	for i, err := range results {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if n := runs.Load(); n < 3 {
		t.Errorf("functions ran %d times; a deadlock should have made one run again", n)
	}
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
