package httpauth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

const (
	testIssuer   = "https://ward.example"
	testAudience = "api"
)

// testClock is an injected clock that tests move by hand.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := new(testClock)
	c.ns.Store(time.Now().Truncate(time.Second).UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// testRevocations is a minimal replica: revoked "jti"s, sessions and
// kids, or unavailable.
type testRevocations struct {
	mu          sync.Mutex
	jtis, sids  map[string]bool
	kids        map[string]bool
	unavailable bool
	checks      int
}

func newTestRevocations() *testRevocations {
	return &testRevocations{jtis: map[string]bool{}, sids: map[string]bool{}, kids: map[string]bool{}}
}

func (r *testRevocations) Check(c *jwt.Claims, sid, kid string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks++
	switch {
	case r.unavailable:
		return ErrUnavailable
	case r.jtis[c.ID]:
		return fmt.Errorf("%w: token", jwt.ErrRevoked)
	case sid != "" && r.sids[sid]:
		return fmt.Errorf("%w: session", jwt.ErrRevoked)
	case kid != "" && r.kids[kid]:
		return fmt.Errorf("%w: key", jwt.ErrRevoked)
	}
	return nil
}

func (r *testRevocations) revokeJTI(jti string) { r.mu.Lock(); r.jtis[jti] = true; r.mu.Unlock() }
func (r *testRevocations) revokeSID(sid string) { r.mu.Lock(); r.sids[sid] = true; r.mu.Unlock() }
func (r *testRevocations) revokeKID(kid string) { r.mu.Lock(); r.kids[kid] = true; r.mu.Unlock() }
func (r *testRevocations) setUnavailable(b bool) {
	r.mu.Lock()
	r.unavailable = b
	r.mu.Unlock()
}

func newSigningKey(tb testing.TB, alg jwk.Algorithm) *jwk.PrivateKey {
	tb.Helper()
	k, err := jwk.Generate(alg)
	if err != nil {
		tb.Fatal(err)
	}
	return k.(*jwk.PrivateKey)
}

func publicSet(tb testing.TB, keys ...*jwk.PrivateKey) *jwk.Set {
	tb.Helper()
	var pubs []jwk.Key
	for _, k := range keys {
		pubs = append(pubs, k.Public())
	}
	s, err := jwk.NewSet(pubs...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func randomID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// fixture is an authenticator over one ES256 key, a test replica and an
// injected clock.
type fixture struct {
	key   *jwk.PrivateKey
	revs  *testRevocations
	clock *testClock
	a     *Authenticator
}

func newFixture(tb testing.TB, mod func(*Config)) *fixture {
	tb.Helper()
	f := &fixture{key: newSigningKey(tb, jwk.ES256), revs: newTestRevocations(), clock: newTestClock()}
	cfg := Config{
		Issuer:      testIssuer,
		Audience:    testAudience,
		Algorithms:  []jwk.Algorithm{jwk.ES256},
		Keys:        StaticKeys(publicSet(tb, f.key)),
		Revocations: f.revs,
		Realm:       "test",
		Now:         f.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	f.a = a
	return f
}

// claims returns valid claims for a user's token issued now.
func (f *fixture) claims() *Claims {
	now := f.clock.Now()
	return &Claims{
		Claims: jwt.Claims{Issuer: testIssuer, Subject: "user-1", Audience: jwt.Audience{testAudience},
			IssuedAt: now, ExpiresAt: now.Add(10 * time.Minute), ID: randomID()},
		SessionID: "sess-1", ClientID: "app", Scope: "read write", Roles: []string{"editor"},
	}
}

func signToken(tb testing.TB, key jwk.SigningKey, typ string, c any) string {
	tb.Helper()
	s := jwt.Signer{Key: key, Type: typ}
	tok, err := s.Sign(c)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// token signs claims changed by mod with the fixture's key.
func (f *fixture) token(tb testing.TB, mod func(*Claims)) string {
	tb.Helper()
	c := f.claims()
	if mod != nil {
		mod(c)
	}
	return signToken(tb, f.key, "at+jwt", c)
}

// okHandler answers 200 with the subject of the request's claims.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := ClaimsFrom(r.Context())
	if !ok {
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, c.Subject)
})

// do runs req through h and returns the recorded response.
func do(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func bearerRequest(method, tok string) *http.Request {
	req := httptest.NewRequest(method, "https://api.example/thing", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req
}
