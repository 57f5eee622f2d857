package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwk"
)

// The cluster tests run scripts/cluster.sh, the topology that README's
// "Scaling out" describes: three ward serve processes on one PostgreSQL
// schema and one Redis key prefix, with one key-encryption key, behind
// nginx doing round robin. They need PostgreSQL, Redis, psql and nginx,
// and are skipped with a message saying which is missing unless
// WARD_REQUIRE_SERVICES=1.

// wardCluster is a running scripts/cluster.sh, stopped when its test ends.
type wardCluster struct {
	dir       string
	bin       string
	proxy     string   // nginx's URL: the issuer
	instances []string // each ward serve's URL
	dsn, kek  string
}

// clusterNeeds skips t (or fails it with WARD_REQUIRE_SERVICES=1) when
// what scripts/cluster.sh needs is missing, and returns the PostgreSQL URL.
func clusterNeeds(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"psql", "nginx"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, serr := os.Stat("/usr/sbin/" + tool); serr != nil {
				authtest.Unreachable(t, tool, err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.URL())
	if err != nil {
		authtest.Unreachable(t, "PostgreSQL", err)
	}
	conn.Close(ctx)
	return pgtest.URL()
}

// startCluster runs scripts/cluster.sh with the ward binary bin, Redis at
// redisURL ("none": without Redis) and more ward serve flags.
func startCluster(t *testing.T, bin, redisURL string, serveFlags ...string) *wardCluster {
	t.Helper()
	pgURL := clusterNeeds(t)
	c := &wardCluster{dir: filepath.Join(t.TempDir(), "cluster"), bin: bin}
	proxyAddr := freeAddr(t)
	script, err := filepath.Abs("../../scripts/cluster.sh")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"CLUSTER_DIR=" + c.dir, "WARD_BIN=" + bin, "PG_URL=" + pgURL, "REDIS_URL=" + redisURL,
		"PROXY_ADDR=" + proxyAddr, "SERVE_FLAGS=" + strings.Join(append([]string{"--log-level", "warn"}, serveFlags...), " ")}
	run := func(arg string) ([]byte, error) {
		cmd := exec.Command(script, arg)
		cmd.Env = append(os.Environ(), "WARD_KEK=", "WARD_KEK_FILE=", "WARD_DATA_DIR=", "WARD_DB=", "WARD_REDIS=", "WARD_LIMITS=")
		cmd.Env = append(cmd.Env, env...)
		return cmd.CombinedOutput()
	}
	out, err := run("start")
	t.Cleanup(func() {
		if t.Failed() {
			for i := range 3 {
				log, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("ward%d.log", i+1)))
				t.Logf("instance %d's log (its end):\n%s", i+1, log[max(0, len(log)-3000):])
			}
		}
		if out, err := run("stop"); err != nil {
			t.Errorf("cluster.sh stop: %v\n%s", err, out)
		}
	})
	if err != nil {
		t.Fatalf("cluster.sh start: %v\n%s", err, out)
	}
	c.proxy = "http://" + proxyAddr
	data, err := os.ReadFile(filepath.Join(c.dir, "instances"))
	if err != nil {
		t.Fatal(err)
	}
	c.instances = strings.Fields(string(data))
	if len(c.instances) != 3 {
		t.Fatalf("cluster.sh started %d instances: %s", len(c.instances), out)
	}
	c.kek = filepath.Join(c.dir, "kek")
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "admin:"); ok {
			if _, after, ok := strings.Cut(rest, "--db '"); ok {
				c.dsn, _, _ = strings.Cut(after, "'")
			}
		}
	}
	if c.dsn == "" {
		t.Fatalf("cluster.sh printed no DSN:\n%s", out)
	}
	return c
}

