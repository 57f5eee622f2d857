package dpop_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// TestRoundTrip makes a proof with a Proofer and verifies it, for every
// asymmetric algorithm (RFC 9449, Section 4.2 and 4.3).
func TestRoundTrip(t *testing.T) {
	for _, alg := range asymmetric {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			key := privateKey(t, alg)
			sum, err := jwk.Thumbprint(key, crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			jkt := base64url.EncodeToString(sum)
			p := &dpop.Proofer{Key: key, Now: clock}
			r := &dpop.Request{Method: "GET", URI: "https://resource.example.org/things?page=2#top", AccessToken: "an.access.token", JKT: jkt, Nonce: "server-nonce"}
			proof, err := p.Proof(r)
			if err != nil {
				t.Fatal(err)
			}
			v := &dpop.Verifier{Now: clock}
			got, err := v.Verify(context.Background(), []string{proof}, r)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			ath := sha256.Sum256([]byte(r.AccessToken))
			if got.Method != "GET" || got.URI != "https://resource.example.org/things" || !got.IssuedAt.Equal(now) ||
				got.Algorithm != alg || got.Thumbprint != jkt || got.Nonce != "server-nonce" ||
				got.AccessTokenHash != base64url.EncodeToString(ath[:]) || len(got.ID) != 22 || !got.Key.Equal(key.Public()) {
				t.Errorf("Verify = %+v", got)
			}
			// A second proof for the same request has another jti.
			again, err := p.Proof(r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), []string{again}, r); err != nil {
				t.Errorf("second proof: %v", err)
			}
			if _, err := v.Verify(context.Background(), []string{again}, r); !errors.Is(err, dpop.ErrReplay) {
				t.Errorf("replayed proof: %v, want ErrReplay", err)
			}
			// NewProof makes the same kind of proof.
			proof, err = dpop.NewProof(key, &dpop.Request{Method: "POST", URI: testURI})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := (&dpop.Verifier{}).Verify(context.Background(), []string{proof}, &dpop.Request{Method: "POST", URI: testURI}); err != nil {
				t.Errorf("NewProof: %v", err)
			}
		})
	}
}

// rejectCase is one proof that must fail: each row breaks one check of
// RFC 9449, Section 4.3 (numbered as there) and nothing else.
type rejectCase struct {
	name   string
	proofs func(t *testing.T) []string
	req    func(r *dpop.Request)  // changes to the default request
	config func(v *dpop.Verifier) // changes to the default verifier
	twice  bool                   // verify once with success first
	want   []error
}

