package server_test

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/revocation"
	"github.com/wardauth/ward/auth/sqlite"
	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
	"github.com/wardauth/ward/server"
)

// feedServer is `ward serve` on a fixed loopback address over a SQLite
// file, so that a test can stop it and start it again (a restart) while a
// feed client keeps the address.
type feedServer struct {
	t     testing.TB
	path  string // the SQLite file
	addr  string
	kek   []byte
	clock *clock
	logs  *syncBuffer
	opts  envOptions
	*env  // the running instance; nil while stopped
}

func newFeedServer(tb testing.TB, opts envOptions) *feedServer {
	tb.Helper()
	kek, err := auth.ParseKEK(auth.NewKEK())
	if err != nil {
		tb.Fatal(err)
	}
	fs := &feedServer{t: tb, path: filepath.Join(tb.TempDir(), "ward.db"), addr: "127.0.0.1:0", kek: kek,
		clock: newClock(), logs: &syncBuffer{}, opts: opts}
	fs.start()
	tb.Cleanup(fs.stop)
	return fs
}

// start opens the store and serves on fs.addr (the same port again after
// a stop).
func (fs *feedServer) start() {
	tb := fs.t
	tb.Helper()
	db, err := sqlite.Open(fs.path)
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(fs.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	acfg := auth.Config{Issuer: testIssuer, Now: fs.clock.Now, Logger: logger}
	if fs.opts.auth != nil {
		fs.opts.auth(&acfg)
	}
	svc, err := auth.NewService(context.Background(), db, fs.kek, acfg)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	scfg := server.Config{Logger: logger, FeedHeartbeat: 50 * time.Millisecond}
	if fs.opts.server != nil {
		fs.opts.server(&scfg)
	}
	srv := server.New(svc, scfg)
	var ln net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", fs.addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	fs.addr = ln.Addr().String()
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	fs.env = &env{t: tb, db: db, svc: svc, srv: srv, hs: hs, clock: fs.clock, logs: fs.logs, kek: fs.kek}
}

// stop kills the server: connections closed at once, store closed.
func (fs *feedServer) stop() {
	if fs.env == nil {
		return
	}
	fs.hs.CloseClientConnections()
	fs.hs.Close()
	fs.db.Close()
	fs.env = nil
}

func (fs *feedServer) url() string { return "http://" + fs.addr }

// feedClient registers a client with the feed permission.
func (e *env) feedClient() (id, secret string) {
	e.t.Helper()
	c, secret, err := e.svc.AddClient(context.Background(), auth.ClientSpec{Name: "resource server", Feed: true}, auth.RequestMeta{})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID, secret
}

// runFeed starts a feed client of the server at url and stops it when
// the test ends.
func runFeed(tb testing.TB, url, id, secret string, mod func(*httpauth.FeedConfig)) *httpauth.Feed {
	tb.Helper()
	cfg := httpauth.FeedConfig{Issuer: url, ClientID: id, ClientSecret: secret, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, IdleTimeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	f, err := httpauth.NewFeed(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			tb.Errorf("Feed.Run = %v", err)
		}
	})
	return f
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	// A generous deadline: a passing wait returns at once, and a loaded
	// machine (CI runs packages in parallel) must not fail a slow one.
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// token is an access token with what a resource server checks against
// the replica.
type token struct {
	raw string
	c   *auth.AccessClaims
	kid string
}

func (e *env) token(raw string) token {
	e.t.Helper()
	c, err := e.svc.Authenticate(context.Background(), raw)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := jws.UnsafeDecode(raw, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return token{raw: raw, c: c, kid: u.Header.KeyID}
}

func (tk token) check(f *httpauth.Feed) error { return f.Check(&tk.c.Claims, tk.c.SessionID, tk.kid) }

func waitRevoked(tb testing.TB, f *httpauth.Feed, what string, tk token) {
	tb.Helper()
	waitFor(tb, what+" refused by the feed", func() bool { return errors.Is(tk.check(f), jwt.ErrRevoked) })
}

func expectAccepted(tb testing.TB, f *httpauth.Feed, what string, tk token) {
	tb.Helper()
	if err := tk.check(f); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// TestFeedPermission: the feed answers only clients with the feed
// permission, authenticated with HTTP Basic: none or a bad secret → 401
// with a Basic challenge, no permission → 403, in Ward's JSON errors.
func TestFeedPermission(t *testing.T) {
	e := newEnv(t)
	id, secret := e.feedClient()
	plainID, plainSecret := e.addClient()
	for _, path := range []string{"/v1/revocations", "/v1/revocations/stream"} {
		r := e.do("GET", path, nil)
		expectStatus(t, r, http.StatusUnauthorized)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") || r.errorCode(t) != auth.CodeUnauthorized {
			t.Fatalf("%s without credentials: %v %s", path, r.header, r.body)
		}
		expectStatus(t, e.do("GET", path, nil, basic(id, secret+"x")...), http.StatusUnauthorized)
		expectStatus(t, e.do("GET", path, nil, basic("nobody", secret)...), http.StatusUnauthorized)
		r = e.do("GET", path, nil, basic(plainID, plainSecret)...)
		expectStatus(t, r, http.StatusForbidden)
		if r.errorCode(t) != auth.CodeForbidden {
			t.Fatalf("%s without the permission: %s", path, r.body)
		}
	}
	r := e.do("GET", "/v1/revocations", nil, basic(id, secret)...)
	expectStatus(t, r, http.StatusOK)
	if r.header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(string(r.body), `{"seq":`) {
		t.Fatalf("snapshot: %v %s", r.header, r.body)
	}
}

// TestFeedStreamProtocol: the stream's events as the contract gives them;
// no Last-Event-ID, one ahead of the store, or one whose mark does not
// match the store's row, gets "resync"; one that is not an event id, 400.
func TestFeedStreamProtocol(t *testing.T) {
	fs := newFeedServer(t, envOptions{})
	id, secret := fs.feedClient()
	open := func(last string) (*http.Response, *bufio.Reader) {
		req, _ := http.NewRequest("GET", fs.url()+"/v1/revocations/stream", nil)
		req.Header.Set("Authorization", basic(id, secret)[1])
		if last != "" {
			req.Header.Set("Last-Event-ID", last)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream: %s %v", resp.Status, resp.Header)
		}
		return resp, bufio.NewReader(resp.Body)
	}
	readEvent := func(r *bufio.Reader) string {
		var ev []string
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("after %q: %v", ev, err)
			}
			if l == "\n" {
				if len(ev) > 0 && ev[0] != ": ping" {
					return strings.Join(ev, "|")
				}
				ev = ev[:0]
				continue
			}
			ev = append(ev, strings.TrimSuffix(l, "\n"))
		}
	}
	for _, last := range []string{"", "999999.0123456789abcdef"} {
		_, r := open(last)
		if got := readEvent(r); got != "event: resync|data: {}" {
			t.Fatalf("Last-Event-ID %q: %q, want resync", last, got)
		}
		if _, err := r.ReadString('\n'); err == nil {
			t.Fatal("the stream goes on after resync")
		}
	}
	for _, last := range []string{"x", "999999", "01.0123456789abcdef", "1.0123456789ABCDEF", "1.0123"} {
		r := fs.do("GET", "/v1/revocations/stream", nil, append(basic(id, secret), "Last-Event-ID", last)...)
		expectStatus(t, r, http.StatusBadRequest)
	}

	_, stream := open("0")
	fs.signup("proto@example.com")
	tk := fs.token(fs.login("proto@example.com", testPassword).access)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(tk.raw)...), http.StatusNoContent)
	got := readEvent(stream)
	parts := strings.Split(got, "|")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "id: ") || parts[1] != "event: revocation" ||
		!strings.HasPrefix(parts[2], `data: {"kind":"session","sub":"`+tk.c.SessionID+`","nbf":`) ||
		!strings.HasSuffix(parts[2], `,"seq":`+strings.Split(strings.TrimPrefix(parts[0], "id: "), ".")[0]+"}") {
		t.Fatalf("event %q", got)
	}
	evID := strings.TrimPrefix(parts[0], "id: ")
	if _, err := revocation.ParseEventID(evID); err != nil {
		t.Fatalf("event id %q: %v", evID, err)
	}
	// The same sequence number with another mark: another store's row.
	seq, _, _ := strings.Cut(evID, ".")
	_, r := open(seq + ".0123456789abcdef")
	if got := readEvent(r); got != "event: resync|data: {}" {
		t.Fatalf("a foreign mark: %q, want resync", got)
	}
	// The event's own id resumes: the next event follows, no resync.
	_, stream = open(evID)
	tk2 := fs.token(fs.login("proto@example.com", testPassword).access)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(tk2.raw)...), http.StatusNoContent)
	if got := readEvent(stream); !strings.Contains(got, `"sub":"`+tk2.c.SessionID+`"`) {
		t.Fatalf("resumed at %s: %q", evID, got)
	}
}

