package server_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

// fetchJWKS gets /.well-known/jwks.json and parses it.
func (e *env) fetchJWKS() (*jwk.Set, *response) {
	e.t.Helper()
	r := e.do("GET", "/.well-known/jwks.json", nil)
	expectStatus(e.t, r, http.StatusOK)
	set, err := jwk.ParseSet(r.body)
	if err != nil {
		e.t.Fatalf("JWKS %s: %v", r.body, err)
	}
	if sk := set.Skipped(); sk != nil {
		e.t.Fatalf("JWKS %s: keys skipped: %v", r.body, sk)
	}
	for _, k := range set.Keys() {
		if _, ok := k.(*jwk.PublicKey); !ok {
			e.t.Fatalf("JWKS holds a %T, want public keys only", k)
		}
	}
	return set, r
}

func kids(set *jwk.Set) map[string]bool {
	m := make(map[string]bool)
	for _, k := range set.Keys() {
		m[k.KeyID()] = true
	}
	return m
}

func kidOf(tb testing.TB, tok string) string {
	tb.Helper()
	u, err := jws.UnsafeDecode(tok, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Header.KeyID
}

// TestKeyRotation: over HTTP, the next key is in the JWKS at least the
// JWKS cache lifetime before it signs; tokens signed before a rotation
// verify with a verifier built from the fetched JWKS until they expire;
// retired keys leave the JWKS once no token they signed can be valid.
func TestKeyRotation(t *testing.T) {
	const cacheTTL = 5 * time.Minute
	e := newEnv(t, envOptions{auth: func(c *auth.Config) {
		c.JWKSCacheTTL = cacheTTL
		c.AccessTTL = 10 * time.Minute
	}})
	ctx := context.Background()
	e.signup("keys@example.com")

	firstSeen := make(map[string]time.Time)
	observe := func() *jwk.Set {
		set, r := e.fetchJWKS()
		if cc := r.header.Get("Cache-Control"); cc != "public, max-age=300" {
			t.Fatalf("JWKS Cache-Control = %q, want public, max-age=300", cc)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/jwk-set+json" {
			t.Fatalf("JWKS Content-Type = %q", ct)
		}
		for kid := range kids(set) {
			if _, ok := firstSeen[kid]; !ok {
				firstSeen[kid] = e.clock.Now()
			}
		}
		return set
	}
	firstSig := make(map[string]time.Time)
	login := func() string {
		tok := e.login("keys@example.com", testPassword).access
		kid := kidOf(t, tok)
		if _, ok := firstSig[kid]; !ok {
			firstSig[kid] = e.clock.Now()
		}
		return tok
	}
	verifier := func(set *jwk.Set) *jwt.Verifier {
		return &jwt.Verifier{Keys: set, Issuer: testIssuer, Audience: testIssuer, Type: "at+jwt", Now: e.clock.Now}
	}

	set0 := observe()
	if set0.Len() != 2 {
		t.Fatalf("a new keyring publishes %d keys, want the active and the next", set0.Len())
	}
	tokA := login()
	kidA := kidOf(t, tokA)

	// Ask for a rotation: the next key was just published, so it is
	// scheduled for one cache lifetime later, not done now.
	res, err := e.svc.RotateKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rotated {
		t.Fatal("RotateKeys promoted a key published less than a cache lifetime ago")
	}
	for step := time.Minute; step <= cacheTTL+time.Minute; step += time.Minute {
		e.clock.Advance(time.Minute)
		if _, err := e.svc.MaybeRotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		observe()
		login()
	}
	if e.svc.ActiveKeyID() == kidA {
		t.Fatal("the key did not rotate")
	}
	for kid, signed := range firstSig {
		seen, ok := firstSeen[kid]
		if !ok {
			t.Fatalf("key %s signed before it was ever in the JWKS", kid)
		}
		if kid != kidA && signed.Sub(seen) < cacheTTL {
			t.Fatalf("key %s signed %v after it was published, want at least %v", kid, signed.Sub(seen), cacheTTL)
		}
	}

	// The token signed by the old key verifies with the current JWKS.
	set := observe()
	if !kids(set)[kidA] {
		t.Fatal("the retired key left the JWKS while its tokens are valid")
	}
	if _, err := verifier(set).Verify(tokA); err != nil {
		t.Fatalf("a token signed before the rotation fails: %v", err)
	}
	// ...until it expires.
	e.clock.Advance(10*time.Minute + jwt.DefaultLeeway)
	if _, err := verifier(observe()).Verify(tokA); !errors.Is(err, jwt.ErrExpired) {
		t.Fatalf("an expired token: err = %v, want ErrExpired", err)
	}

	// The retired key leaves once the longest token lifetime has passed.
	e.clock.Advance(auth.MaxAccessTTL)
	if _, err := e.svc.MaybeRotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if kids(observe())[kidA] {
		t.Fatal("the retired key is still in the JWKS after every token it signed expired")
	}
	// New tokens verify with the fetched JWKS.
	if _, err := verifier(observe()).Verify(login()); err != nil {
		t.Fatal(err)
	}
}

// TestRevokedKey: a revoked key leaves the JWKS at once and its tokens are
// refused by the server.
func TestRevokedKey(t *testing.T) {
	e := newEnv(t)
	e.signup("kr@example.com")
	tk := e.login("kr@example.com", testPassword)
	kid := kidOf(t, tk.access)
	if err := e.svc.RevokeKey(context.Background(), kid, auth.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	set, _ := e.fetchJWKS()
	if kids(set)[kid] {
		t.Fatal("a revoked key is in the JWKS")
	}
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusUnauthorized)
	// Refresh works and signs with the new key.
	r := e.refresh(tk.refresh)
	expectStatus(t, r, http.StatusOK)
	if kidOf(t, r.str(t, "access_token")) == kid {
		t.Fatal("signed with the revoked key")
	}
}
