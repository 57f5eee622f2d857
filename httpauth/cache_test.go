package httpauth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwt"
)

func withCache(c *Config) { c.CacheSize = 64 }

// TestCacheSkipsSignatureCheck: a repeated token is verified once, and
// checked against the replica every time.
func TestCacheSkipsSignatureCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, withCache)
	tok := f.token(t, nil)
	for i := range 100 {
		if _, err := f.a.Authenticate(bearerRequest("GET", tok)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := f.a.verifies.Load(); n != 1 {
		t.Fatalf("%d signature checks for one token; want 1", n)
	}
	if f.revs.checks != 100 {
		t.Fatalf("%d revocation checks for 100 requests; want 100", f.revs.checks)
	}
}

// TestCacheRevokedTokenRefused: a token in the cache is refused once it
// is revoked.
func TestCacheRevokedTokenRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, withCache)
	c := f.claims()
	tok := signToken(t, f.key, "at+jwt", c)
	if _, err := f.a.Authenticate(bearerRequest("GET", tok)); err != nil {
		t.Fatal(err)
	}
	f.revs.revokeJTI(c.ID)
	if _, err := f.a.Authenticate(bearerRequest("GET", tok)); !errors.Is(err, ErrInvalidToken) || !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("revoked cached token: %v", err)
	}
	if n := f.a.verifies.Load(); n != 1 {
		t.Fatalf("the refusal came from a new signature check (%d), not the cache hit", n)
	}
}

// TestCacheExpiredTokenRefused: a cached token is refused at its "exp",
// even with a leeway that would still accept it, and the refusal is the
// verifier's.
func TestCacheExpiredTokenRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.CacheSize = 64; c.Leeway = jwt.NoLeeway })
	tok := f.token(t, func(c *Claims) { c.ExpiresAt = f.clock.Now().Add(time.Minute) })
	if _, err := f.a.Authenticate(bearerRequest("GET", tok)); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(59 * time.Second)
	if _, err := f.a.Authenticate(bearerRequest("GET", tok)); err != nil {
		t.Fatalf("before exp: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.a.Authenticate(bearerRequest("GET", tok)); !errors.Is(err, jwt.ErrExpired) {
		t.Fatalf("at exp: %v; want jwt.ErrExpired", err)
	}
	// With the default leeway the verifier accepts it a little longer,
	// but the cache never serves it past exp.
	g := newFixture(t, withCache)
	tok = g.token(t, func(c *Claims) { c.ExpiresAt = g.clock.Now().Add(time.Minute) })
	g.a.Authenticate(bearerRequest("GET", tok))
	g.clock.Advance(time.Minute + time.Second)
	before := g.a.verifies.Load()
	if _, err := g.a.Authenticate(bearerRequest("GET", tok)); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	if g.a.verifies.Load() != before+1 {
		t.Fatal("a cached token was served past its exp")
	}
}

// TestCacheWholeTokenKey: tokens that share a prefix or a suffix with a
// cached token never hit its entry (the fast-jwt cache-confusion
// advisory): each is verified on its own, and a forged one is refused.
func TestCacheWholeTokenKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, withCache)
	tok := f.token(t, nil)
	if _, err := f.a.Authenticate(bearerRequest("GET", tok)); err != nil {
		t.Fatal(err)
	}
	// Same header and claims, another signature: shares a long prefix.
	head := tok[:strings.LastIndexByte(tok, '.')+1]
	forgedSig := head + strings.Repeat("A", len(tok)-len(head))
	// Same signature, other claims: shares the suffix.
	other := f.token(t, func(c *Claims) { c.Subject = "user-2" })
	forgedClaims := other[:strings.LastIndexByte(other, '.')] + tok[strings.LastIndexByte(tok, '.'):]
	// Another valid token of the same key and session: shares the header
	// prefix, and is its own entry with its own claims.
	for _, bad := range []string{forgedSig, forgedClaims, tok + "A", tok[:len(tok)-1]} {
		if _, err := f.a.Authenticate(bearerRequest("GET", bad)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("token sharing a prefix or suffix with a cached one: %v", err)
		}
	}
	c, err := f.a.Authenticate(bearerRequest("GET", other))
	if err != nil || c.Subject != "user-2" {
		t.Fatalf("second token: %v %v", c, err)
	}
	c, err = f.a.Authenticate(bearerRequest("GET", tok))
	if err != nil || c.Subject != "user-1" {
		t.Fatalf("first token again: %v %v", c, err)
	}
	if n := f.a.verifies.Load(); n != 2+4 {
		t.Fatalf("%d signature checks; want one per distinct token (6)", n)
	}
}

// TestCacheBounded: the cache never holds more than its size.
func TestCacheBounded(t *testing.T) {
	t.Parallel()
	c := newTokenCache(32)
	st := &verifierState{}
	e := &cacheEntry{info: &authInfo{claims: &Claims{}}, state: st}
	for i := range 10000 {
		c.put(cacheKey(strings.Repeat("x", i)), e)
	}
	n := 0
	for i := range c.shards {
		n += len(c.shards[i].m)
	}
	if n > 32 {
		t.Fatalf("cache of 32 holds %d entries", n)
	}
}
