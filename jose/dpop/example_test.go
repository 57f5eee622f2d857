package dpop_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// rfcProof is the DPoP proof of RFC 9449, Section 4.2 (sent in the token
// request of Section 5): POST https://server.example.com/token at
// 1562262616.
const rfcProof = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"

func ExampleVerifier_Verify() {
	// One Verifier per server, shared by every request. The clock is set
	// to the RFC's example so that its proof is fresh.
	v := &dpop.Verifier{Now: func() time.Time { return time.Unix(1562262616, 0) }}

	// In an http.Handler: proofs is r.Header.Values("DPoP"), and the URI
	// is built from the server's own configuration and r.URL.Path, never
	// from X-Forwarded-* headers.
	proofs := []string{rfcProof}
	p, err := v.Verify(context.Background(), proofs, &dpop.Request{
		Method: "POST",
		URI:    "https://server.example.com/token",
	})
	if err != nil {
		fmt.Println("invalid_dpop_proof:", err)
		return
	}
	// A token endpoint binds the tokens it issues to the proof key:
	// "cnf": {"jkt": p.Thumbprint}.
	fmt.Println(p.Method, p.URI, p.ID)
	fmt.Println("jkt:", p.Thumbprint)

	// The same proof again is a replay.
	_, err = v.Verify(context.Background(), proofs, &dpop.Request{Method: "POST", URI: "https://server.example.com/token"})
	fmt.Println(errors.Is(err, dpop.ErrReplay))
	// Output:
	// POST https://server.example.com/token -BwC3ESc6acc2lTc
	// jkt: 0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I
	// true
}

func ExampleVerifier_Verify_resourceServer() {
	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	// The client sends its access token and a proof for this request.
	const accessToken = "eyJhbGciOiJFUzI1NiIs.an-access-token.sig"
	req := &dpop.Request{Method: "GET", URI: "https://api.example.com/orders?page=2", AccessToken: accessToken}
	proof, err := dpop.NewProof(key.(*jwk.PrivateKey), req)
	if err != nil {
		log.Fatal(err)
	}

	// The resource server has verified the access token and read its
	// "cnf" claim's "jkt"; the proof must be by that key and carry the
	// token's hash ("ath").
	jkt := key.KeyID() // the thumbprint, for this example
	v := &dpop.Verifier{Algorithms: []jwk.Algorithm{jwk.ES256, jwk.EdDSA}}
	_, err = v.Verify(context.Background(), []string{proof}, &dpop.Request{
		Method:      "GET",
		URI:         "https://api.example.com/orders", // the query does not matter
		AccessToken: accessToken,
		JKT:         jkt,
	})
	fmt.Println("verified:", err == nil)
	// Output:
	// verified: true
}

func ExampleNewProof() {
	key, err := jwk.Generate(jwk.EdDSA)
	if err != nil {
		log.Fatal(err)
	}
	proof, err := dpop.NewProof(key.(*jwk.PrivateKey), &dpop.Request{
		Method: "POST",
		URI:    "https://server.example.com/token",
	})
	if err != nil {
		log.Fatal(err)
	}
	// Sent as the DPoP header of the request:
	// req.Header.Set("DPoP", proof)
	fmt.Println(len(proof) > 0)
	// Output:
	// true
}

