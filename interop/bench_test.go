package interop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/wardauth/ward/jose/jwk"
	wardjwt "github.com/wardauth/ward/jose/jwt"
)

// The benchmarks follow one spec (docs/benchmarks.md): Ward signs one token
// per algorithm once, in setup, and every library verifies those same bytes.
// A verify is parse + signature + validation of exp/iat/iss/aud with exp
// required + the "roles" claim decoded into a []string and read. The floor
// is what no library can beat: split, base64url-decode into reused buffers
// and the bare stdlib crypto call, no JSON.

var (
	verifyAlgs = []jwk.Algorithm{jwk.HS256, jwk.RS256, jwk.ES256, jwk.EdDSA}
	signAlgs   = []jwk.Algorithm{jwk.HS256, jwk.ES256}
)

// benchExpiry is "exp" far in the future; benchIssuedAt is "iat".
var (
	benchExpiry   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	benchIssuedAt = time.Now().Truncate(time.Second)
)

var errRoles = errors.New("roles not decoded")

// benchLib is one library under benchmark. verify and sign return nil when
// the library cannot run in this build (jwx without GOEXPERIMENT=jsonv2).
type benchLib struct {
	name string
	// verify returns a function that verifies a token signed with f and
	// fails unless it is valid and its roles decode.
	verify func(tb testing.TB, f *fixture) func(tok string) error
	// sign returns a function that signs the benchmark claims with f.
	sign func(tb testing.TB, f *fixture) func() error
}

var (
	jwxBench  = &benchLib{name: "jwx"} // filled by bench_jwx_test.go
	benchLibs = []*benchLib{wardBench, golangJWTBench, jwxBench, goJoseBench, floorBench}
)

var (
	benchOnce     sync.Once
	benchFixtures map[jwk.Algorithm]*fixture
	benchTokens   map[jwk.Algorithm]string
)

// benchSetup makes one key per algorithm (RSA 2048) and signs the one token
// per algorithm that every library verifies.
func benchSetup(tb testing.TB) {
	tb.Helper()
	benchOnce.Do(func() {
		benchFixtures = make(map[jwk.Algorithm]*fixture)
		benchTokens = make(map[jwk.Algorithm]string)
		for _, alg := range verifyAlgs {
			k, err := jwk.Generate(alg)
			if err != nil {
				tb.Fatal(err)
			}
			f := newFixture(tb, k)
			if alg == jwk.HS256 {
				// Ward's secret keys have no key ID unless given one; in
				// the benchmark, the HS256 token carries none.
				f.ward, f.verify, f.kid = k, k.(*jwk.SecretKey), ""
			}
			tok, err := wardjwt.Sign(newBenchWardClaims(), f.ward)
			if err != nil {
				tb.Fatal(err)
			}
			benchFixtures[alg], benchTokens[alg] = f, tok
		}
	})
	if len(benchTokens) != len(verifyAlgs) {
		tb.Fatal("benchmark setup failed")
	}
}

func newBenchWardClaims() *wardClaims {
	return &wardClaims{
		Claims: wardjwt.Claims{
			Issuer:    testIssuer,
			Subject:   testSubject,
			Audience:  wardjwt.Audience{testAudience},
			ExpiresAt: benchExpiry,
			IssuedAt:  benchIssuedAt,
			ID:        testJTI,
		},
		Roles: testRoles,
	}
}

