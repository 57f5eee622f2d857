package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/internal/wardtest"
)

// pgBin is where Debian's postgresql-15 package puts the server's
// programs.
const pgBin = "/usr/lib/postgresql/15/bin"

// privatePG is a PostgreSQL cluster of the test's own, in a temporary
// directory, on a free loopback port: the test may stop and start it
// without disturbing the machine's PostgreSQL, which other tests use.
type privatePG struct {
	dir, port string
	asUser    []string // runuser -u postgres -- when the test runs as root
}

// startPrivatePG makes and starts a private cluster (initdb, pg_ctl
// start). It skips the test when PostgreSQL's programs are missing,
// unless WARD_REQUIRE_SERVICES=1.
func startPrivatePG(t *testing.T) *privatePG {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		if os.Getenv("WARD_REQUIRE_SERVICES") == "1" {
			t.Fatalf("PostgreSQL 15's programs are not installed in %s", pgBin)
		}
		t.Skipf("PostgreSQL 15's programs are not installed in %s", pgBin)
	}
	dir, err := os.MkdirTemp("", "ward-pg-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg := &privatePG{dir: filepath.Join(dir, "data")}
	if os.Geteuid() == 0 { // initdb refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	pg.run(t, "initdb", "-D", pg.dir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
	pg.start(t)
	t.Cleanup(func() { _ = pg.command("pg_ctl", "-D", pg.dir, "-m", "immediate", "-w", "stop").Run() })
	return pg
}

func (pg *privatePG) command(prog string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, pg.asUser...), filepath.Join(pgBin, prog)), args...)
	return exec.Command(argv[0], argv[1:]...)
}

func (pg *privatePG) run(t *testing.T, prog string, args ...string) {
	t.Helper()
	if out, err := pg.command(prog, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", prog, err, out)
	}
}

// start starts the server and waits until it accepts connections.
func (pg *privatePG) start(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.dir, "-l", filepath.Join(pg.dir, "log"), "-w", "-t", "60", "start",
		"-o", "-p "+pg.port+" -k "+pg.dir+" -c listen_addresses=127.0.0.1")
}

// stop stops the server the way an operator's restart does (fast
// shutdown: open transactions are rolled back, sessions ended).
func (pg *privatePG) stop(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.dir, "-m", "fast", "-w", "-t", "60", "stop")
}

func (pg *privatePG) url() string {
	return "postgres://postgres@127.0.0.1:" + pg.port + "/postgres?sslmode=disable&connect_timeout=2"
}

// TestServePostgresRestart: a "ward serve --db postgres://…" process
// under a loop of writes (sign-ups and refreshes) while its PostgreSQL, a
// private cluster of this test, stops for a few seconds and starts again.
// During the outage every answer is 503 (or a connection error); no
// request answered with success is missing from the database afterwards;
// and once PostgreSQL is back, requests succeed again without restarting
// ward.
func TestServePostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	pg := startPrivatePG(t)
	bin := wardtest.Build(t)
	kek := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(kek, []byte(auth.NewKEK()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := wardtest.Serve(t, bin, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--kek-file", kek, "--db", pg.url(),
		"--refresh-grace", "5m", "--limits", "off")

	creds := map[string]string{"email": "ann@example.com", "password": testPassword}
	mustCall(t, "POST", w.URL+"/v1/auth/signup", "", creds, 201)
	rt := mustCall(t, "POST", w.URL+"/v1/auth/login", "", creds, 200).str("refresh_token")

	client := &http.Client{Timeout: 30 * time.Second}
	var (
		mu        sync.Mutex
		phase     = "before"
		statuses  = map[string]map[int]int{} // phase → status → count (0: connection error)
		signedUp  []string                   // emails answered 201
		refreshes int                        // refreshes answered 200
		lastRT    = rt
	)
	// now returns the phase a request starts in; record counts its answer
	// there.
	now := func() string {
		mu.Lock()
		defer mu.Unlock()
		return phase
	}
	record := func(p string, status int) string {
		mu.Lock()
		defer mu.Unlock()
		if statuses[p] == nil {
			statuses[p] = map[int]int{}
		}
		statuses[p][status]++
		return p
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // refreshes of one session, each with the token the last success returned
		for {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			tok := lastRT
			mu.Unlock()
			p := now()
			r, err := call(client, "POST", w.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
			if err != nil {
				record(p, 0)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			record(p, r.Status)
			switch r.Status {
			case 200:
				mu.Lock()
				lastRT = r.str("refresh_token")
				refreshes++
				mu.Unlock()
			case 503:
				time.Sleep(10 * time.Millisecond)
			default:
				t.Errorf("refresh (%s the outage) answered %d: %v", p, r.Status, r.Body)
				time.Sleep(10 * time.Millisecond)
			}
		}
	})
	wg.Go(func() { // sign-ups, each a new user
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			email := fmt.Sprintf("user%d@example.com", i)
			p := now()
			r, err := call(client, "POST", w.URL+"/v1/auth/signup", "", map[string]string{"email": email, "password": testPassword})
			if err != nil {
				record(p, 0)
				continue
			}
			record(p, r.Status)
			switch r.Status {
			case 201:
				mu.Lock()
				signedUp = append(signedUp, email)
				mu.Unlock()
			case 503:
			case 409: // an earlier attempt committed but its answer was lost: not the case here (no connection errors to ward)
				t.Errorf("signup of %s (%s the outage) answered 409", email, p)
			default:
				t.Errorf("signup (%s the outage) answered %d: %v", p, r.Status, r.Body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	// waitFor polls until n answers of status were recorded in the phase.
	waitFor := func(ph string, status, n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			got := statuses[ph][status]
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("%s the outage: %d answers %d within 60 s, want %d; statuses %v", ph, got, status, n, statuses)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("before", 200, 20)
	waitFor("before", 201, 2)

	// Requests that start while PostgreSQL shuts down may commit first
	// and succeed; those that start once it is down ("during") must not.
	setPhase := func(p string) {
		mu.Lock()
		phase = p
		mu.Unlock()
	}
	setPhase("stopping")
	pg.stop(t)
	setPhase("during")
	waitFor("during", 503, 20) // requests keep coming and fail cleanly
	setPhase("starting")
	pg.start(t)
	setPhase("after")
	waitFor("after", 200, 20) // ward recovers by itself
	waitFor("after", 201, 3)
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers by phase (0: connection error): %v; %d sign-ups and %d refreshes acknowledged", statuses, len(signedUp), refreshes)
	for status := range statuses["during"] {
		if status != 503 && status != 0 {
			t.Errorf("during the outage: %d answers %d, want only 503 or connection errors", statuses["during"][status], status)
		}
	}

	// Nothing acknowledged is missing: every sign-up answered 201 is a
	// user, and the session's counter is that of the last refresh
	// answered 200 (which rotates to it once more: its rotation was
	// committed, or PostgreSQL would find the token ahead of the session).
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.url())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, email := range signedUp {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = $1`, email).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s was answered 201 but is not in the database", email)
		}
	}
	var refreshed int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE type = $1 AND outcome = $2`, auth.EventRefresh, auth.OutcomeSuccess).Scan(&refreshed); err != nil {
		t.Fatal(err)
	}
	if refreshed < refreshes {
		t.Errorf("%d refreshes answered 200, %d audited as committed", refreshes, refreshed)
	}
	r := mustCall(t, "POST", w.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": lastRT}, 200)
	if r.str("refresh_token") == lastRT {
		t.Errorf("the last acknowledged refresh token did not rotate: its rotation was not the session's last")
	}
	// ward served throughout: the same process.
	if err := w.Cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("ward is not running: %v", err)
	}
}