// TestFeedRevocations: a feed client loads the snapshot (what was revoked
// before it started), then refuses, as their events arrive, a logged-out
// session's token, a revoked token ("jti"), a disabled user's tokens and
// a revoked key's tokens; tokens not revoked stay accepted.
func TestFeedRevocations(t *testing.T) {
	fs := newFeedServer(t, envOptions{})
	id, secret := fs.feedClient()
	_, adm := fs.admin("admin@example.com")
	before := fs.token(fs.login("admin@example.com", testPassword).access)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(before.raw)...), http.StatusNoContent)

	f := runFeed(t, fs.url(), id, secret, nil)
	if err := before.check(f); !errors.Is(err, httpauth.ErrUnavailable) && !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("before the snapshot: %v", err)
	}
	<-f.Ready()
	if err := before.check(f); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("a session ended before the snapshot: %v", err)
	}

	fs.signup("alice@example.com")
	uid := fs.signup("bob@example.com")
	alice := fs.token(fs.login("alice@example.com", testPassword).access)
	alice2 := fs.token(fs.login("alice@example.com", testPassword).access)
	bob := fs.token(fs.login("bob@example.com", testPassword).access)
	expectAccepted(t, f, "a valid token", alice)

	// Logout: the session.
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(alice.raw)...), http.StatusNoContent)
	waitRevoked(t, f, "a logged-out session's token", alice)
	expectAccepted(t, f, "the token of another session", alice2)

	// RFC 7009 revocation of an access token: its "jti".
	cid, csecret := fs.addClient("read")
	r := fs.do("POST", "/oauth2/token", formOf(map[string]string{"grant_type": "client_credentials"}), basic(cid, csecret)...)
	expectStatus(t, r, http.StatusOK)
	svcTok := fs.token(r.str(t, "access_token"))
	expectAccepted(t, f, "a client's token", svcTok)
	expectStatus(t, fs.do("POST", "/oauth2/revoke", formOf(map[string]string{"token": svcTok.raw}), basic(cid, csecret)...), http.StatusOK)
	waitRevoked(t, f, "a revoked access token", svcTok)

	// Disabling a user: all of their sessions.
	expectStatus(t, fs.do("POST", "/v1/admin/users/"+uid+"/disable", nil, bearer(adm)...), http.StatusOK)
	waitRevoked(t, f, "a disabled user's token", bob)
	expectAccepted(t, f, "another user's token", alice2)

	// Revoking the signing key: every token it signed.
	expectStatus(t, fs.do("POST", "/v1/admin/keys/"+alice2.kid+"/revoke", nil, bearer(adm)...), http.StatusNoContent)
	waitRevoked(t, f, "a token of a revoked key", alice2)

	if st := f.Status(); !st.Ready || st.Stale || st.Seq == 0 || st.Len < 5 || st.LoadedAt.IsZero() || st.LastEvent.Before(st.LoadedAt) {
		t.Fatalf("status %+v", st)
	}
}

