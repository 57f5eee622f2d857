package interop

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/wardauth/ward/jose/jwk"
	wardjwt "github.com/wardauth/ward/jose/jwt"
)

// A peer is another JOSE library, seen through the operations the interop
// tests need. Every verify is strict: expected algorithm, issuer and
// audience, "exp" required, and the "roles" claim decoded into a []string.
type peer struct {
	name string
	// sign signs the test claims with f's private key; withKID puts f.kid
	// in the header.
	sign func(tb testing.TB, f *fixture, withKID bool) string
	// verify checks tok with f's public key (or secret) and returns the
	// decoded subject and roles.
	verify func(f *fixture, tok string) (sub string, roles []string, err error)

	// The JWK operations; nil for golang-jwt, which has no JWK support.
	jwk *peerJWK
}

type peerJWK struct {
	// marshalSet returns the peer's JWKS of the public keys of fs (the
	// secrets, for HMAC fixtures), each with "kid" f.kid and "alg".
	marshalSet func(tb testing.TB, fs []*fixture) []byte
	// verifyWithSet parses the JWKS data with the peer, picks the key by
	// the token's "kid" and verifies tok strictly as alg.
	verifyWithSet func(data []byte, alg jwk.Algorithm, tok string) (roles []string, err error)
	// thumbprint parses one JWK with the peer and returns its RFC 7638
	// SHA-256 thumbprint.
	thumbprint func(data []byte) ([]byte, error)
}

// errNoOctThumbprint is what a peer's thumbprint returns for a secret key
// if it cannot take the RFC 7638 thumbprint of an "oct" JWK (go-jose).
var errNoOctThumbprint = errors.New("no RFC 7638 thumbprint for oct keys")

// peers is filled by the peer files (jwx only when built with
// GOEXPERIMENT=jsonv2).
var peers = []*peer{golangJWT, goJose}

// ---- Ward ----

func wardSign(tb testing.TB, f *fixture, now time.Time) string {
	tb.Helper()
	tok, err := wardjwt.Sign(newWardClaims(now), f.ward)
	if err != nil {
		tb.Fatalf("ward sign %s: %v", f.alg, err)
	}
	return tok
}

func wardVerifier(tb testing.TB, keys ...jwk.Key) *wardjwt.Verifier {
	tb.Helper()
	set, err := jwk.NewSet(keys...)
	if err != nil {
		tb.Fatalf("jwk.NewSet: %v", err)
	}
	return &wardjwt.Verifier{Keys: set, Issuer: testIssuer, Audience: testAudience}
}