func ExampleProofer_Proof() {
	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	// One Proofer per client key, one proof per request.
	p := &dpop.Proofer{Key: key.(*jwk.PrivateKey)}
	proof, err := p.Proof(&dpop.Request{
		Method:      "GET",
		URI:         "https://api.example.com/orders",
		AccessToken: "the-access-token", // adds "ath"
		Nonce:       "nonce-from-the-server's-DPoP-Nonce-header",
	})
	if err != nil {
		log.Fatal(err)
	}
	v := &dpop.Verifier{}
	got, err := v.Verify(context.Background(), []string{proof}, &dpop.Request{
		Method:      "GET",
		URI:         "https://api.example.com/orders",
		AccessToken: "the-access-token",
		Nonce:       "nonce-from-the-server's-DPoP-Nonce-header",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Algorithm, got.Thumbprint == key.KeyID())
	// Output:
	// ES256 true
}

func ExampleMemoryCache() {
	// Every Verifier has its own MemoryCache unless given a Replay; set
	// one to choose its size, or share one between Verifiers of one
	// process. Servers behind one URI must share a ReplayCache.
	cache := &dpop.MemoryCache{Size: 10000}
	v := &dpop.Verifier{Replay: cache}

	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	req := &dpop.Request{Method: "POST", URI: "https://server.example.com/token"}
	proof, err := dpop.NewProof(key.(*jwk.PrivateKey), req)
	if err != nil {
		log.Fatal(err)
	}
	_, err = v.Verify(context.Background(), []string{proof}, req)
	fmt.Println(err, cache.Len())
	// Output:
	// <nil> 1
}

func ExampleMemoryCache_Seen() {
	var cache dpop.MemoryCache
	now := time.Unix(1562262616, 0)
	for _, at := range []time.Duration{0, 30 * time.Second, 2 * time.Minute} {
		seen, err := cache.Seen(context.Background(), "the key thumbprint", "the jti", now.Add(at), now.Add(time.Minute))
		fmt.Println(at, seen, err)
	}
	// Output:
	// 0s false <nil>
	// 30s true <nil>
	// 2m0s false <nil>
}

func ExampleDefaultAlgorithms() {
	fmt.Println(dpop.DefaultAlgorithms())
	// Output:
	// [ES256 ES384 ES512 EdDSA PS256 PS384 PS512 RS256 RS384 RS512]
}

// Example_errorChecking maps every error of Verify to the answer RFC 9449
// asks for: "use_dpop_nonce" with a fresh DPoP-Nonce (Section 8) for a
// missing or stale nonce, "invalid_dpop_proof" (Section 7.1) or
// "invalid_token" for the rest, and a server error for a misconfiguration.
func Example_errorChecking() {
	describe := func(err error) string {
		switch {
		case err == nil:
			return "ok"
		case errors.Is(err, dpop.ErrMisconfigured), errors.Is(err, dpop.ErrReplayCacheFull):
			return "500: server"
		case errors.Is(err, dpop.ErrNonce):
			return "401 use_dpop_nonce: send a fresh DPoP-Nonce"
		case errors.Is(err, dpop.ErrKeyMismatch), errors.Is(err, dpop.ErrAccessTokenHash):
			return "401 invalid_token: the proof is not for this token"
		case errors.Is(err, dpop.ErrMissingProof):
			return "401: DPoP proof required"
		case errors.Is(err, dpop.ErrMissingClaim):
			return "400 invalid_dpop_proof: missing claim"
		case errors.Is(err, dpop.ErrMultipleProofs),
			errors.Is(err, dpop.ErrTooLarge),
			errors.Is(err, dpop.ErrMalformed),
			errors.Is(err, dpop.ErrInvalidType),
			errors.Is(err, dpop.ErrUnsupportedAlgorithm),
			errors.Is(err, dpop.ErrInvalidKey),
			errors.Is(err, dpop.ErrPrivateKey),
			errors.Is(err, dpop.ErrBadSignature),
			errors.Is(err, dpop.ErrMethodMismatch),
			errors.Is(err, dpop.ErrURIMismatch),
			errors.Is(err, dpop.ErrExpired),
			errors.Is(err, dpop.ErrIssuedInFuture),
			errors.Is(err, dpop.ErrReplay):
			return "400 invalid_dpop_proof"
		}
		return "500: unexpected"
	}

	at := time.Unix(1562262616, 0)
	token := &dpop.Request{Method: "POST", URI: "https://server.example.com/token"}
	for _, c := range []struct {
		v      *dpop.Verifier
		proofs []string
		r      *dpop.Request
	}{
		{&dpop.Verifier{}, nil, token},
		{&dpop.Verifier{}, []string{rfcProof, rfcProof}, token},
		{&dpop.Verifier{}, []string{rfcProof}, token}, // years later
		{&dpop.Verifier{Now: func() time.Time { return at }}, []string{rfcProof}, &dpop.Request{Method: "GET", URI: token.URI}},
		{&dpop.Verifier{Now: func() time.Time { return at }}, []string{rfcProof}, &dpop.Request{Method: "POST", URI: "https://other.example.com/token"}},
		{&dpop.Verifier{Now: func() time.Time { return at }}, []string{rfcProof}, &dpop.Request{Method: "POST", URI: token.URI, Nonce: "n-1"}},
		{&dpop.Verifier{Now: func() time.Time { return at }}, []string{rfcProof}, &dpop.Request{Method: "POST", URI: token.URI, JKT: "another-key"}},
		{&dpop.Verifier{Now: func() time.Time { return at }, Algorithms: []jwk.Algorithm{jwk.HS256}}, []string{rfcProof}, token},
		{&dpop.Verifier{Now: func() time.Time { return at }}, []string{rfcProof}, token},
	} {
		_, err := c.v.Verify(context.Background(), c.proofs, c.r)
		fmt.Println(describe(err))
	}
	// Output:
	// 401: DPoP proof required
	// 400 invalid_dpop_proof
	// 400 invalid_dpop_proof
	// 400 invalid_dpop_proof
	// 400 invalid_dpop_proof
	// 401 use_dpop_nonce: send a fresh DPoP-Nonce
	// 401 invalid_token: the proof is not for this token
	// 500: server
	// ok
}
