package dpop_test

import (
	"context"
	"crypto"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// FuzzVerify checks that Verify never panics, and that what it accepts is
// a proof for the request: its method and URI, inside its window, with a
// thumbprint that is its key's, and that it never accepts twice.
func FuzzVerify(f *testing.F) {
	vs := loadVectors(f)
	for _, p := range vs.Proofs {
		f.Add(p.Proof, p.Method, p.URI, p.IssuedAt, p.AccessToken)
	}
	for _, key := range fuzzKeys(f) {
		for _, r := range []dpop.Request{
			{Method: "POST", URI: testURI},
			{Method: "GET", URI: "https://resource.example.org/api?q=1", AccessToken: "tok", Nonce: "n"},
		} {
			proof, err := (&dpop.Proofer{Key: key, Now: clock}).Proof(&r)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(proof, r.Method, r.URI, now.Unix(), r.AccessToken)
		}
	}
	f.Fuzz(func(t *testing.T, proof, method, uri string, iat int64, accessToken string) {
		at := time.Unix(iat, 0)
		v := &dpop.Verifier{Now: func() time.Time { return at }}
		r := &dpop.Request{Method: method, URI: uri, AccessToken: accessToken}
		p, err := v.Verify(context.Background(), []string{proof}, r)
		if err != nil {
			if p != nil {
				t.Fatalf("Verify returned a proof and %v", err)
			}
			if !strings.HasPrefix(err.Error(), "dpop: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		if p.Method != method || p.IssuedAt.After(at.Add(dpop.DefaultLeeway)) || !p.IssuedAt.Add(dpop.DefaultWindow+dpop.DefaultLeeway).After(at) {
			t.Fatalf("accepted %+v for %+v at %v", p, r, at)
		}
		if p.Algorithm.KeyType() == jwk.KeyTypeOct || p.Key.Algorithm() != p.Algorithm {
			t.Fatalf("accepted alg %s with a %s key", p.Algorithm, p.Key.Algorithm())
		}
		sum, err := jwk.Thumbprint(p.Key, crypto.SHA256)
		if err != nil || base64url.EncodeToString(sum) != p.Thumbprint {
			t.Fatalf("thumbprint %s, key's %x (%v)", p.Thumbprint, sum, err)
		}
		if _, err := v.Verify(context.Background(), []string{proof}, r); !errors.Is(err, dpop.ErrReplay) {
			t.Fatalf("accepted twice: %v", err)
		}
	})
}

// fuzzKeys returns a key for each asymmetric algorithm, without generating
// RSA keys, which would slow every fuzz worker's start: the RSA algorithms
// use the key of RFC 7517, Appendix C.1.
func fuzzKeys(f *testing.F) []*jwk.PrivateKey {
	b, err := os.ReadFile("../jwk/testdata/rfc7517-C.1-plaintext-rsa-private-key.json")
	if err != nil {
		f.Fatal(err)
	}
	c1, err := jwk.ParseKey(b, jwk.RS256)
	if err != nil {
		f.Fatal(err)
	}
	var keys []*jwk.PrivateKey
	for _, alg := range asymmetric {
		var k *jwk.PrivateKey
		if alg.KeyType() == jwk.KeyTypeRSA {
			k, err = jwk.NewPrivateKey(c1.(*jwk.PrivateKey).Signer(), alg)
		} else {
			var g jwk.Key
			g, err = jwk.Generate(alg)
			k, _ = g.(*jwk.PrivateKey)
		}
		if err != nil {
			f.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}
