package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/wardtest"
)

// The end-to-end tests of issue 8: ward serve, the example service
// (httpauth) and ward forward-auth behind nginx, each its own process.

// e2eHeartbeat is ward serve's --feed-heartbeat in these tests, and
// e2eMaxStaleness the resource servers' --max-staleness: many heartbeats,
// so that a live feed is never stale.
const (
	e2eHeartbeat    = 500 * time.Millisecond
	e2eMaxStaleness = 6 * time.Second
)

// refusalDeadline is how soon after a revocation is answered every
// resource server must refuse the token (issue 8).
const refusalDeadline = time.Second

// e2eTarget is one resource server that a token is checked at.
type e2eTarget struct {
	name string
	url  string // GET with the token: 200 when it is accepted
	// refuses is true for the servers run with --refuse-when-stale.
	refuses bool
}

// e2eStack is ward serve and the resource servers in front of it.
type e2eStack struct {
	bin, dataDir, addr string
	serveArgs          []string
	auth               *wardtest.Server
	url                string // ward serve's base URL (and issuer)
	feedEnv            string // the feed client's file, as ward client add wrote it
	targets            []e2eTarget
	nginx              bool   // the forward-auth targets are behind nginx
	nginxURL           string // the first nginx site (forward-auth without --refuse-when-stale)
	upstream           *httptest.Server
	client             *http.Client
	tb                 testing.TB // the test the processes live as long as
}

// newE2EStack builds ward and the example, and starts ward serve on a
// fixed loopback port (so that it can restart on it), two example
// services and two forward-auth processes (without and with
// --refuse-when-stale) and, when it is installed, nginx in front of the
// forward-auth processes with the README's snippet.
func newE2EStack(t testing.TB) *e2eStack {
	t.Helper()
	bin := wardtest.Build(t)
	notesBin := wardtest.BuildCommand(t, "github.com/wardauth/ward/examples/notes")
	s := &e2eStack{tb: t, bin: bin, dataDir: t.TempDir(), addr: freeAddr(t),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	// --jwks-cache-ttl 1s: a next key may sign 1 s after it is published,
	// so that a rotation takes effect at once. --refresh-grace 0s: any
	// stale refresh token is a reuse. --sync-interval: what the admin
	// commands write reaches the server (and the feed) fast.
	s.serveArgs = []string{"--addr", s.addr, "--data-dir", s.dataDir, "--limits", "off", "--refresh-grace", "0s",
		"--jwks-cache-ttl", "1s", "--sync-interval", "100ms", "--feed-heartbeat", e2eHeartbeat.String(), "--log-level", "error"}
	s.auth = wardtest.Serve(t, bin, s.serveArgs...)
	s.url = s.auth.URL

	s.feedEnv = filepath.Join(t.TempDir(), "feed.env")
	if err := os.WriteFile(s.feedEnv, []byte(wardRun(t, "client", "add", "--data-dir", s.dataDir, "--feed", "e2e-feed")), 0o600); err != nil {
		t.Fatal(err)
	}
	staleness := e2eMaxStaleness.String()
	notes := func(refuse bool) string {
		args := []string{"--addr", "127.0.0.1:0", "--issuer", s.url, "--audience", s.url, "--feed-client", s.feedEnv, "--max-staleness", staleness}
		if refuse {
			args = append(args, "--refuse-when-stale")
		}
		return wardtest.Start(t, exec.Command(notesBin, args...), "notes: listening on ").URL
	}
	fwd := func(refuse bool) string {
		args := []string{"forward-auth", "--addr", "127.0.0.1:0", "--issuer", s.url, "--audience", s.url,
			"--client-secret-file", s.feedEnv, "--max-staleness", staleness, "--log-level", "error"}
		if refuse {
			args = append(args, "--refuse-when-stale")
		}
		return wardtest.Start(t, wardtest.Command(bin, args...), "ward: forward auth listening on ").URL
	}
	notesKeep, notesRefuse := notes(false), notes(true)
	fwdKeep, fwdRefuse := fwd(false), fwd(true)
	s.targets = []e2eTarget{
		{name: "httpauth (examples/notes)", url: notesKeep + "/notes"},
		{name: "httpauth (examples/notes --refuse-when-stale)", url: notesRefuse + "/notes", refuses: true},
	}

	// The trivial service behind nginx: it echoes the identity headers.
	s.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := map[string]string{}
		for name := range r.Header {
			if strings.HasPrefix(name, "X-Ward-") {
				h[name] = r.Header.Get(name)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(h)
	}))
	t.Cleanup(s.upstream.Close)
	if sites := startNginx(t, []nginxSite{{fwdAuth: fwdKeep, upstream: s.upstream.URL}, {fwdAuth: fwdRefuse, upstream: s.upstream.URL}}); sites != nil {
		s.nginx, s.nginxURL = true, sites[0]
		s.targets = append(s.targets,
			e2eTarget{name: "ward forward-auth behind nginx", url: sites[0] + "/app"},
			e2eTarget{name: "ward forward-auth --refuse-when-stale behind nginx", url: sites[1] + "/app", refuses: true})
	} else {
		s.targets = append(s.targets,
			e2eTarget{name: "ward forward-auth (no nginx)", url: fwdKeep + "/app"},
			e2eTarget{name: "ward forward-auth --refuse-when-stale (no nginx)", url: fwdRefuse + "/app", refuses: true})
	}
	return s
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for a server that is started on it later or restarts on it.
//
// The port is below the kernel's ephemeral range (32768 and up on Linux
// and the BSDs), which is where every listener on port 0 and every
// outgoing connection of the other tests get theirs: a port from that
// range, free when checked, was taken by one of them before the server
// bound it about once in a few hundred runs (a few dozen binds during a
// one-second restart, among ~14,000 ports). The ports handed out are
// remembered, so that two tests of this binary never get the same.
func freeAddr(t testing.TB) string {
	t.Helper()
	freePorts.mu.Lock()
	defer freePorts.mu.Unlock()
	for range 1000 {
		port := 20000 + rand.IntN(32768-20000)
		if freePorts.given[port] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // in use
		}
		ln.Close()
		freePorts.given[port] = true
		return ln.Addr().String()
	}
	t.Fatal("no free port below 32768")
	return ""
}

