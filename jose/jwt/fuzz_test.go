package jwt_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// fuzzKeys returns fixed signing keys, so that every fuzz worker process
// verifies alike: the HMAC key of RFC 7515, Appendix A.1 (which signed the
// RFC 7519 example) and ECDSA and Ed25519 keys derived from fixed bytes.
func fuzzKeys(f *testing.F) map[jwk.Algorithm]jwk.SigningKey {
	var hs jwk.SigningKey
	for _, v := range loadRFC(f) {
		if v.Alg == jwk.HS256 {
			k, err := jwk.ParseKey(v.JWK, v.Alg)
			if err != nil {
				f.Fatal(err)
			}
			hs = k.(jwk.SigningKey)
		}
	}
	d := sha256.Sum256([]byte("ward fuzz ES256"))
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		f.Fatal(err)
	}
	es, err := jwk.NewPrivateKey(ec, jwk.ES256)
	if err != nil {
		f.Fatal(err)
	}
	seed := sha256.Sum256([]byte("ward fuzz EdDSA"))
	ed, err := jwk.NewPrivateKey(ed25519.NewKeyFromSeed(seed[:]), jwk.EdDSA)
	if err != nil {
		f.Fatal(err)
	}
	return map[jwk.Algorithm]jwk.SigningKey{jwk.HS256: hs, jwk.ES256: es, jwk.EdDSA: ed}
}

// FuzzVerifyJWT checks that Verifier.Verify and VerifyInto never panic,
// and that the claims of any token they accept sign again into a token that
// verifies to the same claims.
func FuzzVerifyJWT(f *testing.F) {
	keys := fuzzKeys(f)
	var list []jwk.Key
	for _, k := range keys {
		list = append(list, k)
	}
	set := setOf(f, list...)
	clock := func() time.Time { return rfcExp.Add(-time.Hour) }
	v := &jwt.Verifier{Keys: set, Now: clock, InsecureSkipIssuerCheck: true, InsecureSkipAudienceCheck: true, InsecureAllowMissingExpiry: true}

	for _, r := range loadRFC(f) {
		f.Add(r.Token)
	}
	exp := rfcExp
	for _, k := range keys {
		for _, claims := range []any{
			&jwt.Claims{Issuer: "joe", ExpiresAt: exp},
			&jwt.Claims{Issuer: issuer, Subject: "alice", Audience: jwt.Audience{"a", "b"}, ExpiresAt: exp, NotBefore: exp.Add(-2 * time.Hour), IssuedAt: exp.Add(-2 * time.Hour), ID: "j"},
			map[string]any{"iss": "joe", "exp": exp.Unix(), "roles": []any{"a", 1.5, nil, true, map[string]any{"k": "v"}}, "big": 1e300, "s": "\u00e9\u2028\U0001F600"},
			map[string]any{"exp": 1300819379.5, "aud": "x"},
			map[string]any{},
		} {
			tok, err := jwt.Sign(claims, k)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(tok)
		}
	}
	for _, a := range attacks(f) {
		f.Add(a.token)
	}

	f.Fuzz(func(t *testing.T, token string) { checkResign(t, v, keys, token) })
}

// FuzzVerifyJWTClaims is FuzzVerifyJWT with the fuzzer writing the header
// and claims JSON, signed with a fixed key, so that its inputs reach the
// claims checks with a valid signature.
func FuzzVerifyJWTClaims(f *testing.F) {
	keys := fuzzKeys(f)
	hs := keys[jwk.HS256]
	clock := func() time.Time { return rfcExp.Add(-time.Hour) }
	v := &jwt.Verifier{Keys: setOf(f, hs), Now: clock, InsecureSkipIssuerCheck: true, InsecureSkipAudienceCheck: true, InsecureAllowMissingExpiry: true}
	for _, h := range []string{`{"alg":"HS256"}`, `{"alg":"HS256","typ":"JWT","kid":""}`} {
		for _, c := range []string{
			`{}`,
			`{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}`,
			`{"iss":"a","sub":"b","aud":["c","d"],"exp":1300819380.25,"nbf":1,"iat":0,"jti":"e","x":{"y":[1,"2",null,true,1e300,-0.0]}}`,
			`{"aud":"x","exp":9.9e9,"s":"\u00e9\ud83d\ude00\n"}`,
			`{"exp":"1300819380"}`, `{"aud":[1]}`, `{"a":1,"a":2}`,
		} {
			f.Add(h, c)
		}
	}
	f.Fuzz(func(t *testing.T, header, claims string) {
		checkResign(t, v, keys, handToken(t, header, claims, hs, jwk.HS256))
	})
}