// TestFeedResumeAfterRestart: the auth server restarts on the same SQLite
// file; what was revoked while it was down (here: while the feed could
// not connect) reaches the feed by resuming the stream, with no new
// snapshot, and no valid token is refused.
func TestFeedResumeAfterRestart(t *testing.T) {
	fs := newFeedServer(t, envOptions{})
	id, secret := fs.feedClient()
	fs.signup("carol@example.com")
	fs.signup("dave@example.com")
	var toks []token
	for range 4 {
		toks = append(toks, fs.token(fs.login("carol@example.com", testPassword).access))
	}
	dave := fs.token(fs.login("dave@example.com", testPassword).access)
	f := runFeed(t, fs.url(), id, secret, nil)
	<-f.Ready()
	loaded := f.Status().LoadedAt
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(toks[0].raw)...), http.StatusNoContent)
	waitRevoked(t, f, "a logout before the restart", toks[0])

	fs.stop()
	// Revocations while the server is down for the feed: made by the next
	// instance before it listens.
	db, err := sqlite.Open(fs.path)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.NewService(context.Background(), db, fs.kek, auth.Config{Issuer: testIssuer, Now: fs.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks[1:3] {
		if err := svc.Logout(context.Background(), tk.c, auth.LogoutSession, auth.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if err := toks[1].check(f); err != nil {
		t.Fatalf("the feed saw a revocation of a stopped server: %v", err)
	}
	fs.start()
	waitRevoked(t, f, "a logout while the server was down", toks[1])
	waitRevoked(t, f, "a second logout while the server was down", toks[2])
	expectAccepted(t, f, "a valid token of the same user", toks[3])
	expectAccepted(t, f, "another user's token", dave)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(toks[3].raw)...), http.StatusNoContent)
	waitRevoked(t, f, "a logout after the restart", toks[3])
	expectAccepted(t, f, "another user's token", dave)
	if st := f.Status(); !st.LoadedAt.Equal(loaded) {
		t.Fatalf("the feed took a new snapshot at %v (first at %v): it should have resumed", st.LoadedAt, loaded)
	}
}

// TestFeedResync: the server comes back on a store restored from an
// older backup, whose sequence is behind the feed's: the feed is told to
// resync, takes a new snapshot, and keeps what it held (revocations are
// never withdrawn).
func TestFeedResync(t *testing.T) {
	fs := newFeedServer(t, envOptions{})
	id, secret := fs.feedClient()
	fs.signup("erin@example.com")
	a := fs.token(fs.login("erin@example.com", testPassword).access)
	b := fs.token(fs.login("erin@example.com", testPassword).access)
	f := runFeed(t, fs.url(), id, secret, nil)
	<-f.Ready()
	loaded := f.Status().LoadedAt

	// The "backup": a copy of the store now. Then b's logout moves the
	// sequence past it.
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := fs.db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(b.raw)...), http.StatusNoContent)
	waitRevoked(t, f, "b's logout", b)

	fs.stop()
	fs.path = backup
	fs.start()
	waitFor(t, "a new snapshot", func() bool { return f.Status().LoadedAt.After(loaded) })
	waitRevoked(t, f, "b's logout after the resync", b)
	expectAccepted(t, f, "a's token", a)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(a.raw)...), http.StatusNoContent)
	waitRevoked(t, f, "a logout on the restored store", a)
}

