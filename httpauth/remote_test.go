package httpauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
)

// testIssuer is an issuer on loopback HTTP: RFC 8414 metadata and a JWKS
// whose keys, Cache-Control and failures the test sets.
type testIssuerServer struct {
	srv   *httptest.Server
	jwks  atomic.Int64 // JWKS requests served
	mu    sync.Mutex
	keys  []*jwk.PrivateKey
	cc    string // Cache-Control of the JWKS
	body  []byte // if set, served instead of the keys
	code  int    // if set, the status of the JWKS
	delay time.Duration
}

func newTestIssuerServer(t *testing.T, keys ...*jwk.PrivateKey) *testIssuerServer {
	t.Helper()
	is := &testIssuerServer{keys: keys, cc: "public, max-age=3600"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"issuer":"` + is.srv.URL + `","jwks_uri":"` + is.srv.URL + `/jwks","token_endpoint":"` + is.srv.URL + `/oauth2/token"}`))
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		is.jwks.Add(1)
		is.mu.Lock()
		body, code, cc, delay := is.body, is.code, is.cc, is.delay
		var pubs []jwk.Key
		for _, k := range is.keys {
			pubs = append(pubs, k.Public())
		}
		is.mu.Unlock()
		time.Sleep(delay)
		if code != 0 {
			w.WriteHeader(code)
			return
		}
		if body == nil {
			set, err := jwk.NewSet(pubs...)
			if err == nil {
				body, err = set.MarshalJSON()
			}
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		w.Header().Set("Cache-Control", cc)
		w.Write(body)
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *testIssuerServer) set(fn func(is *testIssuerServer)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	fn(is)
}

func newRemote(t *testing.T, is *testIssuerServer, mod func(*RemoteKeySetConfig)) *RemoteKeySet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := RemoteKeySetConfig{Issuer: is.srv.URL, MinCacheTTL: time.Hour}
	if mod != nil {
		mod(&cfg)
	}
	k, err := NewRemoteKeySet(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// remoteFixture is an authenticator over a RemoteKeySet of a loopback
// issuer.
func remoteFixture(t *testing.T, is *testIssuerServer, key *jwk.PrivateKey, mod func(*RemoteKeySetConfig)) (*fixture, *RemoteKeySet) {
	t.Helper()
	rk := newRemote(t, is, mod)
	f := newFixture(t, func(c *Config) { c.Keys = rk; c.CacheSize = 64 })
	f.key = key
	return f, rk
}

// eventually polls cond until it holds or 10 seconds have passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRemoteKeySetDiscovery(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	f, rk := remoteFixture(t, is, key, nil)
	if _, err := f.a.Authenticate(bearerRequest("GET", f.token(t, nil))); err != nil {
		t.Fatal(err)
	}
	if rk.Fetches() != 1 || is.jwks.Load() != 1 {
		t.Fatalf("Fetches = %d, served %d; want 1", rk.Fetches(), is.jwks.Load())
	}
	// The same keys fetched again keep the same set, so the
	// authenticator keeps its verifier and its cache.
	before, _ := rk.KeySet()
	if err := rk.fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after, _ := rk.KeySet(); after != before {
		t.Fatal("an unchanged JWKS replaced the key set")
	}
}

// TestRemoteKeySetRotation: the issuer starts signing with a new key;
// tokens of the new key are accepted without a restart, and tokens of the
// old key as long as the issuer publishes it.
func TestRemoteKeySetRotation(t *testing.T) {
	t.Parallel()
	k1, k2 := newSigningKey(t, jwk.ES256), newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, k1)
	f, rk := remoteFixture(t, is, k1, func(c *RemoteKeySetConfig) { c.MinRefetchInterval = 20 * time.Millisecond })
	old := f.token(t, nil)
	if _, err := f.a.Authenticate(bearerRequest("GET", old)); err != nil {
		t.Fatal(err)
	}
	is.set(func(is *testIssuerServer) { is.keys = []*jwk.PrivateKey{k1, k2} })
	f.key = k2
	fresh := f.token(t, nil)
	eventually(t, "a token of the new key to be accepted", func() bool {
		_, err := f.a.Authenticate(bearerRequest("GET", fresh))
		return err == nil
	})
	if _, err := f.a.Authenticate(bearerRequest("GET", old)); err != nil {
		t.Fatalf("old key's token after rotation: %v", err)
	}
	// The old key is dropped: its tokens go, even from the cache.
	is.set(func(is *testIssuerServer) { is.keys = []*jwk.PrivateKey{k2} })
	time.Sleep(25 * time.Millisecond)
	if err := rk.fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Authenticate(bearerRequest("GET", old)); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of a dropped key: %v", err)
	}
}

// TestRemoteKeySetUnknownKidStorm: 10,000 tokens with random unknown kids,
// from 8 goroutines, cause no more JWKS fetches than MinRefetchInterval
// allows: one at start, plus one per interval begun during the storm.
func TestRemoteKeySetUnknownKidStorm(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	const interval = 50 * time.Millisecond
	f, rk := remoteFixture(t, is, key, func(c *RemoteKeySetConfig) { c.MinRefetchInterval = interval })
	forger := newSigningKey(t, jwk.ES256)
	const n = 10000
	toks := make([]string, n)
	for i := range toks {
		toks[i] = signToken(t, forger.WithKeyID(randomID()), "at+jwt", f.claims())
	}
	start := time.Now()
	var wg sync.WaitGroup
	var accepted atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 8 {
				if _, err := f.a.Authenticate(bearerRequest("GET", toks[i])); err == nil {
					accepted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	allowed := 1 + 1 + int64(elapsed/interval)
	got := rk.Fetches()
	t.Logf("%d forged kids in %v: %d JWKS fetches (bound %d)", n, elapsed, got, allowed)
	if accepted.Load() != 0 {
		t.Fatalf("%d forged tokens accepted", accepted.Load())
	}
	if got > allowed || is.jwks.Load() != got {
		t.Fatalf("%d JWKS fetches (%d served) for %d unknown kids in %v; the bounded rate allows %d", got, is.jwks.Load(), n, elapsed, allowed)
	}
}

// TestRemoteKeySetRemembersUnknownKids: a kid that a fetch did not find is
// refused without another fetch for UnknownKidTTL, however short
// MinRefetchInterval is; another unknown kid still gets its fetch.
func TestRemoteKeySetRemembersUnknownKids(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	f, rk := remoteFixture(t, is, key, func(c *RemoteKeySetConfig) {
		c.MinRefetchInterval = time.Millisecond
		c.UnknownKidTTL = time.Hour
	})
	forger := newSigningKey(t, jwk.ES256)
	x := signToken(t, forger.WithKeyID("x"), "at+jwt", f.claims())
	y := signToken(t, forger.WithKeyID("y"), "at+jwt", f.claims())
	want := []int64{2, 2, 2, 3, 3}
	for i, tok := range []string{x, x, x, y, y} {
		time.Sleep(3 * time.Millisecond) // past MinRefetchInterval
		if _, err := f.a.Authenticate(bearerRequest("GET", tok)); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("token %d: %v", i, err)
		}
		if got := rk.Fetches(); got != want[i] {
			t.Fatalf("after token %d: %d fetches; want %d", i, got, want[i])
		}
	}
}

// TestRemoteKeySetStormDefaults: with the default MinRefetchInterval a
// storm right after start causes no fetch at all.
func TestRemoteKeySetStormDefaults(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	f, rk := remoteFixture(t, is, key, nil)
	forger := newSigningKey(t, jwk.ES256)
	for range 2000 {
		tok := signToken(t, forger.WithKeyID(randomID()), "at+jwt", f.claims())
		if _, err := f.a.Authenticate(bearerRequest("GET", tok)); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("forged token: %v", err)
		}
	}
	if rk.Fetches() != 1 {
		t.Fatalf("%d fetches; want only the first", rk.Fetches())
	}
}

// TestRemoteKeySetConcurrentMissesShareFetch: misses that arrive while a
// fetch runs wait for it rather than start their own.
//
// The clock is injected and moves once, past MinRefetchInterval, before
// the misses: a goroutine that the scheduler starts only after the shared
// fetch has ended (possible on a loaded machine: the fetch lasts 200 ms)
// finds the interval not yet passed instead of starting a third fetch.
func TestRemoteKeySetConcurrentMissesShareFetch(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	clock := newTestClock()
	rk := newRemote(t, is, func(c *RemoteKeySetConfig) { c.MinRefetchInterval, c.Now = time.Minute, clock.Now })
	is.set(func(is *testIssuerServer) { is.delay = 200 * time.Millisecond })
	clock.Advance(2 * time.Minute) // past MinRefetchInterval, well within the keys' hour
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rk.MissingKey(context.Background(), "kid-"+string(rune('a'+i%26)))
		}()
	}
	wg.Wait()
	if got := rk.Fetches(); got != 2 {
		t.Fatalf("50 concurrent misses: %d fetches; want 2 (start + one shared)", got)
	}
}

// TestRemoteKeySetIssuerDown: once the issuer is gone, the last good keys
// keep verifying, through failed refetches.
func TestRemoteKeySetIssuerDown(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	f, rk := remoteFixture(t, is, key, func(c *RemoteKeySetConfig) {
		c.MinRefetchInterval = 10 * time.Millisecond
		c.MinCacheTTL = 50 * time.Millisecond
		c.HTTPClient = &http.Client{Timeout: time.Second}
	})
	is.set(func(is *testIssuerServer) { is.cc = "max-age=0" })
	if err := rk.fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	is.srv.Close()
	// The background refresh (every ~40 ms now) and forged kids fail...
	forger := newSigningKey(t, jwk.ES256).WithKeyID("unknown")
	eventually(t, "refetches against the closed issuer", func() bool {
		f.a.Authenticate(bearerRequest("GET", signToken(t, forger, "at+jwt", f.claims())))
		return rk.Fetches() >= 5
	})
	// ...and a new token of the known key still verifies.
	if _, err := f.a.Authenticate(bearerRequest("GET", f.token(t, nil))); err != nil {
		t.Fatalf("known key with the issuer down: %v", err)
	}
}

// TestRemoteKeySetKeepsKeysOnGarbage: answers that are not a usable JWKS
// leave the last good keys in place.
func TestRemoteKeySetKeepsKeysOnGarbage(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	secret, err := jwk.Generate(jwk.HS256)
	if err != nil {
		t.Fatal(err)
	}
	secretSet, _ := jwk.NewSet(secret.(*jwk.SecretKey).WithKeyID("s"))
	secretJSON, err := jwk.MarshalPrivateSet(secretSet)
	if err != nil {
		t.Fatal(err)
	}
	is := newTestIssuerServer(t, key)
	f, rk := remoteFixture(t, is, key, func(c *RemoteKeySetConfig) {
		c.MinRefetchInterval = time.Millisecond
		c.MaxResponseSize = 64 << 10
	})
	answers := []func(is *testIssuerServer){
		func(is *testIssuerServer) { is.body = []byte("<html>maintenance</html>") },
		func(is *testIssuerServer) { is.body = []byte(`{"keys":[]}`) },
		func(is *testIssuerServer) { is.body = []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"bad"}]}`) },
		func(is *testIssuerServer) { is.body = secretJSON }, // a secret must never be trusted
		func(is *testIssuerServer) { is.body = []byte(`{"keys":[` + strings.Repeat(" ", 70<<10) + `]}`) },
		func(is *testIssuerServer) { is.body, is.code = nil, http.StatusInternalServerError },
		func(is *testIssuerServer) { is.code = http.StatusNotFound },
	}
	for i, answer := range answers {
		is.set(answer)
		time.Sleep(2 * time.Millisecond)
		if err := rk.fetch(context.Background()); err == nil {
			t.Errorf("answer %d: fetch succeeded", i)
		}
		if _, err := f.a.Authenticate(bearerRequest("GET", f.token(t, nil))); err != nil {
			t.Errorf("answer %d: the last good keys were lost: %v", i, err)
		}
	}
	tok := signToken(t, secret, "at+jwt", f.claims())
	if _, err := f.a.Authenticate(bearerRequest("GET", tok)); err == nil {
		t.Error("a token signed with a secret from the JWKS was accepted")
	}
}

