package interop

import (
	"bytes"
	"crypto"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	wardjwt "github.com/wardauth/ward/jose/jwt"
)

// TestWardToPeers: tokens signed by Ward (jwt.Sign and jwt.Signer) verify
// in every peer, for every algorithm, and a tampered token does not.
func TestWardToPeers(t *testing.T) {
	fs := allFixtures(t)
	for _, alg := range jwk.Algorithms() {
		f := fs[alg]
		viaSign := wardSign(t, f, time.Now())
		// A Signer with a Lifetime fills in "exp" and "iat".
		c := newWardClaims(time.Now())
		c.ExpiresAt, c.IssuedAt = time.Time{}, time.Time{}
		viaSigner, err := (&wardjwt.Signer{Key: f.ward, Lifetime: time.Hour}).Sign(c)
		if err != nil {
			t.Fatalf("Signer.Sign %s: %v", alg, err)
		}
		for _, p := range peers {
			t.Run(string(alg)+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				for _, tok := range []string{viaSign, viaSigner} {
					sub, roles, err := p.verify(f, tok)
					if err != nil {
						t.Fatalf("%s rejects Ward's %s token %s: %v", p.name, alg, tok, err)
					}
					if err := checkClaims(sub, roles); err != nil {
						t.Fatal(err)
					}
				}
				if _, _, err := p.verify(f, tamper(viaSign)); err == nil {
					t.Fatalf("%s accepts a tampered %s token", p.name, alg)
				}
			})
		}
	}
}

// TestPeersToWard: tokens signed by every peer, with and without "kid",
// verify in Ward's jwt.Verifier (Issuer and Audience set), and a tampered
// token does not.
func TestPeersToWard(t *testing.T) {
	fs := allFixtures(t)
	for _, alg := range jwk.Algorithms() {
		f := fs[alg]
		v := wardVerifier(t, f.verify)
		for _, p := range peers {
			t.Run(string(alg)+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				for _, withKID := range []bool{false, true} {
					tok := p.sign(t, f, withKID)
					c, err := wardVerify(v, tok)
					if err != nil {
						t.Fatalf("Ward rejects %s's %s token (kid: %v) %s: %v", p.name, alg, withKID, tok, err)
					}
					if err := checkClaims(c.Subject, c.Roles); err != nil {
						t.Fatal(err)
					}
					if c.ID != testJTI || !c.Audience.Contains(testAudience) || c.ExpiresAt.IsZero() || c.IssuedAt.IsZero() {
						t.Fatalf("claims %+v", c.Claims)
					}
					if _, err := wardVerify(v, tamper(tok)); !errors.Is(err, wardjwt.ErrBadSignature) {
						t.Fatalf("tampered %s token from %s: err = %v, want ErrBadSignature", alg, p.name, err)
					}
				}
			})
		}
	}
}

// jwkPeers returns the peers that speak JWK.
func jwkPeers() []*peer {
	var out []*peer
	for _, p := range peers {
		if p.jwk != nil {
			out = append(out, p)
		}
	}
	return out
}

func asymmetric(fs map[jwk.Algorithm]*fixture) []*fixture {
	var out []*fixture
	for _, alg := range jwk.Algorithms() {
		if alg.KeyType() != jwk.KeyTypeOct {
			out = append(out, fs[alg])
		}
	}
	return out
}

