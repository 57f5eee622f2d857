package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/sqlite"
)

// TestBackupDuringWrites: ward backup, taken while concurrent sign-ups
// reach a running server on loopback, opens as a store and holds every
// user whose sign-up was acknowledged before the backup began; restored
// as the README says (stop, copy into place), it serves those users.
func TestBackupDuringWrites(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.Limits.Off = true // a sign-up burst from one address
	m, _ := mustRunMain(t, cfg)

	var (
		mu    sync.Mutex
		acked []string // emails whose sign-up answered 201, in order
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("burst-%d-%d@example.com", w, i)
				r, err := call(client, "POST", m.URL+"/v1/auth/signup", "", map[string]string{"email": email, "password": testPassword})
				if err == nil && r.Status == http.StatusCreated {
					mu.Lock()
					acked = append(acked, email)
					mu.Unlock()
				}
			}
		}()
	}
	waitFor := func(n int) {
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				close(stop)
				t.Fatalf("only %d sign-ups acknowledged", got)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(8)
	mu.Lock()
	before := append([]string(nil), acked...) // acknowledged before the backup began
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "backup.db")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"backup", "--data-dir", cfg.DataDir, file}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		close(stop)
		t.Fatalf("ward backup: exit %d: %s", code, stderr.String())
	}
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	waitFor(len(before) + during + 2) // the server kept taking writes
	close(stop)
	wg.Wait()

	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v, want mode 0600", fi, err)
	}
	db, err := sqlite.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	inBackup := map[string]bool{}
	err = db.View(context.Background(), func(tx auth.ReadTx) error {
		after := ""
		for {
			us, err := tx.Users(auth.UserQuery{AfterID: after, Limit: 100})
			if err != nil || len(us) == 0 {
				return err
			}
			for _, u := range us {
				inBackup[u.Email] = true
			}
			after = us[len(us)-1].ID
		}
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range before {
		if !inBackup[email] {
			t.Errorf("%s was acknowledged before the backup began but is not in it", email)
		}
	}
	mu.Lock()
	total := len(acked)
	mu.Unlock()
	t.Logf("%d sign-ups acknowledged before the backup, %d during it, %d in all; %d users in the backup", len(before), during, total, len(inBackup))
	if len(inBackup) > total {
		t.Errorf("the backup holds %d users, more than the %d acknowledged", len(inBackup), total)
	}

	// Restore: a stopped server's data directory gets the backup as
	// ward.db, beside the same key-encryption key.
	restored := testServeConfig(t)
	kek, err := os.ReadFile(filepath.Join(cfg.DataDir, "kek"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored.DataDir, "kek"), kek, 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored.DataDir, "ward.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ := mustRunMain(t, restored)
	mustCall(t, "POST", r.URL+"/v1/auth/login", "", map[string]string{"email": before[0], "password": testPassword}, 200)
}