// TestRemoteKeySetCacheControl: the keys are refetched in the background
// before the max-age the issuer gives runs out.
func TestRemoteKeySetCacheControl(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	is.set(func(is *testIssuerServer) { is.cc = "public, max-age=1" })
	rk := newRemote(t, is, func(c *RemoteKeySetConfig) { c.MinCacheTTL = 100 * time.Millisecond })
	start := time.Now()
	eventually(t, "a background refresh", func() bool { return rk.Fetches() >= 2 })
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Logf("background refresh after %v (max-age 1 s; slow machine?)", d)
	}
	// The clamp: max-age below MinCacheTTL is raised to it.
	is2 := newTestIssuerServer(t, key)
	is2.set(func(is *testIssuerServer) { is.cc = "no-store" })
	rk2 := newRemote(t, is2, nil) // MinCacheTTL 1 h
	if st := rk2.cur.Load(); st.ttl != time.Hour {
		t.Fatalf("no-store with MinCacheTTL 1h: ttl %v", st.ttl)
	}
	if rk.cur.Load().ttl != time.Second {
		t.Fatalf("max-age=1: ttl %v", rk.cur.Load().ttl)
	}
}

func TestNewRemoteKeySetFailures(t *testing.T) {
	t.Parallel()
	key := newSigningKey(t, jwk.ES256)
	is := newTestIssuerServer(t, key)
	ctx := context.Background()
	bad := []RemoteKeySetConfig{
		{},
		{Issuer: is.srv.URL, JWKSURL: is.srv.URL + "/jwks"},
		{Issuer: "not a url"},
		{JWKSURL: "ftp://x/jwks"},
		{Issuer: is.srv.URL + "/other"},                           // metadata 404
		{Issuer: is.srv.URL + "/"},                                // metadata "issuer" differs
		{JWKSURL: is.srv.URL + "/nothing"},                        // JWKS 404
		{JWKSURL: is.srv.URL + "/jwks", MaxCacheTTL: time.Second}, // below MinCacheTTL
		{JWKSURL: is.srv.URL + "/jwks", MinRefetchInterval: -1},
		{JWKSURL: is.srv.URL + "/jwks", MaxResponseSize: 10},
	}
	for i, cfg := range bad {
		if k, err := NewRemoteKeySet(ctx, cfg); err == nil || k != nil {
			t.Errorf("config %d: NewRemoteKeySet succeeded", i)
		}
	}
	k, err := NewRemoteKeySet(ctx, RemoteKeySetConfig{JWKSURL: is.srv.URL + "/jwks"})
	if err != nil || k.Fetches() != 1 {
		t.Fatalf("JWKSURL: %v", err)
	}
}