func TestVerifyRejects(t *testing.T) {
	es := privateKey(t, jwk.ES256)
	esJWK := publicJWK(t, es)
	good := func(claims func(map[string]any)) func(t *testing.T) []string {
		return func(t *testing.T) []string {
			c := proofClaims()
			if claims != nil {
				claims(c)
			}
			return []string{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), c, es, jwk.ES256)}
		}
	}
	withHeader := func(h string, key jwk.SigningKey, alg jwk.Algorithm) func(t *testing.T) []string {
		return func(t *testing.T) []string { return []string{handProof(t, h, proofClaims(), key, alg)} }
	}
	without := func(name string) func(t *testing.T) []string {
		return good(func(c map[string]any) { delete(c, name) })
	}
	set := func(name string, value any) func(t *testing.T) []string {
		return good(func(c map[string]any) { c[name] = value })
	}
	secret := testKey(t, jwk.HS256)
	other := privateKey(t, jwk.ES256)
	if k, err := jwk.Generate(jwk.ES256); err == nil {
		other = k.(*jwk.PrivateKey)
	}
	const accessToken = "an.access.token"
	sum := sha256.Sum256([]byte(accessToken))
	ath := base64url.EncodeToString(sum[:])

	cases := []rejectCase{
		// Check 1: not more than one DPoP header field.
		{name: "1/no proof", proofs: func(*testing.T) []string { return nil }, want: []error{dpop.ErrMissingProof}},
		{name: "1/empty proof", proofs: func(*testing.T) []string { return []string{""} }, want: []error{dpop.ErrMissingProof}},
		{name: "1/two proofs", proofs: func(t *testing.T) []string { p := good(nil)(t)[0]; return []string{p, p} }, want: []error{dpop.ErrMultipleProofs}},
		{name: "1/two proofs in one field", proofs: func(t *testing.T) []string { p := good(nil)(t)[0]; return []string{p + ", " + p} }, want: []error{dpop.ErrMultipleProofs}},
		// Check 2: a single well-formed JWT.
		{name: "2/two segments", proofs: func(t *testing.T) []string { p := good(nil)(t)[0]; return []string{p[:strings.LastIndexByte(p, '.')]} }, want: []error{dpop.ErrMalformed}},
		{name: "2/oversize proof", proofs: set("nonce", strings.Repeat("n", dpop.DefaultMaxSize)), want: []error{dpop.ErrTooLarge}},
		{name: "2/oversize for MaxSize", proofs: good(nil), config: func(v *dpop.Verifier) { v.MaxSize = 300 }, want: []error{dpop.ErrTooLarge}},
		{name: "2/htm not a string", proofs: set("htm", 1), want: []error{dpop.ErrMalformed}},
		{name: "2/iat a string", proofs: set("iat", "1893553445"), want: []error{dpop.ErrMalformed}},
		{name: "2/crit header", proofs: withHeader(`{"typ":"dpop+jwt","alg":"ES256","crit":["exp"],"exp":1,"jwk":`+esJWK+`}`, es, jwk.ES256), want: []error{dpop.ErrMalformed}},
		{name: "2/duplicate jwk member", proofs: withHeader(`{"typ":"dpop+jwt","alg":"ES256","jwk":`+esJWK+`,"jwk":`+esJWK+`}`, es, jwk.ES256), want: []error{dpop.ErrMalformed}},
		// Check 3: the required claims of Section 4.2.
		{name: "3/no jti", proofs: without("jti"), want: []error{dpop.ErrMalformed, dpop.ErrMissingClaim}},
		{name: "3/no htm", proofs: without("htm"), want: []error{dpop.ErrMalformed, dpop.ErrMissingClaim}},
		{name: "3/no htu", proofs: without("htu"), want: []error{dpop.ErrMalformed, dpop.ErrMissingClaim}},
		{name: "3/no iat", proofs: without("iat"), want: []error{dpop.ErrMalformed, dpop.ErrMissingClaim}},
		{name: "3/empty jti", proofs: set("jti", ""), want: []error{dpop.ErrMalformed}},
		// Check 4: typ is dpop+jwt.
		{name: "4/typ JWT", proofs: withHeader(header("JWT", jwk.ES256, esJWK), es, jwk.ES256), want: []error{dpop.ErrInvalidType}},
		{name: "4/typ at+jwt", proofs: withHeader(header("at+jwt", jwk.ES256, esJWK), es, jwk.ES256), want: []error{dpop.ErrInvalidType}},
		{name: "4/no typ", proofs: withHeader(`{"alg":"ES256","jwk":`+esJWK+`}`, es, jwk.ES256), want: []error{dpop.ErrInvalidType}},
		// Check 5: an asymmetric algorithm, not none, in the allow-list.
		{name: "5/none", proofs: func(t *testing.T) []string {
			return []string{b64(header("dpop+jwt", "none", esJWK)) + "." + b64(`{"jti":"x","htm":"POST","htu":"`+testURI+`","iat":1}`) + "."}
		}, want: []error{dpop.ErrUnsupportedAlgorithm}},
		{name: "5/HS256", proofs: withHeader(header("dpop+jwt", jwk.HS256, `{"kty":"oct","k":"`+strings.Repeat("A", 43)+`"}`), secret, jwk.HS256), want: []error{dpop.ErrUnsupportedAlgorithm}},
		{name: "5/HS256 with a public jwk", proofs: withHeader(header("dpop+jwt", jwk.HS256, esJWK), secret, jwk.HS256), want: []error{dpop.ErrUnsupportedAlgorithm}},
		{name: "5/not in the allow-list", proofs: good(nil), config: func(v *dpop.Verifier) { v.Algorithms = []jwk.Algorithm{jwk.EdDSA} }, want: []error{dpop.ErrUnsupportedAlgorithm}},
		// Check 6: the signature verifies with the header jwk, whose
		// algorithm is alg.
		{name: "6/signed by another key", proofs: withHeader(header("dpop+jwt", jwk.ES256, esJWK), other, jwk.ES256), want: []error{dpop.ErrBadSignature}},
		{name: "6/alg ES384 with a P-256 key", proofs: withHeader(header("dpop+jwt", jwk.ES384, strings.Replace(esJWK, `,"alg":"ES256"`, "", 1)), privateKey(t, jwk.ES384), jwk.ES384), want: []error{dpop.ErrInvalidKey}},
		{name: "6/alg ES384 with a P-256 jwk for ES256", proofs: withHeader(header("dpop+jwt", jwk.ES384, esJWK), privateKey(t, jwk.ES384), jwk.ES384), want: []error{dpop.ErrInvalidKey}},
		{name: "6/jwk alg ES384 on a P-256 key", proofs: withHeader(header("dpop+jwt", jwk.ES256, strings.Replace(esJWK, `"alg":"ES256"`, `"alg":"ES384"`, 1)), es, jwk.ES256), want: []error{dpop.ErrInvalidKey, jwk.ErrAlgorithmConflict}},
		{name: "6/kty OKP with crv P-256", proofs: withHeader(header("dpop+jwt", jwk.ES256, strings.Replace(esJWK, `"kty":"EC"`, `"kty":"OKP"`, 1)), es, jwk.ES256), want: []error{dpop.ErrInvalidKey, jwk.ErrKeyMismatch}},
		{name: "6/Ed25519 key with crv P-256", proofs: withHeader(header("dpop+jwt", jwk.EdDSA, `{"kty":"OKP","crv":"P-256","x":"`+strings.Repeat("A", 43)+`"}`), privateKey(t, jwk.EdDSA), jwk.EdDSA), want: []error{dpop.ErrInvalidKey, jwk.ErrKeyMismatch}},
		{name: "6/EC x too long", proofs: withHeader(header("dpop+jwt", jwk.ES256, `{"kty":"EC","crv":"P-256","x":"`+strings.Repeat("A", 44)+`","y":"`+strings.Repeat("A", 43)+`"}`), es, jwk.ES256), want: []error{dpop.ErrInvalidKey, jwk.ErrMalformed}},
		{name: "6/EC no y", proofs: withHeader(header("dpop+jwt", jwk.ES256, `{"kty":"EC","crv":"P-256","x":"`+strings.Repeat("A", 43)+`"}`), es, jwk.ES256), want: []error{dpop.ErrInvalidKey, jwk.ErrMalformed}},
		{name: "6/Ed25519 x short", proofs: withHeader(header("dpop+jwt", jwk.EdDSA, `{"kty":"OKP","crv":"Ed25519","x":"`+strings.Repeat("A", 42)+`"}`), privateKey(t, jwk.EdDSA), jwk.EdDSA), want: []error{dpop.ErrInvalidKey, jwk.ErrMalformed}},
		{name: "6/EC x padded base64url", proofs: withHeader(header("dpop+jwt", jwk.ES256, strings.Replace(esJWK, `","y"`, `=","y"`, 1)), es, jwk.ES256), want: []error{dpop.ErrInvalidKey}},
		{name: "6/unknown kty", proofs: withHeader(header("dpop+jwt", jwk.ES256, `{"kty":"XYZ"}`), es, jwk.ES256), want: []error{dpop.ErrInvalidKey}},
		{name: "6/alg RS256 with an EC key", proofs: withHeader(header("dpop+jwt", jwk.RS256, esJWK), privateKey(t, jwk.RS256), jwk.RS256), want: []error{dpop.ErrInvalidKey}},
		{name: "6/jwk alg differs", proofs: withHeader(header("dpop+jwt", jwk.PS256, strings.Replace(publicJWK(t, privateKey(t, jwk.RS256)), `"alg":"RS256"`, `"alg":"RS384"`, 1)), privateKey(t, jwk.PS256), jwk.PS256), want: []error{dpop.ErrInvalidKey}},
		{name: "6/no jwk", proofs: withHeader(`{"typ":"dpop+jwt","alg":"ES256"}`, es, jwk.ES256), want: []error{dpop.ErrInvalidKey}},
		{name: "6/jwk not an object", proofs: withHeader(`{"typ":"dpop+jwt","alg":"ES256","jwk":"key"}`, es, jwk.ES256), want: []error{dpop.ErrInvalidKey}},
		{name: "6/jwk point not on the curve", proofs: withHeader(header("dpop+jwt", jwk.ES256, `{"kty":"EC","crv":"P-256","x":"`+strings.Repeat("A", 43)+`","y":"`+strings.Repeat("A", 43)+`"}`), es, jwk.ES256), want: []error{dpop.ErrInvalidKey, jwk.ErrMalformed}},
		{name: "6/jwk for encryption", proofs: withHeader(header("dpop+jwt", jwk.ES256, strings.Replace(esJWK, `"kty"`, `"use":"enc","kty"`, 1)), es, jwk.ES256), want: []error{dpop.ErrInvalidKey}},
		{name: "6/RSA key below 2048 bits", proofs: rsaProof(1024), want: []error{dpop.ErrInvalidKey, jwk.ErrWeakKey}},
		{name: "6/RSA key above MaxRSABits", proofs: rsaProof(4096 + 512), want: []error{dpop.ErrInvalidKey, jwk.ErrWeakKey}},
		// Check 7: no private key in the jwk.
		{name: "7/private d", proofs: withHeader(header("dpop+jwt", jwk.ES256, privateJWK(t, es)), es, jwk.ES256), want: []error{dpop.ErrPrivateKey}},
		{name: "7/private RSA members", proofs: withHeader(header("dpop+jwt", jwk.RS256, privateJWK(t, privateKey(t, jwk.RS256))), privateKey(t, jwk.RS256), jwk.RS256), want: []error{dpop.ErrPrivateKey}},
		{name: "7/private Ed25519", proofs: withHeader(header("dpop+jwt", jwk.EdDSA, privateJWK(t, privateKey(t, jwk.EdDSA))), privateKey(t, jwk.EdDSA), jwk.EdDSA), want: []error{dpop.ErrPrivateKey}},
		{name: "7/symmetric k", proofs: withHeader(header("dpop+jwt", jwk.ES256, strings.Replace(esJWK, `"kty"`, `"k":"c2VjcmV0","kty"`, 1)), es, jwk.ES256), want: []error{dpop.ErrPrivateKey}},
		// Check 8: htm is the request method.
		{name: "8/wrong htm", proofs: set("htm", "GET"), want: []error{dpop.ErrMethodMismatch}},
		{name: "8/htm in lower case", proofs: set("htm", "post"), want: []error{dpop.ErrMethodMismatch}},
		// Check 9: htu is the request URI.
		{name: "9/other host", proofs: set("htu", "https://evil.example.com/token"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/other port", proofs: set("htu", "https://server.example.com:8443/token"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/other scheme", proofs: set("htu", "http://server.example.com/token"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/other path", proofs: set("htu", "https://server.example.com/token/x"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/path case", proofs: set("htu", "https://server.example.com/Token"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/trailing slash", proofs: set("htu", "https://server.example.com/token/"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/encoded slash", proofs: set("htu", "https://server.example.com%2Ftoken"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/userinfo", proofs: set("htu", "https://server.example.com@evil.example.com/token"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/relative", proofs: set("htu", "/token"), want: []error{dpop.ErrURIMismatch}},
		{name: "9/bad escape", proofs: set("htu", "https://server.example.com/tok%zzen"), want: []error{dpop.ErrURIMismatch}},
		// Check 10: the server's nonce.
		{name: "10/missing nonce", proofs: good(nil), req: func(r *dpop.Request) { r.Nonce = "n-1" }, want: []error{dpop.ErrNonce, dpop.ErrMissingClaim}},
		{name: "10/wrong nonce", proofs: set("nonce", "n-0"), req: func(r *dpop.Request) { r.Nonce = "n-1" }, want: []error{dpop.ErrNonce}},
		// Check 11: iat within the window.
		{name: "11/too old", proofs: set("iat", now.Add(-dpop.DefaultWindow-dpop.DefaultLeeway).Unix()), want: []error{dpop.ErrExpired}},
		{name: "11/too old for Window", proofs: set("iat", now.Add(-20*time.Second).Unix()), config: func(v *dpop.Verifier) { v.Window, v.Leeway = 10*time.Second, dpop.NoLeeway }, want: []error{dpop.ErrExpired}},
		{name: "11/in the future", proofs: set("iat", now.Add(dpop.DefaultLeeway+time.Second).Unix()), want: []error{dpop.ErrIssuedInFuture}},
		{name: "11/in the future, no leeway", proofs: set("iat", now.Add(time.Second).Unix()), config: func(v *dpop.Verifier) { v.Leeway = dpop.NoLeeway }, want: []error{dpop.ErrIssuedInFuture}},
		// Check 12: ath and the key bound to the access token.
		{name: "12/missing ath", proofs: good(nil), req: func(r *dpop.Request) { r.AccessToken = accessToken }, want: []error{dpop.ErrAccessTokenHash, dpop.ErrMissingClaim}},
		{name: "12/wrong ath", proofs: set("ath", ath[1:]+"A"), req: func(r *dpop.Request) { r.AccessToken = accessToken }, want: []error{dpop.ErrAccessTokenHash}},
		{name: "12/ath of another token", proofs: set("ath", ath), req: func(r *dpop.Request) { r.AccessToken = accessToken + "x" }, want: []error{dpop.ErrAccessTokenHash}},
		{name: "12/wrong jkt", proofs: good(nil), req: func(r *dpop.Request) { r.JKT = publicThumbprint(t, other) }, want: []error{dpop.ErrKeyMismatch}},
		// Section 11.1: a proof is accepted once.
		{name: "11.1/jti replayed", proofs: good(nil), twice: true, want: []error{dpop.ErrReplay}},
		{name: "11.1/jti replayed with its access token", proofs: set("ath", ath), req: func(r *dpop.Request) { r.AccessToken = accessToken }, twice: true, want: []error{dpop.ErrReplay}},
		// Misuse by the caller.
		{name: "config/HMAC allowed", proofs: good(nil), config: func(v *dpop.Verifier) { v.Algorithms = []jwk.Algorithm{jwk.ES256, jwk.HS256} }, want: []error{dpop.ErrMisconfigured}},
		{name: "config/unknown algorithm", proofs: good(nil), config: func(v *dpop.Verifier) { v.Algorithms = []jwk.Algorithm{"none"} }, want: []error{dpop.ErrMisconfigured}},
		{name: "config/Window too long", proofs: good(nil), config: func(v *dpop.Verifier) { v.Window = 2 * dpop.MaxWindow }, want: []error{dpop.ErrMisconfigured}},
		{name: "config/Leeway too long", proofs: good(nil), config: func(v *dpop.Verifier) { v.Leeway = 2 * dpop.MaxLeeway }, want: []error{dpop.ErrMisconfigured}},
		{name: "config/MaxRSABits too small", proofs: good(nil), config: func(v *dpop.Verifier) { v.MaxRSABits = 1024 }, want: []error{dpop.ErrMisconfigured}},
		{name: "request/no method", proofs: good(nil), req: func(r *dpop.Request) { r.Method = "" }, want: []error{dpop.ErrMisconfigured}},
		{name: "request/relative URI", proofs: good(nil), req: func(r *dpop.Request) { r.URI = "/token" }, want: []error{dpop.ErrMisconfigured}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := &dpop.Request{Method: testMethod, URI: testURI}
			if c.req != nil {
				c.req(r)
			}
			v := &dpop.Verifier{Now: clock}
			if c.config != nil {
				c.config(v)
			}
			proofs := c.proofs(t)
			if c.twice {
				if _, err := verify(t, v, proofs, r); err != nil {
					t.Fatalf("first Verify: %v", err)
				}
			}
			p, err := verify(t, v, proofs, r)
			if err == nil || p != nil {
				t.Fatalf("Verify = %+v, %v; want an error", p, err)
			}
			for _, w := range c.want {
				if !errors.Is(err, w) {
					t.Errorf("error %q does not wrap %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "dpop: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestVerifyAccepts checks what a proof may differ in from the request
// and still verify: the normalizations of RFC 3986, Section 6 that RFC
// 9449, Section 4.3 asks for, the query and fragment, and the edges of the
// iat window.
func TestVerifyAccepts(t *testing.T) {
	es := privateKey(t, jwk.ES256)
	esJWK := publicJWK(t, es)
	cases := []struct {
		name   string
		hdr    string
		claims map[string]any
		req    dpop.Request
	}{
		{name: "RFC 9449 4.3/query and fragment ignored", claims: map[string]any{"htu": testURI}, req: dpop.Request{URI: testURI + "?code=abc#frag"}},
		{name: "RFC 9449 4.3/query in htu ignored", claims: map[string]any{"htu": testURI + "?x=1#y"}},
		{name: "RFC 3986 6.2.2.1/scheme and host case", claims: map[string]any{"htu": "HTTPS://Server.EXAMPLE.com/token"}},
		{name: "RFC 3986 6.2.3/default port", claims: map[string]any{"htu": "https://server.example.com:443/token"}},
		{name: "RFC 3986 6.2.3/default port in the request", claims: map[string]any{"htu": testURI}, req: dpop.Request{URI: "https://server.example.com:443/token"}},
		{name: "RFC 3986 6.2.3/empty port", claims: map[string]any{"htu": "https://server.example.com:/token"}},
		{name: "RFC 3986 6.2.3/empty path", claims: map[string]any{"htu": "https://server.example.com"}, req: dpop.Request{URI: "https://server.example.com/"}},
		{name: "RFC 3986 6.2.3/http default port", claims: map[string]any{"htu": "http://localhost:80/token"}, req: dpop.Request{URI: "http://localhost/token"}},
		{name: "RFC 3986 6.2.2.2/unreserved escaped", claims: map[string]any{"htu": "https://server.example.com/%74oken"}},
		{name: "RFC 3986 6.2.2.1/escape case", claims: map[string]any{"htu": "https://server.example.com/a%2fb"}, req: dpop.Request{URI: "https://server.example.com/a%2Fb"}},
		{name: "RFC 3986 6.2.2.3/dot segments", claims: map[string]any{"htu": "https://server.example.com/a/../b/./token"}, req: dpop.Request{URI: "https://server.example.com/b/token"}},
		{name: "RFC 3986 6.2.2.3/escaped dot segment", claims: map[string]any{"htu": "https://server.example.com/a/%2E%2E/token"}},
		{name: "RFC 3986 3.2.2/IPv6 literal and port", claims: map[string]any{"htu": "https://[::1]:8443/token"}, req: dpop.Request{URI: "https://[::1]:8443/token"}},
		{name: "RFC 7515 4.1.9/typ with application/", hdr: header("application/dpop+jwt", jwk.ES256, esJWK)},
		{name: "RFC 7515 4.1.9/typ case", hdr: header("DPoP+JWT", jwk.ES256, esJWK)},
		{name: "RFC 9449 11.1/iat at the start of the window", claims: map[string]any{"iat": now.Add(-dpop.DefaultWindow - dpop.DefaultLeeway + time.Second).Unix()}},
		{name: "RFC 9449 11.1/iat within the leeway ahead", claims: map[string]any{"iat": now.Add(dpop.DefaultLeeway).Unix()}},
		{name: "RFC 7519 2/fractional iat", claims: map[string]any{"iat": float64(now.Unix()) + 0.5}},
		{name: "RFC 9449 4.2/nonce not required", claims: map[string]any{"nonce": "n-0"}},
		{name: "RFC 9449 4.2/ath without an access token", claims: map[string]any{"ath": "ignored"}},
		{name: "RFC 7517 4.5/jwk with a kid", hdr: header("dpop+jwt", jwk.ES256, strings.Replace(esJWK, `"kty"`, `"kid":"k-1","kty"`, 1))},
		{name: "RFC 7515 4.1.4/header kid", hdr: `{"typ":"dpop+jwt","alg":"ES256","kid":"k-1","jwk":` + esJWK + `}`},
	}
	jkt := publicThumbprint(t, es)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			claims := proofClaims()
			for k, v := range c.claims {
				claims[k] = v
			}
			h := c.hdr
			if h == "" {
				h = header("dpop+jwt", jwk.ES256, esJWK)
			}
			r := c.req
			if r.URI == "" {
				r.URI = testURI
			}
			r.Method, r.JKT = testMethod, jkt
			p, err := verify(t, nil, []string{handProof(t, h, claims, es, jwk.ES256)}, &r)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Thumbprint != jkt {
				t.Errorf("thumbprint %s, want %s", p.Thumbprint, jkt)
			}
		})
	}
}

// TestRequestURIFromCallerOnly shows that the URI comes from the caller:
// a proof for the URI a client claims (say, through X-Forwarded-Host)
// does not verify against the URI the server serves.
func TestRequestURIFromCallerOnly(t *testing.T) {
	es := privateKey(t, jwk.ES256)
	proof, err := dpop.NewProof(es, &dpop.Request{Method: "GET", URI: "https://forwarded.example.net/api"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = verify(t, nil, []string{proof}, &dpop.Request{Method: "GET", URI: "https://api.example.com/api"})
	if !errors.Is(err, dpop.ErrURIMismatch) {
		t.Fatalf("Verify: %v, want ErrURIMismatch", err)
	}
}

func TestProoferErrors(t *testing.T) {
	es := privateKey(t, jwk.ES256)
	for _, c := range []struct {
		name string
		p    *dpop.Proofer
		r    *dpop.Request
	}{
		{"no key", &dpop.Proofer{}, &dpop.Request{Method: "GET", URI: testURI}},
		{"no request", &dpop.Proofer{Key: es}, nil},
		{"no method", &dpop.Proofer{Key: es}, &dpop.Request{URI: testURI}},
		{"no URI", &dpop.Proofer{Key: es}, &dpop.Request{Method: "GET"}},
		{"ftp URI", &dpop.Proofer{Key: es}, &dpop.Request{Method: "GET", URI: "ftp://server.example.com/"}},
		{"invalid UTF-8 method", &dpop.Proofer{Key: es}, &dpop.Request{Method: "G\xffT", URI: testURI}},
	} {
		if _, err := c.p.Proof(c.r); !errors.Is(err, dpop.ErrMisconfigured) {
			t.Errorf("%s: %v, want ErrMisconfigured", c.name, err)
		}
	}
	failing := &dpop.Proofer{Key: es, Rand: strings.NewReader("short")}
	if _, err := failing.Proof(&dpop.Request{Method: "GET", URI: testURI}); err == nil {
		t.Error("a failing Rand makes a proof")
	}
}

// TestProofHeader checks the header a Proofer writes: typ, alg and the
// public jwk, and no kid or private member (RFC 9449, Section 4.2).
func TestProofHeader(t *testing.T) {
	for _, alg := range asymmetric {
		key := privateKey(t, alg)
		proof, err := dpop.NewProof(key, &dpop.Request{Method: "GET", URI: testURI})
		if err != nil {
			t.Fatal(err)
		}
		hdr := string(mustB64(t, proof[:strings.IndexByte(proof, '.')]))
		want := `{"alg":"` + string(alg) + `","typ":"dpop+jwt","jwk":` + publicJWK(t, key) + `}`
		if hdr != want {
			t.Errorf("%s header\n%s\nwant\n%s", alg, hdr, want)
		}
	}
}

func b64(s string) string { return base64url.EncodeToString([]byte(s)) }

// privateJWK returns the private JWK of key.
func privateJWK(t testing.TB, key *jwk.PrivateKey) string {
	t.Helper()
	b, err := key.WithKeyID("").MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func publicThumbprint(t testing.TB, key jwk.Key) string {
	t.Helper()
	sum, err := jwk.Thumbprint(key, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64url.EncodeToString(sum)
}

// rsaProof returns a proof whose jwk is an RSA public key with a modulus
// of the given size. The modulus is random, not a product of two primes,
// and the signature is junk: the key must be refused before either
// matters.
func rsaProof(bits int) func(t *testing.T) []string {
	return func(t *testing.T) []string {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
		if err != nil {
			t.Fatal(err)
		}
		n.SetBit(n, bits-1, 1).SetBit(n, 0, 1)
		h := header("dpop+jwt", jwk.RS256, `{"kty":"RSA","n":"`+base64url.EncodeToString(n.Bytes())+`","e":"AQAB"}`)
		c := `{"jti":"x","htm":"POST","htu":"` + testURI + `","iat":` + big.NewInt(now.Unix()).String() + `}`
		return []string{b64(h) + "." + b64(c) + "." + b64(strings.Repeat("s", bits/8))}
	}
}

// TestShortCoordinate checks that an EC jwk whose "x" was written without
// its leading zero octet (as PyJWT and others do) is read left-padded, as
// package jwk reads it, and that its thumbprint is that of the padded key
// (RFC 7638, Section 3.2; RFC 7518, Section 6.2.1.2).
func TestShortCoordinate(t *testing.T) {
	b, err := os.ReadFile("../jwk/testdata/generated-ec-p256-x-leading-zero.json")
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk.ParseKey(b, jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	key := k.(*jwk.PrivateKey)
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	x := mustB64(t, m["x"])
	if x[0] != 0 {
		t.Fatal("the test key's x has no leading zero")
	}
	short := `{"kty":"EC","crv":"P-256","x":"` + base64url.EncodeToString(x[1:]) + `","y":"` + m["y"] + `"}`
	proof := handProof(t, header("dpop+jwt", jwk.ES256, short), proofClaims(), key, jwk.ES256)
	p, err := verify(t, nil, []string{proof}, &dpop.Request{Method: testMethod, URI: testURI, JKT: publicThumbprint(t, key)})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !p.Key.Equal(key.Public()) {
		t.Error("another key")
	}
}

// TestHeaderCache checks that the proof headers a Verifier remembers
// change nothing it decides: a proof with a known header is still checked
// with its key, its payload as strictly, a header under another alg is
// checked in full, and a key that failed is not remembered.
func TestHeaderCache(t *testing.T) {
	es := privateKey(t, jwk.ES256)
	esJWK := publicJWK(t, es)
	k, err := jwk.Generate(jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	other := k.(*jwk.PrivateKey)
	v := &dpop.Verifier{Now: clock}
	r := &dpop.Request{Method: testMethod, URI: testURI, JKT: publicThumbprint(t, es)}
	claims := func(jti string) map[string]any { c := proofClaims(); c["jti"] = jti; return c }
	for i, c := range []struct {
		proof string
		want  error
	}{
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("1"), es, jwk.ES256), nil},
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("2"), es, jwk.ES256), nil},
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("3"), other, jwk.ES256), dpop.ErrBadSignature},
		{handProof(t, header("dpop+jwt", jwk.ES384, esJWK), claims("4"), privateKey(t, jwk.ES384), jwk.ES384), dpop.ErrInvalidKey},
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("1"), es, jwk.ES256), dpop.ErrReplay},
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("5"), es, jwk.ES256), nil},
		{tamperPayload(handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("6"), es, jwk.ES256)), dpop.ErrBadSignature},
		{padPayload(handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("7"), es, jwk.ES256)), dpop.ErrMalformed},
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("8"), es, jwk.ES256) + ".x", dpop.ErrMalformed},
		{strings.Join(strings.Split(handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("9"), es, jwk.ES256), ".")[:2], ".") + ".", dpop.ErrMalformed},
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), map[string]any{"jti": "10"}, es, jwk.ES256), dpop.ErrMissingClaim},
		{handProof(t, header("dpop+jwt", jwk.ES256, esJWK), claims("11"), es, jwk.ES256), nil},
	} {
		_, err := v.Verify(context.Background(), []string{c.proof}, r)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("proof %d: %v, want %v", i, err, c.want)
		}
	}
	offCurve := header("dpop+jwt", jwk.ES256, `{"kty":"EC","crv":"P-256","x":"`+strings.Repeat("A", 43)+`","y":"`+strings.Repeat("A", 43)+`"}`)
	for i := range 2 {
		proof := handProof(t, offCurve, claims(fmt.Sprint("off", i)), es, jwk.ES256)
		if _, err := v.Verify(context.Background(), []string{proof}, &dpop.Request{Method: testMethod, URI: testURI}); !errors.Is(err, dpop.ErrInvalidKey) {
			t.Errorf("off-curve key, try %d: %v", i, err)
		}
	}
}

// tamperPayload changes the first character of the payload of proof.
func tamperPayload(proof string) string {
	i := strings.IndexByte(proof, '.') + 1
	c := byte('e')
	if proof[i] == 'e' {
		c = 'f'
	}
	return proof[:i] + string(c) + proof[i+1:]
}

// padPayload adds base64 padding to the payload of proof.
func padPayload(proof string) string {
	j := strings.LastIndexByte(proof, '.')
	return proof[:j] + "=" + proof[j:]
}