func wardVerify(v *wardjwt.Verifier, tok string) (*wardClaims, error) {
	var c wardClaims
	if err := v.VerifyInto(tok, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func checkClaims(sub string, roles []string) error {
	if sub != testSubject {
		return fmt.Errorf("sub = %q, want %q", sub, testSubject)
	}
	if !slices.Equal(roles, testRoles) {
		return fmt.Errorf("roles = %q, want %q", roles, testRoles)
	}
	return nil
}

// tamper returns tok with the first character of its signature changed,
// which changes the top six bits of the signature.
func tamper(tok string) string {
	i := len(tok) - 1
	for tok[i-1] != '.' {
		i--
	}
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

// ---- golang-jwt/jwt/v5 ----

type gjClaims struct {
	gjwt.RegisteredClaims
	Roles []string `json:"roles"`
}

func gjMethod(alg jwk.Algorithm) gjwt.SigningMethod {
	return gjwt.GetSigningMethod(string(alg))
}

func newGJClaims(now time.Time) *gjClaims {
	return &gjClaims{
		RegisteredClaims: gjwt.RegisteredClaims{
			Issuer:    testIssuer,
			Subject:   testSubject,
			Audience:  gjwt.ClaimStrings{testAudience},
			ExpiresAt: gjwt.NewNumericDate(now.Add(time.Hour)),
			IssuedAt:  gjwt.NewNumericDate(now),
			ID:        testJTI,
		},
		Roles: testRoles,
	}
}

// newGJParser is the strict golang-jwt parser for alg.
func newGJParser(alg jwk.Algorithm) *gjwt.Parser {
	return gjwt.NewParser(
		gjwt.WithValidMethods([]string{string(alg)}),
		gjwt.WithIssuer(testIssuer),
		gjwt.WithAudience(testAudience),
		gjwt.WithExpirationRequired(),
		gjwt.WithIssuedAt(),
		gjwt.WithLeeway(leeway),
	)
}

var golangJWT = &peer{
	name: "golang-jwt",
	sign: func(tb testing.TB, f *fixture, withKID bool) string {
		tb.Helper()
		t := gjwt.NewWithClaims(gjMethod(f.alg), newGJClaims(time.Now()))
		if withKID {
			t.Header["kid"] = f.kid
		}
		s, err := t.SignedString(f.priv)
		if err != nil {
			tb.Fatalf("golang-jwt sign %s: %v", f.alg, err)
		}
		return s
	},
	verify: func(f *fixture, tok string) (string, []string, error) {
		var c gjClaims
		_, err := newGJParser(f.alg).ParseWithClaims(tok, &c, func(*gjwt.Token) (any, error) { return f.pub, nil })
		return c.Subject, c.Roles, err
	},
}

// ---- go-jose/go-jose/v4 ----

type joseClaims struct {
	josejwt.Claims
	Roles []string `json:"roles"`
}

func joseVerifyClaims(c *joseClaims) error {
	if c.Expiry == nil {
		return errors.New("go-jose: no exp")
	}
	return c.ValidateWithLeeway(josejwt.Expected{Issuer: testIssuer, AnyAudience: josejwt.Audience{testAudience}}, leeway)
}

func newJoseClaims(now time.Time) *joseClaims {
	return &joseClaims{
		Claims: josejwt.Claims{
			Issuer:   testIssuer,
			Subject:  testSubject,
			Audience: josejwt.Audience{testAudience},
			Expiry:   josejwt.NewNumericDate(now.Add(time.Hour)),
			IssuedAt: josejwt.NewNumericDate(now),
			ID:       testJTI,
		},
		Roles: testRoles,
	}
}

func newJoseSigner(tb testing.TB, f *fixture, withKID bool) jose.Signer {
	tb.Helper()
	var key any = f.priv
	if withKID {
		key = jose.JSONWebKey{Key: f.priv, KeyID: f.kid, Algorithm: string(f.alg)}
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(f.alg), Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		tb.Fatalf("go-jose NewSigner %s: %v", f.alg, err)
	}
	return s
}

func joseVerify(alg jwk.Algorithm, key any, tok string) (*joseClaims, error) {
	t, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return nil, err
	}
	var c joseClaims
	if err := t.Claims(key, &c); err != nil {
		return nil, err
	}
	if err := joseVerifyClaims(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

var goJose = &peer{
	name: "go-jose",
	sign: func(tb testing.TB, f *fixture, withKID bool) string {
		tb.Helper()
		s, err := josejwt.Signed(newJoseSigner(tb, f, withKID)).Claims(newJoseClaims(time.Now())).Serialize()
		if err != nil {
			tb.Fatalf("go-jose sign %s: %v", f.alg, err)
		}
		return s
	},
	verify: func(f *fixture, tok string) (string, []string, error) {
		c, err := joseVerify(f.alg, f.pub, tok)
		if err != nil {
			return "", nil, err
		}
		return c.Subject, c.Roles, nil
	},
	jwk: &peerJWK{
		marshalSet: func(tb testing.TB, fs []*fixture) []byte {
			tb.Helper()
			var set jose.JSONWebKeySet
			for _, f := range fs {
				set.Keys = append(set.Keys, jose.JSONWebKey{Key: f.pub, KeyID: f.kid, Algorithm: string(f.alg), Use: "sig"})
			}
			b, err := json.Marshal(set)
			if err != nil {
				tb.Fatalf("go-jose marshal JWKS: %v", err)
			}
			return b
		},
		verifyWithSet: func(data []byte, alg jwk.Algorithm, tok string) ([]string, error) {
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(data, &set); err != nil {
				return nil, err
			}
			t, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			if err != nil {
				return nil, err
			}
			if len(t.Headers) != 1 {
				return nil, errors.New("go-jose: not one signature")
			}
			keys := set.Key(t.Headers[0].KeyID)
			if len(keys) != 1 {
				return nil, fmt.Errorf("go-jose: %d keys for kid %q", len(keys), t.Headers[0].KeyID)
			}
			if keys[0].Algorithm != string(alg) {
				return nil, fmt.Errorf("go-jose: key alg %q, token %s", keys[0].Algorithm, alg)
			}
			var c joseClaims
			if err := t.Claims(keys[0], &c); err != nil {
				return nil, err
			}
			if err := joseVerifyClaims(&c); err != nil {
				return nil, err
			}
			return c.Roles, nil
		},
		thumbprint: func(data []byte) ([]byte, error) {
			var k jose.JSONWebKey
			if err := json.Unmarshal(data, &k); err != nil {
				return nil, err
			}
			if _, ok := k.Key.([]byte); ok {
				return nil, errNoOctThumbprint
			}
			return k.Thumbprint(crypto.SHA256)
		},
	},
}