var freePorts = struct {
	mu    sync.Mutex
	given map[int]bool
}{given: map[int]bool{}}

// status returns the status of GET url with the bearer token; 0 if no
// answer came.
func (s *e2eStack) status(url, token string) int {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := s.client.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// session is one login's tokens.
type session struct{ access, refresh string }

// login logs in (signing up first if needed) and returns the tokens.
func (s *e2eStack) login(t testing.TB, email string) session {
	t.Helper()
	creds := map[string]string{"email": email, "password": testPassword}
	r, err := call(s.client, "POST", s.url+"/v1/auth/login", "", creds)
	if err == nil && r.Status == 401 {
		mustCall(t, "POST", s.url+"/v1/auth/signup", "", creds, 201)
		r, err = call(s.client, "POST", s.url+"/v1/auth/login", "", creds)
	}
	if err != nil || r.Status != 200 {
		t.Fatalf("login %s: %v %d %v", email, err, r.Status, r.Body)
	}
	return session{r.str("access_token"), r.str("refresh_token")}
}

// adminToken creates an administrator and returns an access token of
// theirs.
func (s *e2eStack) adminToken(t testing.TB) string {
	t.Helper()
	const email = "root@example.com"
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wardRun(t, "user", "add", "--data-dir", s.dataDir, "--role", "admin", "--password-file", pw, email)
	return s.login(t, email).access
}

// accepted fails the test unless every target accepts token within d.
func (s *e2eStack) accepted(t testing.TB, what, token string, d time.Duration) {
	t.Helper()
	s.waitStatus(t, what, token, 200, d, s.targets)
}

// refused fails the test unless every target answers 401 to token within
// refusalDeadline of since, the moment the revocation was answered.
func (s *e2eStack) refused(t testing.TB, what, token string, since time.Time) {
	t.Helper()
	s.waitStatus(t, what, token, 401, refusalDeadline-time.Since(since), s.targets)
	t.Logf("%s: refused everywhere %v after the revocation was answered", what, time.Since(since).Round(time.Millisecond))
}

// waitStatus polls the targets until each answers want to token, or fails
// the test after d.
func (s *e2eStack) waitStatus(t testing.TB, what, token string, want int, d time.Duration, targets []e2eTarget) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := make([]int, len(targets))
	for {
		done := true
		for i, tg := range targets {
			if last[i] != want {
				last[i] = s.status(tg.url, token)
				done = done && last[i] == want
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			for i, tg := range targets {
				if last[i] != want {
					t.Errorf("%s: %s answers %d, want %d within %v", what, tg.name, last[i], want, d)
				}
			}
			t.FailNow()
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// kid returns the "kid" of a token's header.
func kid(t testing.TB, token string) string {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	data, err := base64.RawURLEncoding.DecodeString(h)
	var header struct {
		Kid string `json:"kid"`
	}
	if err != nil || json.Unmarshal(data, &header) != nil {
		t.Fatalf("token header %q: %v", h, err)
	}
	return header.Kid
}

// TestRevocationEndToEnd is the acceptance test of issue 8: the auth
// server and the resource servers are separate processes; each kind of
// revocation made on the auth server is refused by httpauth and by ward
// forward-auth behind nginx within one second; a restart of the auth
// server misses nothing; a killed one leaves the replica working until
// the maximum staleness, then the configured behaviour applies; a
// rotated or replaced signing key signs tokens that are accepted without
// a restart.
func TestRevocationEndToEnd(t *testing.T) {
	t.Parallel()
	s := newE2EStack(t)
	if !s.nginx {
		t.Run("nginx", func(t *testing.T) {
			t.Skip("nginx is not installed (apt-get install nginx): ward forward-auth is checked directly, not behind nginx")
		})
	}
	admin := s.adminToken(t)

	t.Run("identity", func(t *testing.T) {
		a := s.login(t, "ida@example.com")
		s.accepted(t, "a fresh token", a.access, 5*time.Second)
		me := mustCall(t, "GET", s.url+"/v1/me", a.access, nil, 200)
		notes := mustCall(t, "GET", s.targets[0].url, a.access, nil, 200)
		if notes.str("subject") != me.str("id") {
			t.Errorf("the example's subject %q, want %q", notes.str("subject"), me.str("id"))
		}
		// The example: POST /notes needs the role editor, GET /stats the
		// scope notes:read (a service token).
		notesURL := strings.TrimSuffix(s.targets[0].url, "/notes")
		if r, _ := call(s.client, "POST", notesURL+"/notes", a.access, map[string]string{"text": "hi"}); r.Status != 403 {
			t.Errorf("POST /notes without the role editor: %d", r.Status)
		}
		mustCall(t, "POST", s.url+"/v1/admin/users/"+me.str("id")+"/roles", admin, map[string]any{"roles": []string{"editor"}}, 200)
		a = s.login(t, "ida@example.com") // a change of roles ends the sessions
		mustCall(t, "POST", notesURL+"/notes", a.access, map[string]string{"text": "hi"}, 201)
		if r, _ := call(s.client, "GET", notesURL+"/stats", a.access, nil); r.Status != 403 {
			t.Errorf("GET /stats with a user token: %d", r.Status)
		}
		creds := wardRun(t, "client", "add", "--data-dir", s.dataDir, "--scope", "notes:read", "reports")
		tok := mustCallForm(t, s.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {envValue(creds, "client_id")}, "client_secret": {envValue(creds, "client_secret")}}).str("access_token")
		if st := mustCall(t, "GET", notesURL+"/stats", tok, nil, 200); st.Body["notes"] != float64(1) {
			t.Errorf("/stats = %v", st.Body)
		}
		if !s.nginx {
			return
		}
		// Through nginx: the identity reaches the service, and the client's
		// own X-Ward-* headers do not.
		req, _ := http.NewRequest("GET", s.nginxURL+"/app", nil)
		req.Header.Set("Authorization", "Bearer "+a.access)
		req.Header.Set("X-Ward-Subject", "forged")
		req.Header.Set("X-Ward-Roles", "admin")
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		c := tokenClaims(t, a.access)
		want := map[string]string{"X-Ward-Subject": me.str("id"), "X-Ward-Roles": "editor", "X-Ward-Session": c["sid"].(string),
			"X-Ward-Client": c["client_id"].(string)}
		for k, v := range want {
			if got[k] != v || v == "" {
				t.Errorf("the service got %s: %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
		// The challenges: 401 without a token or with a bad one, 403 with
		// insufficient_scope for /admin/ without the role admin.
		for _, tc := range []struct {
			path, token, status, challenge string
		}{
			{"/app", "", "401", `Bearer`},
			{"/app", "not.a.token", "401", `error="invalid_token"`},
			{"/admin/x", a.access, "403", `error="insufficient_scope"`},
			{"/admin/x", admin, "200", ``},
		} {
			req, _ := http.NewRequest("GET", s.nginxURL+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			res, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if fmt.Sprint(res.StatusCode) != tc.status || !strings.Contains(res.Header.Get("WWW-Authenticate"), tc.challenge) {
				t.Errorf("nginx %s (token %.10q): %d %q, want %s %q", tc.path, tc.token, res.StatusCode, res.Header.Get("WWW-Authenticate"), tc.status, tc.challenge)
			}
		}
	})

	t.Run("logout", func(t *testing.T) {
		a, b := s.login(t, "lo@example.com"), s.login(t, "lo@example.com")
		s.accepted(t, "before the logout", a.access, 5*time.Second)
		mustCall(t, "POST", s.url+"/v1/auth/logout", a.access, map[string]string{"scope": "session"}, 204)
		s.refused(t, "the logged-out session's token", a.access, time.Now())
		s.accepted(t, "the user's other session", b.access, time.Second)
	})

	t.Run("logout all", func(t *testing.T) {
		a, b := s.login(t, "la@example.com"), s.login(t, "la@example.com")
		other := s.login(t, "la-other@example.com")
		s.accepted(t, "before the logout", b.access, 5*time.Second)
		mustCall(t, "POST", s.url+"/v1/auth/logout", a.access, map[string]string{"scope": "all"}, 204)
		at := time.Now()
		s.refused(t, "session a", a.access, at)
		s.refused(t, "session b", b.access, at)
		s.accepted(t, "another user", other.access, time.Second)
	})

	t.Run("refresh reuse", func(t *testing.T) {
		a := s.login(t, "ru@example.com")
		r := mustCall(t, "POST", s.url+"/v1/auth/refresh", "", map[string]string{"refresh_token": a.refresh}, 200)
		a1 := r.str("access_token")
		s.accepted(t, "the refreshed token", a1, 5*time.Second)
		if r := mustCall(t, "POST", s.url+"/v1/auth/refresh", "", map[string]string{"refresh_token": a.refresh}, 401); r.errorCode() != "token_reused" {
			t.Fatalf("reuse: %v", r.Body)
		}
		at := time.Now()
		s.refused(t, "the first token of the reused session", a.access, at)
		s.refused(t, "the refreshed token of the reused session", a1, at)
	})

	t.Run("disabled user", func(t *testing.T) {
		a, b := s.login(t, "du@example.com"), s.login(t, "du@example.com")
		id := mustCall(t, "GET", s.url+"/v1/me", a.access, nil, 200).str("id")
		s.accepted(t, "before disabling", a.access, 5*time.Second)
		mustCall(t, "POST", s.url+"/v1/admin/users/"+id+"/disable", admin, nil, 200)
		at := time.Now()
		s.refused(t, "a token of the disabled user", a.access, at)
		s.refused(t, "another token of the disabled user", b.access, at)
	})

	var rotated string
	t.Run("rotate", func(t *testing.T) {
		old := s.login(t, "rot@example.com")
		r := mustCall(t, "POST", s.url+"/v1/admin/keys/rotate", admin, nil, 200)
		switch {
		case r.Body["rotated"] == true:
			rotated = r.str("active_kid")
		case r.str("next_kid") != "" && r.str("activate_at") != "":
			// A next key signs only once it has been published for the
			// JWKS cache lifetime (1 s) plus auth.KeyPropagation (5 s)
			// since the server first saw it: soon after the start, the
			// promotion is scheduled, and the server's key check (every
			// 2.5 s) makes it.
			rotated = r.str("next_kid")
			for deadline := time.Now().Add(20 * time.Second); keyState(t, s.url, admin, rotated) != "active"; {
				if time.Now().After(deadline) {
					t.Fatalf("the scheduled rotation (%v) did not happen within 20 s", r.Body)
				}
				time.Sleep(100 * time.Millisecond)
			}
		default:
			t.Fatalf("rotate: %v", r.Body)
		}
		fresh := s.login(t, "rot@example.com")
		if kid(t, fresh.access) != rotated || kid(t, old.access) == rotated {
			t.Fatalf("kids: old %s, new %s, active %s", kid(t, old.access), kid(t, fresh.access), rotated)
		}
		// The new key was published before it signed: accepted at once,
		// with no restart; the retired key still verifies.
		s.accepted(t, "a token of the rotated-in key", fresh.access, time.Second)
		s.accepted(t, "a token of the retired key", old.access, time.Second)
	})

	t.Run("revoked kid", func(t *testing.T) {
		a, other := s.login(t, "rk@example.com"), s.login(t, "rk-other@example.com")
		if kid(t, a.access) != rotated || kid(t, other.access) != rotated {
			t.Fatalf("signed by %s, want %s", kid(t, a.access), rotated)
		}
		s.accepted(t, "before the revocation", a.access, time.Second)
		// With the CLI, in the store: the server sees it within its
		// --sync-interval, and puts it on the feed.
		wardRun(t, "keys", "revoke", "--data-dir", s.dataDir, "--", rotated)
		at := time.Now()
		s.refused(t, "a token of the revoked key", a.access, at)
		s.refused(t, "another user's token of the revoked key", other.access, at)
		// The replacement key signs; the resource servers fetch it (an
		// unknown kid refetches at most once per 30 s) without a restart.
		b := s.login(t, "rk@example.com")
		if kid(t, b.access) == rotated {
			t.Fatalf("still signed by the revoked key")
		}
		s.accepted(t, "a token of the replacement key", b.access, 40*time.Second)
	})

	t.Run("restart", func(t *testing.T) {
		live, victim := s.login(t, "live@example.com"), s.login(t, "victim@example.com")
		later := s.login(t, "later@example.com")
		s.accepted(t, "before the restart", live.access, 5*time.Second)
		s.accepted(t, "before the restart", victim.access, time.Second)
		// A valid token is never refused, before, during or after the
		// restart (by the servers with --refuse-when-stale: unless the
		// auth server was down for longer than the maximum staleness).
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var wrong []string
		var wrongStale []string
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				for _, tg := range s.targets {
					if st := s.status(tg.url, live.access); st != 200 {
						mu.Lock()
						w := fmt.Sprintf("%s: %d at %s", tg.name, st, time.Now().Format("15:04:05.000"))
						if tg.refuses && st == 503 {
							wrongStale = append(wrongStale, w)
						} else {
							wrong = append(wrong, w)
						}
						mu.Unlock()
					}
				}
			}
		})
		stopped := time.Now()
		if err := s.auth.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := s.auth.Wait(t, 15*time.Second); code != 0 {
			t.Fatalf("ward serve exit %d\n%s", code, s.auth.Output())
		}
		// While the auth server is down, an administrator ends the
		// victim's sessions in the store.
		wardRun(t, "user", "end-sessions", "--data-dir", s.dataDir, "victim@example.com")
		s.auth = wardtest.Serve(s.tb, s.bin, s.serveArgs...) // it outlives this subtest
		restarted := time.Now()
		down := restarted.Sub(stopped)
		// The feed resumes and misses nothing.
		s.waitStatus(t, "the revocation made while the auth server was down", victim.access, 401, 20*time.Second, s.targets)
		t.Logf("the revocation made while the auth server was down: refused everywhere %v after the restart", time.Since(restarted).Round(time.Millisecond))
		// And the resumed stream is live.
		mustCall(t, "POST", s.url+"/v1/auth/logout", later.access, map[string]string{"scope": "session"}, 204)
		s.refused(t, "a logout after the restart", later.access, time.Now())
		close(stop)
		wg.Wait()
		for _, w := range wrong {
			t.Errorf("a valid token was refused: %s", w)
		}
		if down < e2eMaxStaleness-time.Second {
			for _, w := range wrongStale {
				t.Errorf("a valid token was refused (the auth server was down %v, less than --max-staleness %v): %s", down, e2eMaxStaleness, w)
			}
		} else if len(wrongStale) > 0 {
			t.Logf("the auth server was down %v, about --max-staleness: --refuse-when-stale answered 503 %d times", down, len(wrongStale))
		}
	})

	t.Run("kill", func(t *testing.T) {
		valid, revoked := s.login(t, "kv@example.com"), s.login(t, "kr@example.com")
		mustCall(t, "POST", s.url+"/v1/auth/logout", revoked.access, map[string]string{"scope": "session"}, 204)
		s.refused(t, "before the kill", revoked.access, time.Now())
		s.accepted(t, "before the kill", valid.access, time.Second)
		if err := s.auth.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		s.auth.Wait(t, 10*time.Second)
		killed := time.Now()
		// The known keys and the replica keep working.
		s.waitStatus(t, "a valid token after the kill", valid.access, 200, time.Second, s.targets)
		s.waitStatus(t, "a revoked token after the kill", revoked.access, 401, time.Second, s.targets)
		var keep, refuse []e2eTarget
		for _, tg := range s.targets {
			if tg.refuses {
				refuse = append(refuse, tg)
			} else {
				keep = append(keep, tg)
			}
		}
		// After the maximum staleness, the servers with
		// --refuse-when-stale answer 503; the others keep answering from
		// the replica.
		s.waitStatus(t, "a valid token once the replica is stale", valid.access, 503, e2eMaxStaleness+10*time.Second, refuse)
		// Not at the disconnect: a premature refusal comes at once, while a
		// replica whose last heartbeat the loaded machine delayed goes
		// stale a little before the maximum staleness after the kill (the
		// old bound, max-staleness - heartbeat - 200 ms, failed whenever
		// that delay passed 200 ms).
		if since := time.Since(killed); since < e2eMaxStaleness/2 {
			t.Errorf("refused as stale %v after the kill, before the maximum staleness %v", since, e2eMaxStaleness)
		}
		t.Logf("--refuse-when-stale: 503 %v after the kill (--max-staleness %v)", time.Since(killed).Round(time.Millisecond), e2eMaxStaleness)
		s.waitStatus(t, "a valid token, stale replica, no refusal", valid.access, 200, time.Second, keep)
		s.waitStatus(t, "a revoked token, stale replica, no refusal", revoked.access, 401, time.Second, keep)
	})
}

// mustCallForm posts a form and fails the test unless it is answered 200.
func mustCallForm(t testing.TB, u string, form url.Values) apiResponse {
	t.Helper()
	res, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %d %v", u, res.StatusCode, body)
	}
	return apiResponse{Status: res.StatusCode, Body: body}
}

// tokenClaims returns the claims of a JWS token, unverified.
func tokenClaims(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", token)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	if err != nil || json.Unmarshal(data, &c) != nil {
		t.Fatalf("claims: %v", err)
	}
	return c
}

// nginxSite is one server block of the README's nginx snippet.
type nginxSite struct {
	fwdAuth, upstream string // base URLs
}

// startNginx runs nginx with the README's snippet, once per site, each on
// a free loopback port, and returns the sites' base URLs. Without nginx
// it returns nil, or fails the test when WARD_REQUIRE_SERVICES=1.
func startNginx(t testing.TB, sites []nginxSite) []string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			if os.Getenv("WARD_REQUIRE_SERVICES") == "1" {
				t.Fatalf("nginx is not installed and WARD_REQUIRE_SERVICES=1: %v", err)
			}
			return nil
		}
		bin = "/usr/sbin/nginx"
	}
	snippet := readmeNginxSnippet(t)
	dir := t.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "daemon off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log warn;\n", dir, dir)
	if os.Geteuid() == 0 {
		conf.WriteString("user root root;\n") // the temporary directories are root's
	}
	fmt.Fprintf(&conf, "events { worker_connections 256; }\nhttp {\n    access_log off;\n")
	for _, p := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&conf, "    %s_temp_path %s/%s;\n", p, dir, p)
	}
	var urls []string
	for i, site := range sites {
		addr := freeAddr(t)
		urls = append(urls, "http://"+addr)
		block := snippet
		for _, r := range [][2]string{
			{"listen 80;", "listen " + addr + ";"},
			{"127.0.0.1:9191", strings.TrimPrefix(site.fwdAuth, "http://")},
			{"127.0.0.1:8000", strings.TrimPrefix(site.upstream, "http://")},
			{"notes_app", fmt.Sprintf("notes_app_%d", i)},
			{"ward_fwdauth", fmt.Sprintf("ward_fwdauth_%d", i)},
		} {
			if !strings.Contains(block, r[0]) {
				t.Fatalf("the README's nginx snippet has no %q", r[0])
			}
			block = strings.ReplaceAll(block, r[0], r[1])
		}
		conf.WriteString(block)
	}
	conf.WriteString("}\n")
	confFile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir+"/", "-c", confFile, "-e", filepath.Join(dir, "error.log"))
	out := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx error log (its end):\n%s%s", log[max(0, len(log)-4096):], out)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for _, u := range urls {
		for {
			c, err := net.DialTimeout("tcp", strings.TrimPrefix(u, "http://"), time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-done:
				log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				t.Fatalf("nginx exited: %s%s", out, log)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("nginx does not listen on %s: %v", u, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return urls
}

// readmeNginxSnippet returns the nginx snippet of the README's section on
// forward auth: the tests run exactly what users are told to.
func readmeNginxSnippet(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Forward auth for nginx, Traefik and Envoy\n")
	m := regexp.MustCompile("(?s)\n```nginx\n(.*?)\n```\n").FindStringSubmatch(section)
	if !ok || m == nil {
		t.Fatal("README.md has no nginx snippet in its section \"Forward auth for nginx, Traefik and Envoy\"")
	}
	return m[1] + "\n"
}

// keyState is the state of the signing key kid in the admin API's list
// ("" if it is not there).
func keyState(t *testing.T, base, admin, kid string) string {
	t.Helper()
	r := mustCall(t, "GET", base+"/v1/admin/keys", admin, nil, 200)
	keys, _ := r.Body["keys"].([]any)
	for _, k := range keys {
		if m, ok := k.(map[string]any); ok && m["kid"] == kid {
			s, _ := m["state"].(string)
			return s
		}
	}
	return ""
}