// BenchmarkVerify/<ALG>/<lib>: every library verifies the same Ward-signed
// token.
func BenchmarkVerify(b *testing.B) {
	benchSetup(b)
	for _, alg := range verifyAlgs {
		f, tok := benchFixtures[alg], benchTokens[alg]
		for _, lib := range benchLibs {
			b.Run(string(alg)+"/"+lib.name, func(b *testing.B) {
				if lib.verify == nil {
					b.Skip(lib.name + " needs GOEXPERIMENT=jsonv2")
				}
				verify := lib.verify(b, f)
				if err := verify(tok); err != nil {
					b.Fatalf("%s rejects the %s token: %v", lib.name, alg, err)
				}
				if err := verify(tamper(tok)); err == nil {
					b.Fatalf("%s accepts a tampered %s token", lib.name, alg)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := verify(tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSign/<ALG>/<lib>: every library signs the same claims with the
// same key. Each iteration builds the claims value, as a caller would.
func BenchmarkSign(b *testing.B) {
	benchSetup(b)
	// golang-jwt writes a one-element "aud" as an array unless told not to;
	// make it write the string, like the others.
	defer func(old bool) { gjwt.MarshalSingleStringAsArray = old }(gjwt.MarshalSingleStringAsArray)
	gjwt.MarshalSingleStringAsArray = false
	for _, alg := range signAlgs {
		f := benchFixtures[alg]
		v := &wardjwt.Verifier{Keys: mustSet(b, f.verify), Issuer: testIssuer, Audience: testAudience}
		for _, lib := range benchLibs {
			b.Run(string(alg)+"/"+lib.name, func(b *testing.B) {
				if lib.sign == nil {
					b.Skip(lib.name + " needs GOEXPERIMENT=jsonv2")
				}
				sign := lib.sign(b, f)
				if err := sign(); err != nil {
					b.Fatalf("%s sign %s: %v", lib.name, alg, err)
				}
				if lib != floorBench {
					// What was signed verifies in Ward, with the same claims.
					c, err := wardVerify(v, signSink)
					if err != nil {
						b.Fatalf("Ward rejects %s's %s token: %v", lib.name, alg, err)
					}
					if err := checkClaims(c.Subject, c.Roles); err != nil || !c.ExpiresAt.Equal(benchExpiry) {
						b.Fatalf("%s's token: %v, exp %v", lib.name, err, c.ExpiresAt)
					}
					if !strings.HasPrefix(payloadOf(b, signSink), `{`) || strings.Contains(payloadOf(b, signSink), `"aud":[`) {
						b.Fatalf("%s's claims have an array aud: %s", lib.name, payloadOf(b, signSink))
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := sign(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// signSink holds the last token signed, so that no sign is optimized away.
var signSink string

func payloadOf(tb testing.TB, tok string) string {
	tb.Helper()
	parts := strings.Split(tok, ".")
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	return string(p)
}

func mustSet(tb testing.TB, keys ...jwk.Key) *jwk.Set {
	tb.Helper()
	s, err := jwk.NewSet(keys...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// ---- Ward ----

var wardBench = &benchLib{
	name: "ward",
	verify: func(tb testing.TB, f *fixture) func(string) error {
		v := &wardjwt.Verifier{Keys: mustSet(tb, f.verify), Issuer: testIssuer, Audience: testAudience}
		return func(tok string) error {
			var c struct {
				wardjwt.Claims
				Roles []string `json:"roles"`
			}
			if err := v.VerifyInto(tok, &c); err != nil {
				return err
			}
			if len(c.Roles) != 2 {
				return errRoles
			}
			return nil
		}
	},
	sign: func(tb testing.TB, f *fixture) func() error {
		s := &wardjwt.Signer{Key: f.ward}
		return func() error {
			c := wardClaims{
				Claims: wardjwt.Claims{
					Issuer:    testIssuer,
					Subject:   testSubject,
					Audience:  wardjwt.Audience{testAudience},
					ExpiresAt: benchExpiry,
					IssuedAt:  benchIssuedAt,
					ID:        testJTI,
				},
				Roles: testRoles,
			}
			tok, err := s.Sign(&c)
			signSink = tok
			return err
		}
	},
}

// ---- golang-jwt ----

var golangJWTBench = &benchLib{
	name: "golang-jwt",
	verify: func(tb testing.TB, f *fixture) func(string) error {
		p := newGJParser(f.alg) // reused, as ParseWithClaims would build one per call
		pub := f.pub
		keyFunc := func(*gjwt.Token) (any, error) { return pub, nil }
		return func(tok string) error {
			var c gjClaims
			if _, err := p.ParseWithClaims(tok, &c, keyFunc); err != nil {
				return err
			}
			if len(c.Roles) != 2 {
				return errRoles
			}
			return nil
		}
	},
	sign: func(tb testing.TB, f *fixture) func() error {
		method := gjMethod(f.alg)
		kid, key := f.kid, f.priv
		return func() error {
			t := gjwt.NewWithClaims(method, &gjClaims{
				RegisteredClaims: gjwt.RegisteredClaims{
					Issuer:    testIssuer,
					Subject:   testSubject,
					Audience:  gjwt.ClaimStrings{testAudience},
					ExpiresAt: gjwt.NewNumericDate(benchExpiry),
					IssuedAt:  gjwt.NewNumericDate(benchIssuedAt),
					ID:        testJTI,
				},
				Roles: testRoles,
			})
			if kid != "" {
				t.Header["kid"] = kid
			}
			tok, err := t.SignedString(key)
			signSink = tok
			return err
		}
	},
}

// ---- go-jose ----

var goJoseBench = &benchLib{
	name: "go-jose",
	verify: func(tb testing.TB, f *fixture) func(string) error {
		algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(f.alg)}
		want := josejwt.Expected{Issuer: testIssuer, AnyAudience: josejwt.Audience{testAudience}}
		pub := f.pub
		return func(tok string) error {
			t, err := josejwt.ParseSigned(tok, algs)
			if err != nil {
				return err
			}
			// One struct embedding jwt.Claims: one JSON decode, where
			// Claims(key, &std, &custom) would decode the payload twice.
			var c joseClaims
			if err := t.Claims(pub, &c); err != nil {
				return err
			}
			if c.Expiry == nil {
				return errors.New("go-jose: no exp")
			}
			if err := c.ValidateWithLeeway(want, leeway); err != nil {
				return err
			}
			if len(c.Roles) != 2 {
				return errRoles
			}
			return nil
		}
	},
	sign: func(tb testing.TB, f *fixture) func() error {
		signer := newJoseSigner(tb, f, f.kid != "")
		return func() error {
			tok, err := josejwt.Signed(signer).Claims(&joseClaims{
				Claims: josejwt.Claims{
					Issuer:   testIssuer,
					Subject:  testSubject,
					Audience: josejwt.Audience{testAudience},
					Expiry:   josejwt.NewNumericDate(benchExpiry),
					IssuedAt: josejwt.NewNumericDate(benchIssuedAt),
					ID:       testJTI,
				},
				Roles: testRoles,
			}).Serialize()
			signSink = tok
			return err
		}
	},
}

// ---- the floor ----

var errFloor = errors.New("floor: bad token")

var floorBench = &benchLib{
	name: "floor",
	verify: func(tb testing.TB, f *fixture) func(string) error {
		// Reused buffers, large enough for the benchmark tokens.
		hdr, payload, sig := make([]byte, 512), make([]byte, 1024), make([]byte, 512)
		var check func(input, sig []byte) bool
		switch pub := f.pub.(type) {
		case []byte:
			h := hmac.New(sha256.New, pub)
			var sum [sha256.Size]byte
			check = func(input, sig []byte) bool {
				h.Reset()
				h.Write(input)
				return hmac.Equal(h.Sum(sum[:0]), sig)
			}
		case *rsa.PublicKey:
			check = func(input, sig []byte) bool {
				d := sha256.Sum256(input)
				return rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) == nil
			}
		case *ecdsa.PublicKey:
			var der [80]byte
			check = func(input, sig []byte) bool {
				d := sha256.Sum256(input)
				return ecdsa.VerifyASN1(pub, d[:], p256DER(der[:0], sig))
			}
		case ed25519.PublicKey:
			check = func(input, sig []byte) bool { return ed25519.Verify(pub, input, sig) }
		}
		return func(tok string) error {
			i := strings.IndexByte(tok, '.')
			j := strings.LastIndexByte(tok, '.')
			if i < 0 || j <= i {
				return errFloor
			}
			enc := base64.RawURLEncoding
			if _, err := enc.Decode(hdr, bytesOf(tok[:i])); err != nil {
				return err
			}
			if _, err := enc.Decode(payload, bytesOf(tok[i+1:j])); err != nil {
				return err
			}
			n, err := enc.Decode(sig, bytesOf(tok[j+1:]))
			if err != nil {
				return err
			}
			if !check(bytesOf(tok[:j]), sig[:n]) {
				return errFloor
			}
			return nil
		}
	},
	sign: func(tb testing.TB, f *fixture) func() error {
		input := []byte(benchTokens[f.alg][:strings.LastIndexByte(benchTokens[f.alg], '.')])
		switch priv := f.priv.(type) {
		case []byte:
			h := hmac.New(sha256.New, priv)
			var sum [sha256.Size]byte
			return func() error {
				h.Reset()
				h.Write(input)
				sumSink = h.Sum(sum[:0])
				return nil
			}
		case *ecdsa.PrivateKey:
			d := sha256.Sum256(input)
			return func() error {
				sig, err := ecdsa.SignASN1(rand.Reader, priv, d[:])
				sumSink = sig
				return err
			}
		}
		return nil
	},
}

var sumSink []byte

// p256DER appends the DER SEQUENCE of the P-256 R||S signature raw: the
// minimal conversion ecdsa.VerifyASN1 needs, without allocating.
func p256DER(dst, raw []byte) []byte {
	if len(raw) != 64 {
		return nil
	}
	r, s := trimInt(raw[:32]), trimInt(raw[32:])
	lr, ls := len(r)+int(r[0]>>7), len(s)+int(s[0]>>7) // a zero byte before a set top bit
	dst = append(dst, 0x30, byte(4+lr+ls), 0x02, byte(lr))
	if lr > len(r) {
		dst = append(dst, 0)
	}
	dst = append(dst, r...)
	dst = append(dst, 0x02, byte(ls))
	if ls > len(s) {
		dst = append(dst, 0)
	}
	return append(dst, s...)
}

func trimInt(v []byte) []byte {
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	return v
}

// bytesOf returns the bytes of s without a copy; they must not be modified.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