// TestFeedResyncAfterRestoreAndWrites: the store is restored from an
// older backup and then, before the replica reconnects, writes new
// revocations whose sequence numbers reach past the replica's last event
// id. The replica must not resume after them as if it had seen them: its
// event id names a row the restored store does not hold, so the server
// asks for a resync and both new revocations are refused.
func TestFeedResyncAfterRestoreAndWrites(t *testing.T) {
	fs := newFeedServer(t, envOptions{})
	id, secret := fs.feedClient()
	fs.signup("ines@example.com")
	a := fs.token(fs.login("ines@example.com", testPassword).access)
	b := fs.token(fs.login("ines@example.com", testPassword).access)
	c := fs.token(fs.login("ines@example.com", testPassword).access)
	f := runFeed(t, fs.url(), id, secret, nil)
	<-f.Ready()

	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := fs.db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(b.raw)...), http.StatusNoContent)
	waitRevoked(t, f, "b's logout", b)
	seen := f.Status().Seq

	// The restored store serves on another port, out of the replica's
	// reach, while a's and c's logouts take the sequence numbers up to
	// and past the one the replica has seen.
	fs.stop()
	addr := fs.addr
	fs.path, fs.addr = backup, "127.0.0.1:0"
	fs.start()
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(a.raw)...), http.StatusNoContent)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(c.raw)...), http.StatusNoContent)
	if _, last, err := fs.svc.RevocationsSince(context.Background(), 0); err != nil || last <= seen {
		t.Fatalf("restored store at seq %d (%v); want past the replica's %d", last, err, seen)
	}
	fs.stop()
	fs.addr = addr
	fs.start()

	waitRevoked(t, f, "c's logout on the restored store", c)
	if err := a.check(f); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("a's token, revoked on the restored store at a sequence number the replica had seen: Check = %v; want ErrRevoked", err)
	}
}

