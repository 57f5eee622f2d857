package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/sqlite"
)

// TestMain lets the test binary act as the writer process of TestKill9.
func TestMain(m *testing.M) {
	if path := os.Getenv("WARD_SQLITE_KILL_HELPER"); path != "" {
		killHelper(path)
		return
	}
	os.Exit(m.Run())
}

// killHelper writes users from 8 goroutines and prints the ID of each one
// whose Update returned nil, until it is killed.
func killHelper(path string) {
	db, err := sqlite.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("g%d-%d", g, i)
				err := db.Update(context.Background(), func(tx auth.Tx) error {
					if err := tx.CreateUser(&auth.User{ID: id, Email: id + "@example.com", PasswordHash: "h"}); err != nil {
						return err
					}
					return tx.AppendAudit(&auth.AuditEvent{Time: time.Now(), Type: auth.EventSignup, Outcome: auth.OutcomeSuccess, UserID: id})
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Fprintln(out, id)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestKill9 kills a writing process with SIGKILL and checks that every
// write it acknowledged is in the database after reopening it.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "ward.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WARD_SQLITE_KILL_HELPER="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(10 * time.Second)
	for sc.Scan() {
		acked = append(acked, sc.Text())
		if len(acked) >= 300 || time.Now().After(deadline) {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() { // acknowledgements printed before the kill landed
		acked = append(acked, sc.Text())
	}
	cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("the helper acknowledged only %d writes", len(acked))
	}
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx auth.ReadTx) error {
		for _, id := range acked {
			if _, err := tx.User(id); err != nil {
				return fmt.Errorf("acknowledged user %s: %w", id, err)
			}
			evs, err := tx.Audit(auth.AuditQuery{UserID: id})
			if err != nil {
				return err
			}
			if len(evs) != 1 {
				return fmt.Errorf("acknowledged user %s has %d audit events", id, len(evs))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged writes survived SIGKILL", len(acked))
}