// checkResign verifies token with v; if it is accepted, its claims must
// sign again into a token that verifies to the same claims.
func checkResign(t *testing.T, v *jwt.Verifier, keys map[jwk.Algorithm]jwk.SigningKey, token string) {
	{
		c, err := v.Verify(token)
		m := map[string]any{}
		errMap := v.VerifyInto(token, &m)
		var app appClaims
		errApp := v.VerifyInto(token, &app)
		if err != nil {
			if c != nil {
				t.Fatalf("Verify returned claims with %v", err)
			}
			if errMap == nil {
				t.Fatalf("Verify failed (%v), VerifyInto(map) succeeded", err)
			}
			return
		}
		if errMap != nil {
			t.Fatalf("Verify succeeded, VerifyInto(map): %v", errMap)
		}
		_ = errApp // custom fields may legitimately fail to decode (wrong type)

		u, key := resignKey(t, token, keys)
		tok2, err := jwt.Sign(m, key)
		if err != nil {
			t.Fatalf("re-signing %v: %v", m, err)
		}
		c2, err := v.Verify(tok2)
		if err != nil {
			t.Fatalf("re-signed token (claims %s) fails: %v", u, err)
		}
		m2 := map[string]any{}
		if err := v.VerifyInto(tok2, &m2); err != nil {
			t.Fatalf("re-signed token, VerifyInto: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("claims changed when re-signed:\n%v\n%v", m, m2)
		}
		if !sameClaims(c, c2) {
			t.Fatalf("registered claims changed when re-signed:\n%+v\n%+v", c, c2)
		}
		// Re-signing the registered claims alone gives them back too.
		tok3, err := jwt.Sign(c, key)
		if err != nil {
			t.Fatalf("re-signing %+v: %v", c, err)
		}
		c3, err := v.Verify(tok3)
		if err != nil {
			t.Fatalf("re-signed Claims fail: %v", err)
		}
		if !sameClaims(truncated(c), c3) {
			t.Fatalf("Claims changed when re-signed:\n%+v\n%+v", c, c3)
		}
	}
}

// resignKey returns the fixed key that verified token, found by its alg.
func resignKey(t *testing.T, token string, keys map[jwk.Algorithm]jwk.SigningKey) (string, jwk.SigningKey) {
	t.Helper()
	for alg, k := range keys {
		if len(token) > 0 && headerAlg(token) == alg {
			return string(alg), k
		}
	}
	t.Fatalf("no key for verified token %q", token)
	return "", nil
}

func sameClaims(a, b *jwt.Claims) bool {
	return a.Issuer == b.Issuer && a.Subject == b.Subject && a.ID == b.ID &&
		reflect.DeepEqual(a.Audience, b.Audience) &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.NotBefore.Equal(b.NotBefore) && a.IssuedAt.Equal(b.IssuedAt)
}

// truncated returns c with its dates cut to whole seconds, as Claims
// encodes them.
func truncated(c *jwt.Claims) *jwt.Claims {
	cc := *c
	for _, t := range []*time.Time{&cc.ExpiresAt, &cc.NotBefore, &cc.IssuedAt} {
		if !t.IsZero() {
			*t = time.Unix(t.Unix(), 0)
		}
	}
	if len(cc.Audience) == 0 {
		cc.Audience = nil
	}
	return &cc
}