// pid returns the process id of instance i (0-based).
func (c *wardCluster) pid(t *testing.T, i int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("ward%d.pid", i+1)))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// admin runs a ward admin command on the cluster's store.
func (c *wardCluster) admin(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.bin, append(args, "--db", c.dsn, "--kek-file", c.kek)...)
	cmd.Env = append(os.Environ(), "WARD_KEK=", "WARD_KEK_FILE=", "WARD_DATA_DIR="+t.TempDir(), "WARD_DB=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ward %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// resourceServer starts an httpauth resource server that verifies the
// cluster's tokens with its JWKS and follows its revocation feed, both
// through the proxy, and returns its URL once the feed has loaded.
func (c *wardCluster) resourceServer(t *testing.T) string {
	t.Helper()
	out := c.admin(t, "client", "add", "--feed", "cluster-test-feed")
	vals := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vals[k] = strings.Trim(v, `'"`)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	feed, err := httpauth.NewFeed(httpauth.FeedConfig{Issuer: c.proxy, ClientID: vals["client_id"], ClientSecret: vals["client_secret"], MaxStaleness: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); feed.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	keys, err := httpauth.NewRemoteKeySet(ctx, httpauth.RemoteKeySetConfig{Issuer: c.proxy})
	if err != nil {
		t.Fatal(err)
	}
	a, err := httpauth.New(httpauth.Config{Issuer: c.proxy, Audience: c.proxy, Algorithms: []jwk.Algorithm{auth.DefaultSigningAlg}, Keys: keys, Revocations: feed})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	})))
	t.Cleanup(srv.Close)
	deadline := time.Now().Add(10 * time.Second)
	for !feed.Status().Ready {
		if time.Now().After(deadline) {
			t.Fatal("the resource server's feed did not load within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return srv.URL
}

// upstreamCall posts a JSON body through the proxy and returns the status
// and the instance that answered (nginx's X-Upstream).
func upstreamCall(t *testing.T, url string, body map[string]string) (int, string) {
	t.Helper()
	b := fmt.Sprintf(`{"email":%q,"password":%q}`, body["email"], body["password"])
	res, err := http.Post(url, "application/json", strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("X-Upstream")
}

// waitRefused polls GET url with the access token until it answers 401,
// for at most within; it returns how long that took.
func waitRefused(t *testing.T, url, token string, from time.Time, within time.Duration) time.Duration {
	t.Helper()
	for {
		if statusOf(t, url, token) == http.StatusUnauthorized {
			return time.Since(from)
		}
		if time.Since(from) > within {
			t.Fatalf("GET %s still accepts the logged-out access token %v after the logout", url, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCluster runs the acceptance tests of issue 9 on clusters of three
// instances started by scripts/cluster.sh.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs clusters of ward serve processes; skipped with -short")
	}
	clusterNeeds(t)
	redisURL := authtest.RedisURL(t)
	bin := buildWard(t)

	t.Run("grace", func(t *testing.T) {
		c := startCluster(t, bin, redisURL, "--limits", "login-account=3/1h", "--jwks-cache-ttl", "1s")
		t.Run("LogoutEverywhere", func(t *testing.T) { testClusterLogout(t, c) })
		t.Run("RefreshRace", func(t *testing.T) { testClusterRefreshRace(t, c, true) })
		t.Run("SharedLimit", func(t *testing.T) { testClusterSharedLimit(t, c) })
		t.Run("RotateKeys", func(t *testing.T) { testClusterRotateKeys(t, c) })
	})
	t.Run("nograce", func(t *testing.T) {
		c := startCluster(t, bin, redisURL, "--refresh-grace", "0s")
		t.Run("RefreshRace", func(t *testing.T) { testClusterRefreshRace(t, c, false) })
	})
	t.Run("KillOne", func(t *testing.T) { testClusterKill(t, bin, redisURL) })
	t.Run("RedisDown", func(t *testing.T) { testClusterRedisDown(t, bin) })
}

// testClusterRotateKeys: with a JWKS cache lifetime (1s) far shorter
// than the sync interval (5s), two rotations in a row are asked for
// through the admin API, the second of the next key that the first made.
// Polling every instance's JWKS directly while minting client_credentials
// tokens through the proxy and on each instance, no token ever carries a
// kid missing from any instance's JWKS fetched just before it (or just
// after), every instance soon signs with the new key, and the old key
// stays published.
func testClusterRotateKeys(t *testing.T, c *wardCluster) {
	added := c.admin(t, "client", "add", "cluster-test-rotation")
	id, secret := envValue(added, "client_id"), envValue(added, "client_secret")
	mint := func(base string) string {
		t.Helper()
		return mustCallForm(t, base+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}).str("access_token")
	}
	jwks := func() [][]string {
		t.Helper()
		var sets [][]string
		for _, u := range c.instances {
			sets = append(sets, jwksKids(t, u))
		}
		return sets
	}
	// Through the admin API, the instance that answers schedules the
	// promotion with the cluster's JWKS cache lifetime (ward keys rotate
	// would use its own, the default 5m).
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(testPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	c.admin(t, "user", "add", "--role", "admin", "--password-file", pw, "rotation-admin@example.com")
	adm := mustCall(t, "POST", c.proxy+"/v1/auth/login", "", map[string]string{"email": "rotation-admin@example.com", "password": testPassword}, 200).str("access_token")
	old := kid(t, mint(c.proxy))
	for round := 1; round <= 2; round++ {
		// The first next key may have been published long enough to be
		// promoted at once; the second was made by the first rotation.
		res := mustCall(t, "POST", c.proxy+"/v1/admin/keys/rotate", adm, nil, 200)
		next := res.str("next_kid")
		if res.Body["rotated"] == true {
			next = res.str("active_kid")
		} else if res.str("active_kid") != old {
			t.Fatalf("rotation %d: %v, active key %s before", round, res.Body, old)
		}
		if next == "" || next == old {
			t.Fatalf("rotation %d: %v", round, res.Body)
		}
		asked := time.Now()
		tokens := 0
		for {
			before := jwks()
			var kids []string
			for _, u := range append([]string{c.proxy}, c.instances...) {
				kids = append(kids, kid(t, mint(u)))
			}
			tokens += len(kids)
			after := jwks()
			for _, k := range kids {
				for i := range c.instances {
					if !slices.Contains(before[i], k) || !slices.Contains(after[i], k) {
						t.Fatalf("rotation %d, %v after it was asked for: a token signed by %s, not in the JWKS of instance %d: %v before, %v after",
							round, time.Since(asked).Round(time.Millisecond), k, i+1, before[i], after[i])
					}
				}
			}
			// kids[1:] were minted on each instance directly.
			if k := kids[1]; k != old && k == kids[2] && k == kids[3] {
				if k != next {
					t.Fatalf("rotation %d: the instances sign with %s, not with the next key %s", round, k, next)
				}
				break
			}
			if time.Since(asked) > 15*time.Second {
				t.Fatalf("rotation %d: the instances still sign with %v %v after it was asked for", round, kids[1:], time.Since(asked).Round(time.Millisecond))
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("rotation %d (at once: %v): every instance signs with the new key %v after it was asked for (%d tokens checked against every JWKS)",
			round, res.Body["rotated"], time.Since(asked).Round(time.Millisecond), tokens)
		for i, set := range jwks() {
			if !slices.Contains(set, old) {
				t.Errorf("instance %d no longer publishes the old key %s, whose tokens are valid", i+1, old)
			}
		}
		old = next
	}
}

// testClusterLogout: sign up and log in on the first instance, refresh on
// the second, log out on the third: within 1 s every instance and an
// httpauth resource server refuse the access tokens of the session.
func testClusterLogout(t *testing.T, c *wardCluster) {
	rs := c.resourceServer(t)
	creds := map[string]string{"email": "ann@example.com", "password": testPassword}
	mustCall(t, "POST", c.instances[0]+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", c.instances[0]+"/v1/auth/login", "", creds, 200)
	ref := mustCall(t, "POST", c.instances[1]+"/v1/auth/refresh", "", map[string]string{"refresh_token": login.str("refresh_token")}, 200)
	at1, at2 := login.str("access_token"), ref.str("access_token")
	targets := append(append([]string{}, c.instances...), rs)
	for _, u := range targets {
		mustCall(t, "GET", u+"/v1/me", at2, nil, 200)
	}
	mustCall(t, "POST", c.instances[2]+"/v1/auth/logout", at2, map[string]string{"scope": "session"}, 204)
	loggedOut := time.Now()
	for _, u := range targets {
		for _, at := range []string{at2, at1} {
			d := waitRefused(t, u+"/v1/me", at, loggedOut, time.Second)
			t.Logf("%s refuses the token %v after the logout", u, d.Round(time.Millisecond))
		}
	}
	r := mustCall(t, "POST", c.proxy+"/v1/auth/refresh", "", map[string]string{"refresh_token": ref.str("refresh_token")}, 401)
	if r.errorCode() != auth.CodeSessionEnded {
		t.Errorf("refresh after the logout: %v", r.Body)
	}
}

// testClusterRefreshRace: 50 concurrent refreshes of one refresh token,
// spread over the three instances, never fork the chain. With a grace
// window every one gets the same new refresh token; without, exactly one
// succeeds and the session ends.
func testClusterRefreshRace(t *testing.T, c *wardCluster, grace bool) {
	creds := map[string]string{"email": fmt.Sprintf("race-%v@example.com", grace), "password": testPassword}
	mustCall(t, "POST", c.proxy+"/v1/auth/signup", "", creds, 201)
	rt := mustCall(t, "POST", c.proxy+"/v1/auth/login", "", creds, 200).str("refresh_token")
	const n = 50
	type result struct {
		status int
		code   string
		rt, at string
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	for i := range n {
		wg.Go(func() {
			<-start
			r, err := call(client, "POST", c.instances[i%3]+"/v1/auth/refresh", "", map[string]string{"refresh_token": rt})
			if err != nil {
				t.Errorf("refresh %d: %v", i, err)
				return
			}
			results[i] = result{r.Status, r.errorCode(), r.str("refresh_token"), r.str("access_token")}
		})
	}
	close(start)
	wg.Wait()
	ok, newRT := 0, map[string]bool{}
	var winner result
	for i, r := range results {
		switch {
		case r.status == 200:
			ok++
			newRT[r.rt] = true
			winner = r
		case grace:
			t.Errorf("refresh %d (instance %d) with grace: %d %s", i, i%3+1, r.status, r.code)
		case r.status != 401 || r.code != auth.CodeTokenReused:
			t.Errorf("refresh %d (instance %d) without grace: %d %s, want 401 %s", i, i%3+1, r.status, r.code, auth.CodeTokenReused)
		}
	}
	t.Logf("grace %v: %d of %d refreshes succeeded, %d distinct new refresh tokens", grace, ok, n, len(newRT))
	if grace {
		if ok != n || len(newRT) != 1 {
			t.Fatalf("with grace: %d successes and %d new refresh tokens; want %d and 1", ok, len(newRT), n)
		}
		// The chain goes on from the one new token.
		mustCall(t, "POST", c.proxy+"/v1/auth/refresh", "", map[string]string{"refresh_token": winner.rt}, 200)
		return
	}
	if ok != 1 {
		t.Fatalf("without grace: %d successes, want exactly 1", ok)
	}
	// The reuse ended the session: the winner's token is refused too,
	// and so, on every instance, is its access token.
	r := mustCall(t, "POST", c.proxy+"/v1/auth/refresh", "", map[string]string{"refresh_token": winner.rt}, 401)
	if code := r.errorCode(); code != auth.CodeTokenReused && code != auth.CodeSessionEnded {
		t.Errorf("the winner's refresh token after the reuse: %v", r.Body)
	}
	from := time.Now()
	for _, u := range c.instances {
		waitRefused(t, u+"/v1/me", winner.at, from, 5*time.Second)
	}
}

// testClusterSharedLimit: wrong passwords for one account, sent through
// the round-robin proxy so that every instance gets some, hit one limit of
// 3 (--limits login-account=3/1h): the fourth is answered 429.
func testClusterSharedLimit(t *testing.T, c *wardCluster) {
	creds := map[string]string{"email": "limited@example.com", "password": testPassword}
	mustCall(t, "POST", c.proxy+"/v1/auth/signup", "", creds, 201)
	wrong := map[string]string{"email": creds["email"], "password": "not the password at all"}
	seen := map[string]bool{}
	for i := range 12 {
		status, upstream := upstreamCall(t, c.proxy+"/v1/auth/login", wrong)
		seen[upstream] = true
		switch {
		case i < 3 && status != 401:
			t.Fatalf("wrong password %d (answered by %s): %d, want 401", i+1, upstream, status)
		case i >= 3 && status != 429:
			t.Fatalf("wrong password %d (answered by %s): %d, want 429: the limit is not shared", i+1, upstream, status)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("the proxy spread 12 requests over %d instances (%v), want 3", len(seen), seen)
	}
	// The right password is limited too (the account and address), on
	// every instance.
	for _, u := range c.instances {
		if s, _ := upstreamCall(t, u+"/v1/auth/login", creds); s != 429 {
			t.Errorf("%s: the right password after the limit: %d, want 429", u, s)
		}
	}
}

// clusterSession is what the burst of testClusterKill learned about one
// session from the answers it got.
type clusterSession struct {
	email    string
	refresh  string // the last refresh token answered
	inFlight bool   // a refresh got no answer (502: its instance died)
}

// testClusterKill: kill -9 one instance during a burst of sign-ups, logins
// and refreshes through the proxy; every write answered with success is
// in PostgreSQL afterwards, as the survivors show.
func testClusterKill(t *testing.T, bin, redisURL string) {
	c := startCluster(t, bin, redisURL, "--limits", "off")
	const workers = 12
	var (
		mu        sync.Mutex
		signedUp  []string
		sessions  []*clusterSession
		failures  []string
		acked     atomic.Int64
		stop      atomic.Bool
		wg        sync.WaitGroup
		transport = &http.Transport{MaxIdleConnsPerHost: workers}
		client    = &http.Client{Timeout: 30 * time.Second, Transport: transport}
	)
	defer transport.CloseIdleConnections()
	fail := func(what string, r apiResponse) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf("%s: %d %v", what, r.Status, r.Body))
	}
	// unanswered: the request's instance died under it (nginx says 502),
	// or every hashing slot stayed taken (503): nothing was acknowledged.
	unanswered := func(r apiResponse, err error) bool {
		return err != nil || r.Status == http.StatusBadGateway || r.Status == http.StatusServiceUnavailable
	}
	for w := range workers {
		wg.Go(func() {
			for n := 0; !stop.Load(); n++ {
				email := fmt.Sprintf("burst%d-%d@example.com", w, n)
				creds := map[string]string{"email": email, "password": testPassword}
				r, err := call(client, "POST", c.proxy+"/v1/auth/signup", "", creds)
				if unanswered(r, err) {
					continue
				} else if r.Status != 201 {
					fail("signup", r)
					return
				}
				mu.Lock()
				signedUp = append(signedUp, email)
				mu.Unlock()
				acked.Add(1)
				r, err = call(client, "POST", c.proxy+"/v1/auth/login", "", creds)
				if unanswered(r, err) {
					continue
				} else if r.Status != 200 {
					fail("login", r)
					return
				}
				s := &clusterSession{email: email, refresh: r.str("refresh_token")}
				mu.Lock()
				sessions = append(sessions, s)
				mu.Unlock()
				for range 5 {
					r, err := call(client, "POST", c.proxy+"/v1/auth/refresh", "", map[string]string{"refresh_token": s.refresh})
					mu.Lock()
					switch {
					case unanswered(r, err):
						s.inFlight = true
					case r.Status == 200:
						s.refresh = r.str("refresh_token")
					default:
						failures = append(failures, fmt.Sprintf("refresh: %d %v", r.Status, r.Body))
					}
					mu.Unlock()
					if s.inFlight || r.Status != 200 {
						break
					}
					acked.Add(1)
				}
			}
		})
	}
	waitAcked := func(n int64) {
		deadline := time.Now().Add(60 * time.Second)
		for acked.Load() < n {
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("only %d acknowledged writes within 60s", acked.Load())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitAcked(150)
	victim := c.pid(t, 1)
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The burst goes on through the proxy to the survivors.
	waitAcked(acked.Load() + 150)
	stop.Store(true)
	wg.Wait()
	for _, f := range failures {
		t.Errorf("during the burst: %s", f)
	}
	// Killed, it may stay a zombie until the process that adopted it
	// (cluster.sh has exited) reaps it: a zombie is dead.
	for deadline := time.Now().Add(10 * time.Second); running(victim); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("instance 2 (pid %d) survived kill -9", victim)
		}
	}
	survivors := []string{c.instances[0], c.instances[2]}
	inFlight := 0
	for i, s := range sessions {
		u := survivors[i%2]
		r := mustCallAny(t, "POST", u+"/v1/auth/refresh", map[string]string{"refresh_token": s.refresh})
		switch {
		case r.Status == 200:
		case s.inFlight && r.Status == 401 && r.errorCode() == auth.CodeTokenReused:
			// Its last refresh committed and the grace window has passed.
		default:
			t.Errorf("%s: refresh of the last acknowledged token on %s: %d %v (a refresh in flight at the kill: %v)", s.email, u, r.Status, r.Body, s.inFlight)
		}
		if s.inFlight {
			inFlight++
		}
	}
	for i, email := range signedUp {
		mustCall(t, "POST", survivors[i%2]+"/v1/auth/login", "", map[string]string{"email": email, "password": testPassword}, 200)
	}
	t.Logf("acknowledged: %d sign-ups, %d logins, %d writes in all; %d refreshes unanswered at the kill", len(signedUp), len(sessions), acked.Load(), inFlight)
}

// privateRedis runs a redis-server of the test's own on a free port,
// which the test can stop and start again; it returns its URL and the
// start and stop functions.
func privateRedis(t *testing.T) (url string, start, stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		authtest.Unreachable(t, "redis-server", err)
	}
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	var cmd *exec.Cmd
	var done chan struct{}
	stop = func() {
		if cmd == nil {
			return
		}
		cmd.Process.Kill()
		<-done
		cmd = nil
	}
	start = func() {
		cmd = exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done = make(chan struct{})
		go func(c *exec.Cmd, done chan struct{}) { c.Wait(); close(done) }(cmd, done)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("redis-server on %s did not listen within 10s", addr)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	start()
	t.Cleanup(stop)
	return "redis://" + addr + "/0", start, stop
}

// waitReadyStatus polls each URL's /readyz until it answers 200 with
// status.
func waitReadyStatus(t *testing.T, status string, urls ...string) {
	t.Helper()
	for _, u := range urls {
		deadline := time.Now().Add(15 * time.Second)
		for {
			r, err := call(http.DefaultClient, "GET", u+"/readyz", "", nil)
			if err == nil && r.Status == 200 && r.str("status") == status {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s/readyz: %d %v, want 200 %q", u, r.Status, r.Body, status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// testClusterRedisDown: with the cluster's own Redis stopped, /readyz says
// degraded on every instance; logins, refreshes and logouts still work,
// and a logout on one instance reaches the others at the sync interval
// (500 ms here) from PostgreSQL. When Redis is back, /readyz is "ready".
func testClusterRedisDown(t *testing.T, bin string) {
	const syncInterval = 500 * time.Millisecond
	redisURL, startRedis, stopRedis := privateRedis(t)
	c := startCluster(t, bin, redisURL, "--sync-interval", syncInterval.String())
	waitReadyStatus(t, "ready", c.instances...)
	creds := map[string]string{"email": "cara@example.com", "password": testPassword}
	mustCall(t, "POST", c.proxy+"/v1/auth/signup", "", creds, 201)

	stopRedis()
	waitReadyStatus(t, "degraded", c.instances...)
	for round := range 2 {
		login := mustCall(t, "POST", c.instances[round]+"/v1/auth/login", "", creds, 200)
		ref := mustCall(t, "POST", c.instances[round+1]+"/v1/auth/refresh", "", map[string]string{"refresh_token": login.str("refresh_token")}, 200)
		at := ref.str("access_token")
		for _, u := range c.instances {
			mustCall(t, "GET", u+"/v1/me", at, nil, 200)
		}
		mustCall(t, "POST", c.instances[(round+2)%3]+"/v1/auth/logout", at, map[string]string{"scope": "session"}, 204)
		loggedOut := time.Now()
		// The sync interval, plus a margin for a reload in progress and a
		// loaded machine.
		for _, u := range c.instances {
			d := waitRefused(t, u+"/v1/me", at, loggedOut, 2*syncInterval+time.Second)
			t.Logf("Redis down: %s refuses the logged-out token %v after the logout", u, d.Round(time.Millisecond))
		}
		mustCall(t, "POST", c.proxy+"/v1/auth/refresh", "", map[string]string{"refresh_token": ref.str("refresh_token")}, 401)
	}

	startRedis()
	waitReadyStatus(t, "ready", c.instances...)
	login := mustCall(t, "POST", c.instances[0]+"/v1/auth/login", "", creds, 200)
	mustCall(t, "POST", c.instances[1]+"/v1/auth/logout", login.str("access_token"), map[string]string{"scope": "session"}, 204)
	loggedOut := time.Now()
	for _, u := range c.instances {
		waitRefused(t, u+"/v1/me", login.str("access_token"), loggedOut, time.Second)
	}
}

// running reports whether the process pid exists and is not a zombie
// (killed, not yet reaped by its parent).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: a zombie counts as running
	}
	// pid (comm) state …: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