// TestWardJWKSInPeers: the JWKS from Ward's Set.MarshalJSON parses in jwx
// and go-jose, and verifies Ward's tokens there.
func TestWardJWKSInPeers(t *testing.T) {
	fs := asymmetric(allFixtures(t))
	var keys []jwk.Key
	for _, f := range fs {
		keys = append(keys, f.ward) // private keys: the set publishes their public halves
	}
	set, err := jwk.NewSet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := set.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"d"`)) {
		t.Fatalf("public JWKS holds private members: %s", data)
	}
	for _, p := range jwkPeers() {
		for _, f := range fs {
			t.Run(string(f.alg)+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				roles, err := p.jwk.verifyWithSet(data, f.alg, wardSign(t, f, time.Now()))
				if err != nil {
					t.Fatalf("%s with Ward's JWKS: %v\n%s", p.name, err, data)
				}
				if err := checkClaims(testSubject, roles); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestWardSecretJWKSInPeers: the private JWKS of HMAC keys
// (jwk.MarshalPrivateSet) parses in the peers and verifies Ward's tokens.
func TestWardSecretJWKSInPeers(t *testing.T) {
	all := allFixtures(t)
	var fs []*fixture
	var keys []jwk.Key
	for _, alg := range []jwk.Algorithm{jwk.HS256, jwk.HS384, jwk.HS512} {
		fs = append(fs, all[alg])
		keys = append(keys, all[alg].ward)
	}
	set, err := jwk.NewSet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := jwk.MarshalPrivateSet(set)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range jwkPeers() {
		for _, f := range fs {
			t.Run(string(f.alg)+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				if _, err := p.jwk.verifyWithSet(data, f.alg, wardSign(t, f, time.Now())); err != nil {
					t.Fatalf("%s with Ward's secret JWKS: %v", p.name, err)
				}
			})
		}
	}
}

// TestPeerJWKSInWard: the JWKS each peer writes parses in jwk.ParseSet, and
// a Verifier with that set verifies the peer's tokens.
func TestPeerJWKSInWard(t *testing.T) {
	all := allFixtures(t)
	fs := asymmetric(all)
	for _, p := range jwkPeers() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			data := p.jwk.marshalSet(t, fs)
			set, err := jwk.ParseSet(data)
			if err != nil {
				t.Fatalf("jwk.ParseSet(%s JWKS): %v\n%s", p.name, err, data)
			}
			if set.Len() != len(fs) || set.Skipped() != nil {
				t.Fatalf("Ward parsed %d of %d keys from %s, skipping %v", set.Len(), len(fs), data, set.Skipped())
			}
			v := &wardjwt.Verifier{Keys: set, Issuer: testIssuer, Audience: testAudience}
			for _, f := range fs {
				got := set.Lookup(f.kid)
				if len(got) != 1 || got[0].Algorithm() != f.alg {
					t.Fatalf("%s: lookup %q gives %v", f.alg, f.kid, got)
				}
				if pk, ok := got[0].(*jwk.PublicKey); !ok || !pk.Equal(f.verify.(*jwk.PublicKey)) {
					t.Fatalf("%s: %s's JWK holds another key", f.alg, p.name)
				}
				c, err := wardVerify(v, p.sign(t, f, true))
				if err != nil {
					t.Fatalf("%s: Ward with %s's JWKS: %v", f.alg, p.name, err)
				}
				if err := checkClaims(c.Subject, c.Roles); err != nil {
					t.Fatal(err)
				}
			}
			// The secrets too: MarshalPrivateSet in reverse.
			var secrets []*fixture
			for _, alg := range []jwk.Algorithm{jwk.HS256, jwk.HS384, jwk.HS512} {
				secrets = append(secrets, all[alg])
			}
			sset, err := jwk.ParseSet(p.jwk.marshalSet(t, secrets))
			if err != nil {
				t.Fatalf("jwk.ParseSet(%s secret JWKS): %v", p.name, err)
			}
			sv := &wardjwt.Verifier{Keys: sset, Issuer: testIssuer, Audience: testAudience}
			for _, f := range secrets {
				if _, err := wardVerify(sv, p.sign(t, f, true)); err != nil {
					t.Fatalf("%s: Ward with %s's secret JWKS: %v", f.alg, p.name, err)
				}
			}
		})
	}
}

// wardJWK returns Ward's JWK of the public key (or secret) of f.
func wardJWK(tb testing.TB, f *fixture) []byte {
	tb.Helper()
	var b []byte
	var err error
	switch k := f.verify.(type) {
	case *jwk.PublicKey:
		b, err = k.MarshalJSON()
	case *jwk.SecretKey:
		b, err = k.MarshalJSON()
	}
	if err != nil {
		tb.Fatalf("MarshalJSON %s: %v", f.alg, err)
	}
	return b
}

// TestThumbprints: RFC 7638 SHA-256 thumbprints agree between Ward, jwx and
// go-jose, for every key type, computed from Ward's JWK and from each peer's
// JWK. (golang-jwt has no JWK support; it uses the same crypto keys.)
func TestThumbprints(t *testing.T) {
	all := allFixtures(t)
	var fs []*fixture
	for _, alg := range jwk.Algorithms() {
		fs = append(fs, all[alg])
	}
	fs = append(fs, leadingZeroFixtures(t)...)
	for _, f := range fs {
		want, err := jwk.Thumbprint(f.verify, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if f.alg.KeyType() != jwk.KeyTypeOct && f.kid != base64.RawURLEncoding.EncodeToString(want) {
			t.Errorf("%s: Ward kid %q is not its thumbprint", f.alg, f.kid)
		}
		for _, p := range jwkPeers() {
			got, err := p.jwk.thumbprint(wardJWK(t, f))
			if errors.Is(err, errNoOctThumbprint) {
				t.Logf("%s: %s: %v", f.alg, p.name, err)
			} else if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %s thumbprint of Ward's JWK = %x, %v; Ward says %x", f.alg, p.name, got, err, want)
			}
			// And Ward's thumbprint of the peer's JWK.
			set, err := jwk.ParseSet(p.jwk.marshalSet(t, []*fixture{f}))
			if err != nil || set.Len() != 1 {
				t.Fatalf("%s: parse %s JWKS: %v", f.alg, p.name, err)
			}
			got, err = jwk.Thumbprint(set.Keys()[0], crypto.SHA256)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: Ward thumbprint of %s's JWK = %x, %v; want %x", f.alg, p.name, got, err, want)
			}
		}
	}
}

// leadingZeroNames names the fixtures of leadingZeroFixtures.
var leadingZeroNames = []string{"ES256/x", "ES256/y", "ES512/x"}

// leadingZeroFixtures returns EC keys whose padded coordinates start with a
// zero byte: X on P-256, Y on P-256, X on P-521.
func leadingZeroFixtures(tb testing.TB) []*fixture {
	tb.Helper()
	return []*fixture{
		fixtureFor(tb, leadingZeroKey(tb, elliptic.P256(), false), jwk.ES256),
		fixtureFor(tb, leadingZeroKey(tb, elliptic.P256(), true), jwk.ES256),
		fixtureFor(tb, leadingZeroKey(tb, elliptic.P521(), false), jwk.ES512),
	}
}

// TestLeadingZeroCoordinates: EC keys whose coordinates have a leading zero
// byte work in both directions, as crypto keys and through JWKs (where the
// coordinates must stay padded to the curve size, RFC 7518 §6.2.1.2).
func TestLeadingZeroCoordinates(t *testing.T) {
	for i, f := range leadingZeroFixtures(t) {
		t.Run(leadingZeroNames[i], func(t *testing.T) {
			t.Parallel()
			// Ward's JWK keeps the zero byte.
			var m struct{ X, Y string }
			if err := json.Unmarshal(wardJWK(t, f), &m); err != nil {
				t.Fatal(err)
			}
			size := f.alg.SignatureSize() / 2
			for _, c := range []string{m.X, m.Y} {
				if n := base64.RawURLEncoding.DecodedLen(len(c)); n != size {
					t.Fatalf("Ward JWK coordinate of %d bytes, want %d: %s", n, size, wardJWK(t, f))
				}
			}
			v := wardVerifier(t, f.verify)
			for _, p := range peers {
				sub, roles, err := p.verify(f, wardSign(t, f, time.Now()))
				if err == nil {
					err = checkClaims(sub, roles)
				}
				if err != nil {
					t.Errorf("%s rejects Ward's token: %v", p.name, err)
				}
				if _, err := wardVerify(v, p.sign(t, f, true)); err != nil {
					t.Errorf("Ward rejects %s's token: %v", p.name, err)
				}
				if p.jwk == nil {
					continue
				}
				set, err := jwk.NewSet(f.ward)
				if err != nil {
					t.Fatal(err)
				}
				wardSet, err := set.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := p.jwk.verifyWithSet(wardSet, f.alg, wardSign(t, f, time.Now())); err != nil {
					t.Errorf("%s with Ward's JWKS: %v", p.name, err)
				}
				peerSet := p.jwk.marshalSet(t, []*fixture{f})
				ps, err := jwk.ParseSet(peerSet)
				if err != nil {
					t.Fatalf("Ward rejects %s's JWKS %s: %v", p.name, peerSet, err)
				}
				if ps.Skipped() != nil {
					t.Fatalf("Ward skips keys of %s's JWKS %s: %v", p.name, peerSet, ps.Skipped())
				}
				pv := &wardjwt.Verifier{Keys: ps, Issuer: testIssuer, Audience: testAudience}
				if _, err := wardVerify(pv, p.sign(t, f, true)); err != nil {
					t.Errorf("Ward with %s's JWKS: %v", p.name, err)
				}
			}
		})
	}
}

// rawSignature returns the decoded signature of a compact token.
func rawSignature(tb testing.TB, tok string) []byte {
	tb.Helper()
	sig, err := base64.RawURLEncoding.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

// signUntil signs with sign until the ECDSA signature's R (half 0) or S
// (half 1) starts with a zero byte.
func signUntil(tb testing.TB, half int, sign func() string) string {
	tb.Helper()
	for range 100000 {
		tok := sign()
		sig := rawSignature(tb, tok)
		if sig[half*len(sig)/2] == 0 {
			return tok
		}
	}
	tb.Fatalf("no signature with a leading zero in half %d", half)
	return ""
}

// TestLeadingZeroSignatures: ECDSA signatures whose R or S has a leading
// zero byte (kept as padding in the fixed-size R||S form, RFC 7518 §3.4)
// verify in both directions, for ES256 and ES512.
func TestLeadingZeroSignatures(t *testing.T) {
	all := allFixtures(t)
	for _, alg := range []jwk.Algorithm{jwk.ES256, jwk.ES512} {
		f := all[alg]
		v := wardVerifier(t, f.verify)
		for half, part := range []string{"R", "S"} {
			t.Run(string(alg)+"/"+part, func(t *testing.T) {
				t.Parallel()
				tok := signUntil(t, half, func() string { return wardSign(t, f, time.Now()) })
				if n := len(rawSignature(t, tok)); n != alg.SignatureSize() {
					t.Fatalf("Ward signature of %d bytes, want %d", n, alg.SignatureSize())
				}
				for _, p := range peers {
					sub, roles, err := p.verify(f, tok)
					if err == nil {
						err = checkClaims(sub, roles)
					}
					if err != nil {
						t.Errorf("%s rejects Ward's token with a leading zero in %s: %v", p.name, part, err)
					}
					ptok := signUntil(t, half, func() string { return p.sign(t, f, true) })
					if _, err := wardVerify(v, ptok); err != nil {
						t.Errorf("Ward rejects %s's token with a leading zero in %s: %v", p.name, part, err)
					}
				}
			})
		}
	}
}
