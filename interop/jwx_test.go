//go:build goexperiment.jsonv2

// jwx v4 is built on encoding/json/v2, which exists only with
// GOEXPERIMENT=jsonv2; without it, jwx_missing_test.go says so.

package interop

import (
	"crypto"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v4/jwa"
	xjwk "github.com/lestrrat-go/jwx/v4/jwk"
	xjwt "github.com/lestrrat-go/jwx/v4/jwt"

	"github.com/wardauth/ward/jose/jwk"
)

func init() {
	// The idiomatic way to decode a private claim into a typed value.
	if err := xjwt.RegisterCustomField[[]string]("roles"); err != nil {
		panic(err)
	}
	peers = append(peers, jwx)
}

func jwxAlg(alg jwk.Algorithm) jwa.SignatureAlgorithm {
	a, ok := jwa.LookupSignatureAlgorithm(string(alg))
	if !ok {
		panic("jwx does not know " + string(alg))
	}
	return a
}

// jwxKey imports a stdlib key (or secret) into a jwx key with kid and alg.
func jwxKey(tb testing.TB, raw any, f *fixture) xjwk.Key {
	tb.Helper()
	k, err := xjwk.Import[xjwk.Key](raw)
	if err != nil {
		tb.Fatalf("jwx import %T: %v", raw, err)
	}
	for name, v := range map[string]any{xjwk.KeyIDKey: f.kid, xjwk.AlgorithmKey: jwxAlg(f.alg), xjwk.KeyUsageKey: "sig"} {
		if err := k.Set(name, v); err != nil {
			tb.Fatalf("jwx key set %s: %v", name, err)
		}
	}
	return k
}

func newJWXToken(tb testing.TB, now time.Time, flatten bool) xjwt.Token {
	tb.Helper()
	t, err := xjwt.NewBuilder().
		Issuer(testIssuer).
		Subject(testSubject).
		Audience([]string{testAudience}).
		Expiration(now.Add(time.Hour)).
		IssuedAt(now).
		JwtID(testJTI).
		Claim("roles", testRoles).
		Build()
	if err != nil {
		tb.Fatalf("jwx build: %v", err)
	}
	if flatten {
		t.Options().Enable(xjwt.FlattenAudience)
	}
	return t
}

// jwxValidation is the strict validation every jwx parse gets.
func jwxValidation() []xjwt.ValidateOption {
	return []xjwt.ValidateOption{
		xjwt.WithIssuer(testIssuer),
		xjwt.WithAudience(testAudience),
		xjwt.WithRequiredClaim(xjwt.ExpirationKey),
		xjwt.WithAcceptableSkew(leeway),
	}
}

func jwxClaims(t xjwt.Token) (string, []string, error) {
	sub, _ := t.Subject()
	roles, err := xjwt.Get[[]string](t, "roles")
	return sub, roles, err
}

var jwx = &peer{
	name: "jwx",
	sign: func(tb testing.TB, f *fixture, withKID bool) string {
		tb.Helper()
		var key any = f.priv
		if withKID {
			key = jwxKey(tb, f.priv, f)
		}
		// jwx writes "aud" as an array by default; leave it so, to cover
		// that form.
		b, err := xjwt.Sign(newJWXToken(tb, time.Now(), false), xjwt.WithKey(jwxAlg(f.alg), key))
		if err != nil {
			tb.Fatalf("jwx sign %s: %v", f.alg, err)
		}
		return string(b)
	},
	verify: func(f *fixture, tok string) (string, []string, error) {
		opts := []xjwt.ParseOption{xjwt.WithKey(jwxAlg(f.alg), f.pub)}
		for _, o := range jwxValidation() {
			opts = append(opts, o)
		}
		t, err := xjwt.Parse([]byte(tok), opts...)
		if err != nil {
			return "", nil, err
		}
		return jwxClaims(t)
	},
	jwk: &peerJWK{
		marshalSet: func(tb testing.TB, fs []*fixture) []byte {
			tb.Helper()
			set := xjwk.NewSet()
			for _, f := range fs {
				if err := set.AddKey(jwxKey(tb, f.pub, f)); err != nil {
					tb.Fatalf("jwx AddKey: %v", err)
				}
			}
			b, err := json.Marshal(set)
			if err != nil {
				tb.Fatalf("jwx marshal JWKS: %v", err)
			}
			return b
		},
		verifyWithSet: func(data []byte, alg jwk.Algorithm, tok string) ([]string, error) {
			set, err := xjwk.Parse(data)
			if err != nil {
				return nil, err
			}
			opts := []xjwt.ParseOption{xjwt.WithKeySet(set)}
			for _, o := range jwxValidation() {
				opts = append(opts, o)
			}
			t, err := xjwt.Parse([]byte(tok), opts...)
			if err != nil {
				return nil, err
			}
			_, roles, err := jwxClaims(t)
			if err != nil {
				return nil, err
			}
			return roles, nil
		},
		thumbprint: func(data []byte) ([]byte, error) {
			k, err := xjwk.ParseKey(data)
			if err != nil {
				return nil, fmt.Errorf("jwx ParseKey: %w", err)
			}
			return k.Thumbprint(crypto.SHA256)
		},
	},
}
