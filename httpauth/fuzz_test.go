package httpauth

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzCacheLifetime: cacheLifetime never panics, returns a lifetime in
// [0, 2^31 s], and reads "max-age=N" for any N as written.
func FuzzCacheLifetime(f *testing.F) {
	for _, s := range []string{"public, max-age=300", "no-store", `max-age="60"`, "max-age=1, max-age=2", "MAX-AGE = 5", "max-age=", ",,,", "max-age=99999999999999999999"} {
		f.Add(s, uint32(0))
	}
	f.Fuzz(func(t *testing.T, h string, n uint32) {
		d, ok := cacheLifetime([]string{h})
		if d < 0 || d > maxAgeCeiling*time.Second || !ok && d != 0 {
			t.Fatalf("cacheLifetime(%q) = %v, %v", h, d, ok)
		}
		want := time.Duration(n) * time.Second
		if d, ok := cacheLifetime([]string{fmt.Sprintf("public, max-age=%d", n)}); !ok || d != want {
			t.Fatalf("max-age=%d read as %v, %v", n, d, ok)
		}
	})
}

// FuzzParseMetadata: parseMetadata never panics, and what it accepts
// names the expected issuer and an absolute http(s) JWKS URL.
func FuzzParseMetadata(f *testing.F) {
	const iss = "https://ward.example"
	f.Add([]byte(`{"issuer":"https://ward.example","jwks_uri":"https://ward.example/.well-known/jwks.json"}`))
	f.Add([]byte(`{"issuer":"https://ward.example","issuer":"https://evil.example","jwks_uri":"https://x/j"}`))
	f.Add([]byte(`{"issuer":"https:\/\/ward.example","jwks_uri":"http://127.0.0.1:1/j"}`))
	f.Add([]byte(`{"issuer":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		uri, err := parseMetadata(data, iss)
		if err != nil {
			if uri != "" {
				t.Fatalf("error %v with URL %q", err, uri)
			}
			return
		}
		if !strings.HasPrefix(uri, "http://") && !strings.HasPrefix(uri, "https://") {
			t.Fatalf("accepted jwks_uri %q", uri)
		}
	})
}

// FuzzParseJWKS: parseJWKS never panics, and what it accepts holds at
// least one key and no secret key.
func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","alg":"HS256"}]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := parseJWKS(data)
		if err != nil {
			if set != nil {
				t.Fatal("error with a set")
			}
			return
		}
		if set.Len() == 0 {
			t.Fatal("accepted an empty set")
		}
		for _, k := range set.Keys() {
			if k.KeyType() == "oct" {
				t.Fatal("accepted a secret key from a JWKS")
			}
		}
	})
}

// FuzzHeaderKeyID: headerKeyID never panics on any token.
func FuzzHeaderKeyID(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.e30.sig")
	f.Add("e30.")
	f.Add("....")
	f.Fuzz(func(t *testing.T, tok string) {
		kid, err := headerKeyID(tok)
		if err != nil && kid != "" {
			t.Fatalf("error %v with kid %q", err, kid)
		}
	})
}