// TestFeedNotReady: until a snapshot loads (here: never, the secret is
// wrong) Check refuses with ErrUnavailable and the status says not ready.
func TestFeedNotReady(t *testing.T) {
	fs := newFeedServer(t, envOptions{})
	id, secret := fs.feedClient()
	fs.signup("frank@example.com")
	tk := fs.token(fs.login("frank@example.com", testPassword).access)
	f := runFeed(t, fs.url(), id, secret+"x", nil)
	time.Sleep(100 * time.Millisecond) // a few refused attempts
	if err := tk.check(f); !errors.Is(err, httpauth.ErrUnavailable) {
		t.Fatalf("Check before the snapshot = %v, want ErrUnavailable", err)
	}
	if st := f.Status(); st.Ready || st.Stale {
		t.Fatalf("status %+v", st)
	}
	g := runFeed(t, fs.url(), id, secret, nil)
	<-g.Ready()
	expectAccepted(t, g, "a valid token once the snapshot loaded", tk)
}

// TestFeedStaleness: the auth server is killed; the replica keeps
// answering (revoked refused, valid accepted) until MaxStaleness, then the
// feed reports stale and, with RefuseWhenStale only, refuses every token.
// When the server comes back the feed is current again.
func TestFeedStaleness(t *testing.T) {
	fs := newFeedServer(t, envOptions{})
	id, secret := fs.feedClient()
	fs.signup("gina@example.com")
	revoked := fs.token(fs.login("gina@example.com", testPassword).access)
	valid := fs.token(fs.login("gina@example.com", testPassword).access)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(revoked.raw)...), http.StatusNoContent)
	// Heartbeats come every 50 ms: a maximum staleness 40 times that
	// keeps a loaded machine's scheduling stalls from making the feed
	// stale while the server runs (400 ms did, at about 350 ms of stall).
	const maxStale = 2 * time.Second
	keep := runFeed(t, fs.url(), id, secret, func(c *httpauth.FeedConfig) { c.MaxStaleness = maxStale })
	refuse := runFeed(t, fs.url(), id, secret, func(c *httpauth.FeedConfig) { c.MaxStaleness, c.RefuseWhenStale = maxStale, true })
	<-keep.Ready()
	<-refuse.Ready()
	// Heartbeats (every 50 ms here) keep both current.
	time.Sleep(maxStale + maxStale/4)
	for _, f := range []*httpauth.Feed{keep, refuse} {
		if st := f.Status(); st.Stale {
			t.Fatalf("stale while the server runs: %+v", st)
		}
		expectAccepted(t, f, "a valid token", valid)
		if err := revoked.check(f); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("revoked token: %v", err)
		}
	}

	fs.stop()
	killed := time.Now()
	for _, f := range []*httpauth.Feed{keep, refuse} {
		waitFor(t, "staleness", func() bool { return f.Status().Stale })
	}
	if d := time.Since(killed); d < maxStale/2 {
		t.Fatalf("stale %v after the kill, before MaxStaleness %v", d, maxStale)
	}
	expectAccepted(t, keep, "a valid token, stale without refusal", valid)
	if err := revoked.check(keep); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("revoked token, stale without refusal: %v", err)
	}
	for _, tk := range []token{valid, revoked} {
		if err := tk.check(refuse); !errors.Is(err, httpauth.ErrUnavailable) {
			t.Fatalf("stale with refusal: %v, want ErrUnavailable", err)
		}
	}

	fs.start()
	waitFor(t, "current again", func() bool { return !refuse.Status().Stale && !keep.Status().Stale })
	expectAccepted(t, refuse, "a valid token once current again", valid)
}