func TestCacheLifetime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		vals []string
		d    time.Duration
		ok   bool
	}{
		{nil, 0, false},
		{[]string{"public"}, 0, false},
		{[]string{"public, max-age=300"}, 300 * time.Second, true},
		{[]string{"MAX-AGE=60"}, time.Minute, true},
		{[]string{`max-age="60"`}, time.Minute, true},
		{[]string{"max-age = 60"}, time.Minute, true},
		{[]string{"max-age=60, s-maxage=5"}, time.Minute, true},
		{[]string{"public", "max-age=60"}, time.Minute, true},
		{[]string{"max-age=60, max-age=60"}, time.Minute, true},
		{[]string{"max-age=60, max-age=70"}, 0, true}, // RFC 9111 §4.2.1: invalid, so stale
		{[]string{"max-age=-1"}, 0, true},
		{[]string{"max-age=1e3"}, 0, true},
		{[]string{"max-age"}, 0, true},
		{[]string{"max-age=99999999999999999999999"}, maxAgeCeiling * time.Second, true},
		{[]string{"no-store"}, 0, true},
		{[]string{"max-age=600, no-cache"}, 0, true},
	}
	for _, tc := range tests {
		d, ok := cacheLifetime(tc.vals)
		if d != tc.d || ok != tc.ok {
			t.Errorf("cacheLifetime(%q) = %v, %v; want %v, %v", tc.vals, d, ok, tc.d, tc.ok)
		}
	}
}

func TestMetadataURL(t *testing.T) {
	t.Parallel()
	for issuer, want := range map[string]string{
		"https://ward.example":         "https://ward.example/.well-known/oauth-authorization-server",
		"https://ward.example/":        "https://ward.example/.well-known/oauth-authorization-server",
		"https://ward.example/tenant1": "https://ward.example/.well-known/oauth-authorization-server/tenant1",
	} {
		if got, err := metadataURL(issuer); err != nil || got != want {
			t.Errorf("metadataURL(%q) = %q, %v; want %q", issuer, got, err, want)
		}
	}
}
