package interop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	wardjwt "github.com/wardauth/ward/jose/jwt"
)

// The claims every interop token carries.
const (
	testIssuer   = "https://issuer.example"
	testAudience = "api.example"
	testSubject  = "user-1234"
	testJTI      = "jti-5678"
)

var testRoles = []string{"admin", "billing"}

// leeway is the clock skew every library is configured with, Ward's default.
const leeway = wardjwt.DefaultLeeway

// wardClaims is what Ward signs and what it decodes tokens into.
type wardClaims struct {
	wardjwt.Claims
	Roles []string `json:"roles"`
}

func newWardClaims(now time.Time) *wardClaims {
	return &wardClaims{
		Claims: wardjwt.Claims{
			Issuer:    testIssuer,
			Subject:   testSubject,
			Audience:  wardjwt.Audience{testAudience},
			ExpiresAt: now.Add(time.Hour),
			IssuedAt:  now,
			ID:        testJTI,
		},
		Roles: testRoles,
	}
}

// fixture is one key for one algorithm, in every form the libraries want.
type fixture struct {
	alg    jwk.Algorithm
	ward   jwk.SigningKey      // *jwk.SecretKey or *jwk.PrivateKey
	verify jwk.VerificationKey // the public half, or the secret
	kid    string              // Ward's key ID (the RFC 7638 thumbprint, or set for secrets)
	priv   any                 // []byte, *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey
	pub    any                 // []byte, *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey
}

// newFixture wraps a Ward signing key.
func newFixture(tb testing.TB, k jwk.SigningKey) *fixture {
	tb.Helper()
	f := &fixture{alg: k.Algorithm(), ward: k, kid: k.KeyID()}
	switch k := k.(type) {
	case *jwk.SecretKey:
		if f.kid == "" {
			k = k.WithKeyID("secret-" + string(k.Algorithm()))
			f.ward, f.kid = k, k.KeyID()
		}
		f.verify = k
		f.priv, f.pub = k.Secret(), k.Secret()
	case *jwk.PrivateKey:
		f.verify = k.Public()
		f.priv, f.pub = k.Signer(), k.Public().CryptoPublicKey()
	default:
		tb.Fatalf("unexpected key type %T", k)
	}
	return f
}

// fixtureFor wraps a stdlib private key (or HMAC secret) in a Ward key.
func fixtureFor(tb testing.TB, priv any, alg jwk.Algorithm) *fixture {
	tb.Helper()
	var k jwk.SigningKey
	var err error
	switch p := priv.(type) {
	case []byte:
		k, err = jwk.NewSecretKey(p, alg)
	case crypto.Signer:
		k, err = jwk.NewPrivateKey(p, alg)
	}
	if err != nil || k == nil {
		tb.Fatalf("wrapping %T for %s: %v", priv, alg, err)
	}
	return newFixture(tb, k)
}

var (
	fixturesOnce sync.Once
	fixtures     map[jwk.Algorithm]*fixture
	fixturesErr  error
)

// allFixtures returns one fresh key per algorithm, made once per test binary
// (RSA key generation is the slow part).
func allFixtures(tb testing.TB) map[jwk.Algorithm]*fixture {
	tb.Helper()
	fixturesOnce.Do(func() {
		algs := jwk.Algorithms()
		keys := make([]jwk.SigningKey, len(algs))
		errs := make([]error, len(algs))
		var wg sync.WaitGroup
		for i, alg := range algs {
			wg.Go(func() { keys[i], errs[i] = jwk.Generate(alg) })
		}
		wg.Wait()
		m := make(map[jwk.Algorithm]*fixture)
		for i, alg := range algs {
			if errs[i] != nil {
				fixturesErr = errs[i]
				return
			}
			m[alg] = newFixture(tb, keys[i])
		}
		fixtures = m
	})
	if fixturesErr != nil {
		tb.Fatalf("generating keys: %v", fixturesErr)
	}
	return fixtures
}

// leadingZeroKey returns an ECDSA key on curve whose X (or Y, if y is set)
// coordinate, padded to the curve size, starts with a zero byte.
func leadingZeroKey(tb testing.TB, curve elliptic.Curve, y bool) *ecdsa.PrivateKey {
	tb.Helper()
	for range 100000 {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		point, err := k.PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			tb.Fatal(err)
		}
		size := (len(point) - 1) / 2
		c := point[1]
		if y {
			c = point[1+size]
		}
		if c == 0 {
			return k
		}
	}
	tb.Fatal("no key with a leading zero coordinate after 100000 tries")
	return nil
}