// TestFeedOutlivesServerTimeouts: a stream lives on past the server's
// read and write timeouts (here 200 ms, as http.Server applies them to a
// whole request), receiving heartbeats and then an event; and streams
// beyond FeedMaxSubscribers are refused with 503.
func TestFeedOutlivesServerTimeouts(t *testing.T) {
	fs := newFeedServer(t, envOptions{server: func(c *server.Config) { c.FeedMaxSubscribers = 1 }})
	id, secret := fs.feedClient()
	// The same handler, served with short whole-request timeouts.
	hs := httptest.NewUnstartedServer(fs.srv)
	hs.Config.ReadTimeout, hs.Config.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond
	hs.Start()
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	feedLogs := &syncBuffer{}
	f := runFeed(t, hs.URL, id, secret, func(c *httpauth.FeedConfig) { c.Logger = slog.New(slog.NewTextHandler(feedLogs, nil)) })
	<-f.Ready()
	waitFor(t, "the stream to open", func() bool { return f.Status().LastEvent.After(f.Status().LoadedAt) })

	r := fs.do("GET", "/v1/revocations/stream", nil, append(basic(id, secret), "Last-Event-ID", "0")...)
	expectStatus(t, r, http.StatusServiceUnavailable)
	if r.header.Get("Retry-After") == "" || r.errorCode(t) != auth.CodeUnavailable {
		t.Fatalf("over the subscriber limit: %v %s", r.header, r.body)
	}

	opened := f.Status().LastEvent
	time.Sleep(time.Second) // five times the timeouts
	fs.signup("hank@example.com")
	tk := fs.token(fs.login("hank@example.com", testPassword).access)
	expectStatus(t, fs.do("POST", "/v1/auth/logout", nil, bearer(tk.raw)...), http.StatusNoContent)
	waitRevoked(t, f, "a logout a second into the stream", tk)
	if st := f.Status(); !st.LoadedAt.Before(opened) {
		t.Fatalf("the feed reconnected and took a new snapshot: %+v", st)
	}
	if logs := feedLogs.String(); strings.Contains(logs, "disconnected") {
		t.Fatalf("the stream was cut: %s", logs)
	}
}

// TestFeedShutdown: a server shutting down ends its streams at once
// (http.Server does not wait for them to go idle), so Run returns well
// before its ShutdownTimeout; the feed client stays ready.
func TestFeedShutdown(t *testing.T) {
	e := newEnv(t)
	id, secret := e.feedClient()
	srv := server.New(e.svc, server.Config{ShutdownTimeout: time.Minute})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	// The client would wait a minute for a heartbeat (every 15 s by
	// default) before it hung up itself.
	f := runFeed(t, "http://"+ln.Addr().String(), id, secret, func(c *httpauth.FeedConfig) { c.IdleTimeout = time.Minute })
	<-f.Ready()
	time.Sleep(100 * time.Millisecond) // the stream is open
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run waited for the stream")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if !f.Status().Ready {
		t.Fatal("the feed is not ready after the server left")
	}
}

// TestFeedSyncWakesStreams: two instances share the SQLite file; a logout
// on one reaches a feed client of the other when that one's periodic Sync
// reads it (the wake-up the Redis bus will give sooner), with no
// heartbeat to poll the store in between.
func TestFeedSyncWakesStreams(t *testing.T) {
	a := newFeedServer(t, envOptions{})
	b := &feedServer{t: t, path: a.path, addr: "127.0.0.1:0", kek: a.kek, clock: a.clock, logs: &syncBuffer{},
		opts: envOptions{server: func(c *server.Config) { c.FeedHeartbeat = time.Hour }}}
	b.start()
	t.Cleanup(b.stop)
	id, secret := a.feedClient()
	a.signup("ivy@example.com")
	tk := a.token(a.login("ivy@example.com", testPassword).access)
	f := runFeed(t, b.url(), id, secret, func(c *httpauth.FeedConfig) { c.IdleTimeout = time.Hour })
	<-f.Ready()
	waitFor(t, "the stream to open", func() bool { return f.Status().LastEvent.After(f.Status().LoadedAt) })

	expectStatus(t, a.do("POST", "/v1/auth/logout", nil, bearer(tk.raw)...), http.StatusNoContent)
	time.Sleep(50 * time.Millisecond)
	expectAccepted(t, f, "before the other instance syncs", tk)
	if err := b.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitRevoked(t, f, "a logout on the other instance, after Sync", tk)
}
