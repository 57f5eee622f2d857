package jwt_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

// attack is one row of the negative table: a token with exactly one
// defect, the verifier it is presented to, and the error it must get.
type attack struct {
	name  string
	src   string // the RFC section, advisory or design rule checked
	token string
	// keys is the verifier's key set; nil means the HS256 test key.
	keys *jwk.Set
	// config adjusts the base verifier (issuer, audience, fixed clock).
	config func(v *jwt.Verifier)
	// want lists the acceptable errors; nil means the token must verify.
	want []error
}

func errs(e ...error) []error { return e }

// baseClaims returns claims that pass the base verifier, with extra
// members (each starting with a comma) appended.
func baseClaims(extra string) string {
	return `{"iss":"` + issuer + `","aud":"` + audience + `","exp":` + unix(time.Hour) + extra + `}`
}

func newVerifier(keys *jwk.Set, config func(*jwt.Verifier)) *jwt.Verifier {
	v := &jwt.Verifier{Keys: keys, Issuer: issuer, Audience: audience, Now: fixedNow}
	if config != nil {
		config(v)
	}
	return v
}

func nestedValue(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

func attacks(t testing.TB) []attack {
	t.Helper()
	hs := testKey(t, jwk.HS256)
	rs := testKey(t, jwk.RS256)
	ps := testKey(t, jwk.PS256)
	es := testKey(t, jwk.ES256)
	es384 := testKey(t, jwk.ES384)
	rsSet := setOf(t, rs)
	psSet := setOf(t, ps)
	esSet := setOf(t, es)

	const hsHeader = `{"alg":"HS256","typ":"JWT"}`
	tok := func(claims string) string { return handToken(t, hsHeader, claims, hs, jwk.HS256) }
	withHeader := func(header string) string { return handToken(t, header, baseClaims(""), hs, jwk.HS256) }
	good := tok(baseClaims(""))
	segs := strings.Split(good, ".")

	var rows []attack
	add := func(a attack) { rows = append(rows, a) }

	add(attack{name: "baseline", src: "RFC 7519, Section 7.2", token: good})

	// --- Header and signature attacks, through the Verifier. ---
	for _, none := range []string{"none", "None", "NONE", "nOnE"} {
		h := b64(`{"alg":"` + none + `","typ":"JWT"}`)
		add(attack{name: "alg " + none + " empty signature", src: "RFC 7518, Section 3.6; RFC 8725, Section 3.1", token: h + "." + segs[1] + ".", want: errs(jwt.ErrUnsupportedAlgorithm)})
		add(attack{name: "alg " + none + " with signature", src: "RFC 7518, Section 3.6; RFC 8725, Section 3.1", token: h + "." + segs[1] + "." + segs[2], want: errs(jwt.ErrUnsupportedAlgorithm)})
		add(attack{name: "alg " + none + " InsecureSkip everything", src: "RFC 7518, Section 3.6", token: h + "." + segs[1] + ".", config: func(v *jwt.Verifier) {
			v.InsecureSkipIssuerCheck, v.InsecureSkipAudienceCheck, v.InsecureAllowMissingExpiry = true, true, true
		}, want: errs(jwt.ErrUnsupportedAlgorithm)})
	}

	rsPub := rs.(*jwk.PrivateKey).Public()
	pemBytes, err := jwk.MarshalPEM(rsPub)
	if err != nil {
		t.Fatal(err)
	}
	jwkBytes, err := rsPub.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string][]byte{"PEM": pemBytes, "JWK": jwkBytes} {
		forged, err := jwk.NewSecretKey(secret, jwk.HS256)
		if err != nil {
			t.Fatal(err)
		}
		add(attack{name: "RSA public key " + name + " as HMAC secret", src: "DESIGN §2; CVE-2016-10555", token: handToken(t, hsHeader, baseClaims(""), forged, jwk.HS256), keys: rsSet, want: errs(jwt.ErrAlgorithmMismatch)})
		add(attack{name: "RSA public key " + name + " as HMAC secret, kid", src: "DESIGN §2; CVE-2016-10555", token: handToken(t, `{"alg":"HS256","kid":"`+rs.KeyID()+`"}`, baseClaims(""), forged, jwk.HS256), keys: rsSet, want: errs(jwt.ErrAlgorithmMismatch)})
	}
	// The same with an RSA key parsed without "alg", bound through
	// Verifier.Algorithms, which also allows HS256.
	var members map[string]any
	if err := json.Unmarshal(jwkBytes, &members); err != nil {
		t.Fatal(err)
	}
	delete(members, "alg")
	noAlg, _ := json.Marshal(members)
	unboundRSA, err := jwk.ParseKey(noAlg, "")
	if err != nil {
		t.Fatal(err)
	}
	if unboundRSA.Algorithm() != "" {
		t.Fatalf("RSA key parsed without alg is bound to %s", unboundRSA.Algorithm())
	}
	pemSecret, err := jwk.NewSecretKey(pemBytes, jwk.HS256)
	if err != nil {
		t.Fatal(err)
	}
	add(attack{name: "RSA public key PEM as HMAC secret, unbound key, HS256 allowed", src: "DESIGN §2; CVE-2016-10555", token: handToken(t, hsHeader, baseClaims(""), pemSecret, jwk.HS256), keys: mustSet(t, unboundRSA), config: func(v *jwt.Verifier) { v.Algorithms = []jwk.Algorithm{jwk.RS256, jwk.HS256} }, want: errs(jwt.ErrAlgorithmMismatch, jwt.ErrNoKey)})
	add(attack{name: "RSA public key PEM as HMAC secret, unbound key, RS256 only", src: "DESIGN §2; CVE-2016-10555", token: handToken(t, hsHeader, baseClaims(""), pemSecret, jwk.HS256), keys: mustSet(t, unboundRSA), config: func(v *jwt.Verifier) { v.Algorithms = []jwk.Algorithm{jwk.RS256} }, want: errs(jwt.ErrUnsupportedAlgorithm)})
	add(attack{name: "RS256 key, token PS256", src: "DESIGN §2", token: handToken(t, `{"alg":"PS256"}`, baseClaims(""), ps, jwk.PS256), keys: rsSet, want: errs(jwt.ErrAlgorithmMismatch)})
	add(attack{name: "PS256 key, token RS256", src: "DESIGN §2", token: handToken(t, `{"alg":"RS256"}`, baseClaims(""), rs, jwk.RS256), keys: psSet, want: errs(jwt.ErrAlgorithmMismatch)})
	add(attack{name: "ES256 key, token ES384", src: "DESIGN §2", token: handToken(t, `{"alg":"ES384"}`, baseClaims(""), es384, jwk.ES384), keys: esSet, want: errs(jwt.ErrAlgorithmMismatch)})
	add(attack{name: "ES384 token, P-256 key kid", src: "DESIGN §2", token: handToken(t, `{"alg":"ES384","kid":"`+es.KeyID()+`"}`, baseClaims(""), es384, jwk.ES384), keys: esSet, want: errs(jwt.ErrAlgorithmMismatch)})
	add(attack{name: "alg outside Algorithms", src: "RFC 8725, Section 3.1", token: good, keys: setOf(t, hs, es), config: func(v *jwt.Verifier) { v.Algorithms = []jwk.Algorithm{jwk.ES256} }, want: errs(jwt.ErrUnsupportedAlgorithm)})

	attacker, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	atk, err := jwk.NewPrivateKey(attacker, jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	atkJWK, err := atk.Public().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{
		"jwk": string(atkJWK),
		"jku": `"https://attacker.example/jwks.json"`,
		"x5u": `"https://attacker.example/cert.pem"`,
		"x5c": `["MIIBszCCAVmgAwIBAgIUQ2F0dGFja2VyIGNlcnRpZmljYXRl"]`,
	} {
		for kidName, kid := range map[string]string{"no kid": "", "attacker kid": atk.KeyID(), "victim kid": es.KeyID()} {
			h := `{"alg":"ES256","` + name + `":` + value
			if kid != "" {
				h += `,"kid":"` + kid + `"`
			}
			add(attack{name: "embedded " + name + ", " + kidName, src: "RFC 8725, Section 3.10; DESIGN §2", token: handToken(t, h+"}", baseClaims(""), atk, jwk.ES256), keys: esSet, want: errs(jwt.ErrBadSignature, jwt.ErrNoKey)})
		}
	}

	critTok := withHeader(`{"alg":"HS256","crit":["http://example.invalid/ext"],"http://example.invalid/ext":true}`)
	add(attack{name: "crit unknown", src: "RFC 7515, Section 4.1.11", token: critTok, want: errs(jwt.ErrUnsupportedCritical)})
	add(attack{name: "crit allowed by Verifier.Critical", src: "RFC 7515, Section 4.1.11", token: critTok, config: func(v *jwt.Verifier) { v.Critical = []string{"http://example.invalid/ext"} }})
	add(attack{name: "crit names an absent parameter", src: "RFC 7515, Section 4.1.11", token: withHeader(`{"alg":"HS256","crit":["ext"]}`), config: func(v *jwt.Verifier) { v.Critical = []string{"ext"} }, want: errs(jwt.ErrMalformed)})
	add(attack{name: "crit empty", src: "RFC 7515, Section 4.1.11", token: withHeader(`{"alg":"HS256","crit":[]}`), want: errs(jwt.ErrMalformed)})

	for _, h := range []string{`{"alg":"HS256","alg":"HS256"}`, `{"alg":"HS256","\u0061lg":"HS256"}`, `{"alg":"HS256","typ":"JWT","typ":"JWT"}`} {
		add(attack{name: "header duplicate " + h, src: "RFC 7515, Section 5.2", token: withHeader(h), want: errs(jwt.ErrMalformed)})
	}
	for _, kid := range []string{"1", "null", "{}"} {
		add(attack{name: "kid " + kid, src: "RFC 7515, Section 4.1.4", token: withHeader(`{"alg":"HS256","kid":` + kid + `}`), want: errs(jwt.ErrMalformed)})
	}

	add(attack{name: "header padded", src: "RFC 7515, Section 2", token: b64(hsHeader) + "=." + segs[1] + "." + segs[2], want: errs(jwt.ErrMalformed)})
	add(attack{name: "claims padded", src: "RFC 7515, Section 2", token: segs[0] + "." + segs[1] + "==." + segs[2], want: errs(jwt.ErrMalformed)})
	add(attack{name: "signature padded", src: "RFC 7515, Section 2", token: good + "=", want: errs(jwt.ErrMalformed)})
	add(attack{name: "signature with +/", src: "RFC 7515, Section 2", token: segs[0] + "." + segs[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(segs[2]) + "+/", want: errs(jwt.ErrMalformed)})
	add(attack{name: "two segments", src: "RFC 7519, Section 7.2", token: segs[0] + "." + segs[1], want: errs(jwt.ErrMalformed)})
	add(attack{name: "four segments", src: "RFC 7519, Section 7.2", token: good + "." + segs[2], want: errs(jwt.ErrMalformed)})
	add(attack{name: "five segments", src: "RFC 7519, Section 7.2", token: good + ".." + segs[2], want: errs(jwt.ErrMalformed)})
	add(attack{name: "empty signature", src: "RFC 7519, Section 7.2", token: segs[0] + "." + segs[1] + ".", want: errs(jwt.ErrMalformed, jwt.ErrBadSignature)})
	add(attack{name: "trailing newline", src: "RFC 7515, Section 7.1", token: good + "\n", want: errs(jwt.ErrMalformed)})
	add(attack{name: "LF in claims segment", src: "RFC 7515, Section 7.1", token: segs[0] + "." + segs[1][:8] + "\n" + segs[1][8:] + "." + segs[2], want: errs(jwt.ErrMalformed)})
	add(attack{name: "CR in header segment", src: "RFC 7515, Section 7.1", token: segs[0][:8] + "\r" + segs[0][8:] + "." + segs[1] + "." + segs[2], want: errs(jwt.ErrMalformed)})
	add(attack{name: "CRLF in signature", src: "RFC 7515, Section 7.1", token: segs[0] + "." + segs[1] + "." + segs[2][:8] + "\r\n" + segs[2][8:], want: errs(jwt.ErrMalformed)})

	esTok := handToken(t, `{"alg":"ES256"}`, baseClaims(""), es, jwk.ES256)
	esSegs := strings.Split(esTok, ".")
	esRaw, _ := base64url.DecodeString(esSegs[2])
	zero := make([]byte, 32)
	esWith := func(sig []byte) string { return esSegs[0] + "." + esSegs[1] + "." + base64url.EncodeToString(sig) }
	add(attack{name: "ECDSA baseline", src: "RFC 7518, Section 3.4", token: esTok, keys: esSet})
	add(attack{name: "ECDSA r zero", src: "RFC 7518, Section 3.4; CVE-2022-21449", token: esWith(append(append([]byte(nil), zero...), esRaw[32:]...)), keys: esSet, want: errs(jwt.ErrBadSignature, jwt.ErrMalformed)})
	add(attack{name: "ECDSA s zero", src: "RFC 7518, Section 3.4; CVE-2022-21449", token: esWith(append(append([]byte(nil), esRaw[:32]...), zero...)), keys: esSet, want: errs(jwt.ErrBadSignature, jwt.ErrMalformed)})
	add(attack{name: "ECDSA 63 bytes", src: "RFC 7518, Section 3.4", token: esWith(esRaw[:63]), keys: esSet, want: errs(jwt.ErrBadSignature, jwt.ErrMalformed)})
	add(attack{name: "ECDSA 65 bytes", src: "RFC 7518, Section 3.4", token: esWith(append([]byte{0}, esRaw...)), keys: esSet, want: errs(jwt.ErrBadSignature, jwt.ErrMalformed)})

	psInput := b64(`{"alg":"PS256"}`) + "." + b64(baseClaims(""))
	for name, salt := range map[string]int{"SaltLength 0": 0, "SaltLength 20": 20, "PSSSaltLengthAuto": rsa.PSSSaltLengthAuto, "SaltLength 48": 48} {
		sig, err := rsa.SignPSS(rand.Reader, rsaKey(t), ps.Algorithm().Hash(), hashOf(ps.Algorithm().Hash(), []byte(psInput)), &rsa.PSSOptions{SaltLength: salt})
		if err != nil {
			t.Fatal(err)
		}
		add(attack{name: "PSS " + name, src: "RFC 7518, Section 3.5", token: psInput + "." + base64url.EncodeToString(sig), keys: psSet, want: errs(jwt.ErrBadSignature)})
	}

	add(attack{name: "over MaxSize default", src: "DESIGN §2", token: tok(baseClaims(`,"x":"` + strings.Repeat("a", jws.DefaultMaxSize) + `"`)), want: errs(jwt.ErrTooLarge)})
	add(attack{name: "over Verifier.MaxSize", src: "DESIGN §2", token: good, config: func(v *jwt.Verifier) { v.MaxSize = len(good) - 1 }, want: errs(jwt.ErrTooLarge)})
	add(attack{name: "at Verifier.MaxSize", src: "DESIGN §2", token: good, config: func(v *jwt.Verifier) { v.MaxSize = len(good) }})

	// --- Nesting depth in header and claims (DESIGN §2). The top-level
	// object is depth 1; jws.DefaultMaxDepth is 16. ---
	for _, depth := range []int{14, 15, 16, 17, 32, 33, 100, 1000} {
		var want []error
		if depth+1 > jws.DefaultMaxDepth {
			want = errs(jwt.ErrMalformed)
		}
		add(attack{name: "claims depth " + itoa(depth+1), src: "DESIGN §2", token: tok(baseClaims(`,"x":` + nestedValue(depth))), want: want})
		add(attack{name: "claims array depth " + itoa(depth+1), src: "DESIGN §2", token: tok(baseClaims(`,"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth))), want: want})
		add(attack{name: "header depth " + itoa(depth+1), src: "DESIGN §2", token: withHeader(`{"alg":"HS256","x":` + nestedValue(depth) + `}`), want: want})
	}
	add(attack{name: "claims depth 3, MaxDepth 2", src: "DESIGN §2", token: tok(baseClaims(`,"x":[[1]]`)), config: func(v *jwt.Verifier) { v.MaxDepth = 2 }, want: errs(jwt.ErrMalformed)})
	add(attack{name: "claims depth 2, MaxDepth 2", src: "DESIGN §2", token: tok(baseClaims(`,"x":[1]`)), config: func(v *jwt.Verifier) { v.MaxDepth = 2 }})

	// --- Claims JSON (RFC 7519, Section 7.2, step 10). ---
	for _, c := range []string{
		`{"iss":"` + issuer + `","aud":"api","exp":` + unix(time.Hour) + `,"exp":` + unix(time.Hour) + `}`,
		`{"iss":"` + issuer + `","aud":"api","exp":` + unix(time.Hour) + `,"\u0065xp":` + unix(time.Hour) + `}`,
		`{"iss":"` + issuer + `","\u0069ss":"` + issuer + `","aud":"api","exp":` + unix(time.Hour) + `}`,
		`{"iss":"evil","aud":"api","exp":` + unix(time.Hour) + `,"iss":"` + issuer + `"}`,
		baseClaims(`,"role":"user","role":"admin"`),
		baseClaims(`,"r\u006fle":"user","role":"admin"`),
		baseClaims(`,"x":{"a":1,"a":2}`),
	} {
		add(attack{name: "claims duplicate " + c, src: "RFC 7519, Section 4; RFC 7515, Section 5.2", token: tok(c), want: errs(jwt.ErrMalformed)})
	}
	for _, c := range []string{`[]`, `null`, `"claims"`, `1`, ``, `{`, `{"exp":1,}`, baseClaims("") + `{}`, baseClaims("") + "x", "\xef\xbb\xbf" + baseClaims("")} {
		add(attack{name: "claims not one object " + c, src: "RFC 7519, Section 7.2", token: tok(c), want: errs(jwt.ErrMalformed)})
	}
	for _, c := range []string{
		baseClaims(`,"x":"` + "\xff" + `"`),
		baseClaims(`,"x":"` + "\xed\xa0\x80" + `"`),
		baseClaims(`,"x":"\ud800"`),
		baseClaims(`,"x":"\udfff\ud800"`),
		baseClaims(`,"` + "\xff" + `":1`),
		`{"iss":"` + issuer + "\xc0\xaf" + `","aud":"api","exp":` + unix(time.Hour) + `}`,
		`{"iss":"\ud800","aud":"api","exp":` + unix(time.Hour) + `}`,
		`{"iss":"` + issuer + `","aud":["api","\udc00"],"exp":` + unix(time.Hour) + `}`,
	} {
		add(attack{name: "claims UTF-8 " + c, src: "RFC 8259, Section 8.2; RFC 7519, Section 7.2", token: tok(c), want: errs(jwt.ErrMalformed)})
	}
	add(attack{name: "claims surrogate pair", src: "RFC 8259, Section 7", token: tok(baseClaims(`,"x":"\ud83d\ude00"`))})

	// Dates are JSON numbers (RFC 7519, Section 2, NumericDate).
	for _, claim := range []string{"exp", "nbf", "iat"} {
		for _, val := range []string{`"` + unix(time.Hour) + `"`, `"2030-01-01T00:00:00Z"`, `true`, `null`, `{}`, `[` + unix(time.Hour) + `]`, `1e400`, `-1e400`, `-1`, `1e20`, `-0.5`, `253402300800`, `9223372036854775808`, `18446744073709551616`} {
			c := `{"iss":"` + issuer + `","aud":"api"`
			if claim != "exp" {
				c += `,"exp":` + unix(time.Hour)
			}
			c += `,"` + claim + `":` + val + `}`
			add(attack{name: claim + " " + val, src: "RFC 7519, Section 2 (NumericDate)", token: tok(c), want: errs(jwt.ErrMalformed)})
		}
	}
	add(attack{name: "exp fractional", src: "RFC 7519, Section 2 (NumericDate)", token: tok(`{"iss":"` + issuer + `","aud":"api","exp":` + unix(time.Hour) + `.5}`)})
	add(attack{name: "exp exponent", src: "RFC 7519, Section 2 (NumericDate)", token: tok(`{"iss":"` + issuer + `","aud":"api","exp":1.7000036e9}`)})
	add(attack{name: "exp 9999-12-31", src: "RFC 7519, Section 2 (NumericDate)", token: tok(`{"iss":"` + issuer + `","aud":"api","exp":253402300799}`)})

	// String claims must be strings (RFC 7519, Sections 4.1.1, 4.1.2, 4.1.7).
	for _, claim := range []string{"iss", "sub", "jti"} {
		for _, val := range []string{`1`, `null`, `["a"]`, `{}`, `true`} {
			add(attack{name: claim + " " + val, src: "RFC 7519, Section 4.1", token: tok(baseClaims(`,"` + claim + `":` + val)), want: errs(jwt.ErrMalformed)})
		}
	}

	// "aud" is a string or an array of strings (RFC 7519, Section 4.1.3).
	audTok := func(aud string) string {
		return tok(`{"iss":"` + issuer + `","aud":` + aud + `,"exp":` + unix(time.Hour) + `}`)
	}
	for _, aud := range []string{`1`, `{}`, `{"aud":"api"}`, `["api",1]`, `[1,"api"]`, `[null]`, `null`, `true`, `[["api"]]`, `[{"a":"api"}]`} {
		add(attack{name: "aud " + aud, src: "RFC 7519, Section 4.1.3", token: audTok(aud), want: errs(jwt.ErrMalformed)})
	}
	for _, aud := range []string{`"other"`, `["other"]`, `["a","b"]`, `[]`, `""`, `"API"`, `"api "`, `"ap"`, `"apix"`} {
		add(attack{name: "aud lacking api " + aud, src: "RFC 7519, Section 4.1.3", token: audTok(aud), want: errs(jwt.ErrInvalidAudience)})
	}
	for _, aud := range []string{`"api"`, `["api"]`, `["other","api"]`, `["api","other"]`, `"\u0061pi"`} {
		add(attack{name: "aud holding api " + aud, src: "RFC 7519, Section 4.1.3", token: audTok(aud)})
	}
	add(attack{name: "aud missing", src: "RFC 7519, Section 4.1.3", token: tok(`{"iss":"` + issuer + `","exp":` + unix(time.Hour) + `}`), want: errs(jwt.ErrInvalidAudience)})
	add(attack{name: "aud missing, check skipped", src: "RFC 7519, Section 4.1.3", token: tok(`{"iss":"` + issuer + `","exp":` + unix(time.Hour) + `}`), config: func(v *jwt.Verifier) { v.Audience, v.InsecureSkipAudienceCheck = "", true }})

	// "iss" (RFC 7519, Section 4.1.1): compared exactly.
	issTok := func(iss string) string {
		return tok(`{"iss":` + iss + `,"aud":"api","exp":` + unix(time.Hour) + `}`)
	}
	for _, iss := range []string{`"https://evil.example"`, `"https://issuer.example/"`, `"HTTPS://ISSUER.EXAMPLE"`, `""`} {
		add(attack{name: "iss " + iss, src: "RFC 7519, Section 4.1.1", token: issTok(iss), want: errs(jwt.ErrInvalidIssuer)})
	}
	add(attack{name: "iss missing", src: "RFC 7519, Section 4.1.1", token: tok(`{"aud":"api","exp":` + unix(time.Hour) + `}`), want: errs(jwt.ErrInvalidIssuer)})
	add(attack{name: "iss missing, Issuer skipped", src: "RFC 7519, Section 4.1.1", token: tok(`{"aud":"api","exp":` + unix(time.Hour) + `}`), config: func(v *jwt.Verifier) { v.Issuer, v.InsecureSkipIssuerCheck = "", true }})
	add(attack{name: "iss other, Issuer skipped", src: "RFC 7519, Section 4.1.1", token: issTok(`"https://evil.example"`), config: func(v *jwt.Verifier) { v.InsecureSkipIssuerCheck = true }})

	// Claim names are case-sensitive (RFC 7519, Section 4).
	add(attack{name: "EXP instead of exp", src: "RFC 7519, Section 4", token: tok(`{"iss":"` + issuer + `","aud":"api","EXP":` + unix(time.Hour) + `}`), want: errs(jwt.ErrMissingClaim)})
	add(attack{name: "Exp instead of exp, expired exp absent", src: "RFC 7519, Section 4", token: tok(`{"iss":"` + issuer + `","aud":"api","Exp":` + unix(-time.Hour) + `}`), want: errs(jwt.ErrMissingClaim)})
	add(attack{name: "Iss instead of iss", src: "RFC 7519, Section 4", token: tok(`{"Iss":"` + issuer + `","aud":"api","exp":` + unix(time.Hour) + `}`), want: errs(jwt.ErrInvalidIssuer)})
	add(attack{name: "AUD instead of aud", src: "RFC 7519, Section 4", token: tok(`{"iss":"` + issuer + `","AUD":"api","exp":` + unix(time.Hour) + `}`), want: errs(jwt.ErrInvalidAudience)})
	add(attack{name: "NBF in the future is not nbf", src: "RFC 7519, Section 4", token: tok(baseClaims(`,"NBF":` + unix(time.Hour)))})
	add(attack{name: "EXP in the past is not exp", src: "RFC 7519, Section 4", token: tok(baseClaims(`,"EXP":` + unix(-time.Hour)))})

	// "typ" (RFC 7515, Section 4.1.9; RFC 9068, Section 4).
	atJWT := func(v *jwt.Verifier) { v.Type = "at+jwt" }
	for _, typ := range []string{"at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt", "APPLICATION/AT+JWT", "Application/at+JWT"} {
		add(attack{name: "typ " + typ + " matches at+jwt", src: "RFC 9068, Section 4; RFC 7515, Section 4.1.9", token: withHeader(`{"alg":"HS256","typ":"` + typ + `"}`), config: atJWT})
	}
	for _, typ := range []string{"JWT", "jwt", "application/jwt", "at+jwt ", "at+jwt+x", "xapplication/at+jwt", "application/application/at+jwt", "application/", "at-jwt", ""} {
		add(attack{name: "typ " + typ + " is not at+jwt", src: "RFC 9068, Section 4", token: withHeader(`{"alg":"HS256","typ":"` + typ + `"}`), config: atJWT, want: errs(jwt.ErrInvalidType)})
	}
	add(attack{name: "typ absent, at+jwt required", src: "RFC 9068, Section 4", token: withHeader(`{"alg":"HS256"}`), config: atJWT, want: errs(jwt.ErrInvalidType)})
	add(attack{name: "typ at+jwt, Verifier.Type application/at+jwt", src: "RFC 7515, Section 4.1.9", token: withHeader(`{"alg":"HS256","typ":"at+jwt"}`), config: func(v *jwt.Verifier) { v.Type = "application/at+jwt" }})
	add(attack{name: "typ anything, Type unset", src: "RFC 7519, Section 5.1", token: withHeader(`{"alg":"HS256","typ":"whatever"}`)})

	// Time claims (RFC 7519, Sections 4.1.4 to 4.1.6), fixed clock.
	noLeeway := func(v *jwt.Verifier) { v.Leeway = jwt.NoLeeway }
	timeTok := func(claims string) string { return tok(`{"iss":"` + issuer + `","aud":"api"` + claims + `}`) }
	add(attack{name: "exp = now, no leeway", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(0)), config: noLeeway, want: errs(jwt.ErrExpired)})
	add(attack{name: "exp = now + 1s, no leeway", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(time.Second)), config: noLeeway})
	add(attack{name: "exp = now - 1s, no leeway", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-time.Second)), config: noLeeway, want: errs(jwt.ErrExpired)})
	add(attack{name: "exp = now - 1s, Leeway zero (default)", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-time.Second)), config: func(v *jwt.Verifier) { v.Leeway = 0 }})
	add(attack{name: "exp = now - 1s, Leeway -1h (none)", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-time.Second)), config: func(v *jwt.Verifier) { v.Leeway = -time.Hour }, want: errs(jwt.ErrExpired)})
	add(attack{name: "exp = now - 29s, default leeway", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-29*time.Second))})
	add(attack{name: "exp = now - 30s, default leeway", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-30*time.Second)), want: errs(jwt.ErrExpired)})
	add(attack{name: "exp an hour ago", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-time.Hour)), want: errs(jwt.ErrExpired)})
	add(attack{name: "exp 0", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":0`), want: errs(jwt.ErrExpired)})
	add(attack{name: "exp an hour ago, leeway 5m", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-time.Hour)), config: func(v *jwt.Verifier) { v.Leeway = jwt.MaxLeeway }, want: errs(jwt.ErrExpired)})
	add(attack{name: "exp 4m ago, leeway 5m", src: "RFC 7519, Section 4.1.4", token: timeTok(`,"exp":` + unix(-4*time.Minute)), config: func(v *jwt.Verifier) { v.Leeway = jwt.MaxLeeway }})
	add(attack{name: "nbf in an hour", src: "RFC 7519, Section 4.1.5", token: timeTok(`,"exp":` + unix(2*time.Hour) + `,"nbf":` + unix(time.Hour)), want: errs(jwt.ErrNotYetValid)})
	add(attack{name: "nbf in 29s", src: "RFC 7519, Section 4.1.5", token: timeTok(`,"exp":` + unix(time.Hour) + `,"nbf":` + unix(29*time.Second))})
	add(attack{name: "nbf in 1s, no leeway", src: "RFC 7519, Section 4.1.5", token: timeTok(`,"exp":` + unix(time.Hour) + `,"nbf":` + unix(time.Second)), config: noLeeway, want: errs(jwt.ErrNotYetValid)})
	add(attack{name: "nbf = now, no leeway", src: "RFC 7519, Section 4.1.5", token: timeTok(`,"exp":` + unix(time.Hour) + `,"nbf":` + unix(0)), config: noLeeway})
	add(attack{name: "iat in an hour", src: "RFC 7519, Section 4.1.6", token: timeTok(`,"exp":` + unix(2*time.Hour) + `,"iat":` + unix(time.Hour)), want: errs(jwt.ErrNotYetValid)})
	add(attack{name: "iat an hour ago", src: "RFC 7519, Section 4.1.6", token: timeTok(`,"exp":` + unix(time.Hour) + `,"iat":` + unix(-time.Hour))})
	add(attack{name: "exp missing", src: "DESIGN §2", token: timeTok(``), want: errs(jwt.ErrMissingClaim)})
	add(attack{name: "exp missing, allowed", src: "DESIGN §2", token: timeTok(``), config: func(v *jwt.Verifier) { v.InsecureAllowMissingExpiry = true }})

	// Required claims, registered and custom (DESIGN §2).
	add(attack{name: "required sub missing", src: "DESIGN §2", token: good, config: func(v *jwt.Verifier) { v.RequiredClaims = []string{"sub"} }, want: errs(jwt.ErrMissingClaim)})
	add(attack{name: "required sub present", src: "DESIGN §2", token: tok(baseClaims(`,"sub":"alice"`)), config: func(v *jwt.Verifier) { v.RequiredClaims = []string{"sub"} }})
	add(attack{name: "required custom tenant missing", src: "DESIGN §2", token: good, config: func(v *jwt.Verifier) { v.RequiredClaims = []string{"sub", "tenant"} }, want: errs(jwt.ErrMissingClaim)})
	add(attack{name: "required custom tenant wrong case", src: "DESIGN §2", token: tok(baseClaims(`,"sub":"alice","Tenant":"t1"`)), config: func(v *jwt.Verifier) { v.RequiredClaims = []string{"sub", "tenant"} }, want: errs(jwt.ErrMissingClaim)})
	add(attack{name: "required custom tenant present", src: "DESIGN §2", token: tok(baseClaims(`,"sub":"alice","tenant":"t1"`)), config: func(v *jwt.Verifier) { v.RequiredClaims = []string{"sub", "tenant"} }})
	add(attack{name: "required jti and nbf missing", src: "DESIGN §2", token: good, config: func(v *jwt.Verifier) { v.RequiredClaims = []string{"jti", "nbf"} }, want: errs(jwt.ErrMissingClaim)})

	// Key selection.
	hs2, err := jwk.NewSecretKey([]byte(strings.Repeat("s", 32)), jwk.HS256)
	if err != nil {
		t.Fatal(err)
	}
	add(attack{name: "no kid, two HS256 keys", src: "DESIGN §2", token: good, keys: setOf(t, hs, hs2), want: errs(jwt.ErrNoKey)})
	add(attack{name: "no kid, one HS256 key among others", src: "DESIGN §2", token: good, keys: setOf(t, hs, es, rs)})
	add(attack{name: "kid not found", src: "RFC 7515, Section 4.1.4", token: withHeader(`{"alg":"HS256","kid":"nope"}`), keys: setOf(t, hs.(*jwk.SecretKey).WithKeyID("k1"), hs2.WithKeyID("k2")), want: errs(jwt.ErrNoKey)})
	add(attack{name: "kid found among two", src: "RFC 7515, Section 4.1.4", token: withHeader(`{"alg":"HS256","kid":"k1"}`), keys: setOf(t, hs.(*jwk.SecretKey).WithKeyID("k1"), hs2.WithKeyID("k2"))})

	// "use" and "key_ops": the kid is found, but its key is not for
	// signatures, and the error says so rather than "no key".
	esKid := handToken(t, `{"alg":"ES256","kid":"k"}`, baseClaims(""), es, jwk.ES256)
	esKeyWith := func(extra string) *jwk.Set {
		pub := es.(*jwk.PrivateKey).Public().WithKeyID("k")
		data, err := pub.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		k, err := jwk.ParseKey(append(append(data[:len(data)-1], ","+extra...), '}'), "")
		if err != nil {
			t.Fatal(err)
		}
		return setOf(t, k)
	}
	add(attack{name: `kid of a key with "use":"enc"`, src: "RFC 7517, Section 4.2", token: esKid, keys: esKeyWith(`"use":"enc"`), want: errs(jwt.ErrKeyNotPermitted)})
	add(attack{name: `kid of a key with key_ops ["encrypt"] (Wycheproof JWS tcId 356)`, src: "RFC 7517, Section 4.3", token: esKid, keys: esKeyWith(`"key_ops":["encrypt"]`), want: errs(jwt.ErrKeyNotPermitted)})
	add(attack{name: `kid of a key with key_ops ["verify"]`, src: "RFC 7517, Section 4.3", token: esKid, keys: esKeyWith(`"key_ops":["verify"]`)})
	add(attack{name: `kid of a key with "use":"sig"`, src: "RFC 7517, Section 4.2", token: esKid, keys: esKeyWith(`"use":"sig"`)})

	// Tampering.
	add(attack{name: "claims changed", src: "RFC 7519, Section 7.2", token: segs[0] + "." + b64(baseClaims(`,"admin":true`)) + "." + segs[2], want: errs(jwt.ErrBadSignature)})
	return rows
}

func TestAttacks(t *testing.T) {
	hsSet := setOf(t, testKey(t, jwk.HS256))
	seen := make(map[string]bool)
	for _, a := range attacks(t) {
		if seen[a.name] {
			t.Fatalf("duplicate row name %q", a.name)
		}
		seen[a.name] = true
		if a.keys == nil {
			a.keys = hsSet
		}
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(a.keys, a.config)
			c, err := v.Verify(a.token)
			checkAttack(t, a, err)
			if err != nil && c != nil {
				t.Errorf("Verify returned claims with error %v", err)
			}
			// The same token through VerifyInto with a custom struct and
			// with a map gets the same verdict.
			var custom struct {
				jwt.Claims
				Role   string `json:"role"`
				Tenant string `json:"tenant"`
				X      any    `json:"x"`
			}
			checkAttack(t, a, v.VerifyInto(a.token, &custom))
			m := map[string]any{}
			checkAttack(t, a, v.VerifyInto(a.token, &m))
		})
	}
}

func checkAttack(t *testing.T, a attack, err error) {
	t.Helper()
	if a.want == nil {
		if err != nil {
			t.Fatalf("%s: want success, got %v", a.src, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s: token verified; want %v", a.src, a.want)
	}
	if !isAny(err, a.want...) {
		t.Fatalf("%s: got %v; want one of %v", a.src, err, a.want)
	}
}

// TestVerifierConfig checks that every zero value is safe: a Verifier that
// is missing what it needs fails every token with ErrMisconfigured.
func TestVerifierConfig(t *testing.T) {
	hs := testKey(t, jwk.HS256)
	set := setOf(t, hs)
	tok := handToken(t, `{"alg":"HS256"}`, baseClaims(""), hs, jwk.HS256)
	unbound, err := jwk.ParseKey([]byte(`{"kty":"oct","k":"`+b64(strings.Repeat("x", 64))+`"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	unboundTok := handToken(t, `{"alg":"HS256"}`, baseClaims(""), mustBind(t, unbound, jwk.HS256), jwk.HS256)
	cases := []struct {
		name  string
		v     *jwt.Verifier
		token string
		want  error // nil: valid
	}{
		{"zero Verifier", &jwt.Verifier{}, tok, jwt.ErrMisconfigured},
		{"keys only", &jwt.Verifier{Keys: set}, tok, jwt.ErrMisconfigured},
		{"no issuer", &jwt.Verifier{Keys: set, Audience: audience, Now: fixedNow}, tok, jwt.ErrMisconfigured},
		{"no audience", &jwt.Verifier{Keys: set, Issuer: issuer, Now: fixedNow}, tok, jwt.ErrMisconfigured},
		{"no keys", &jwt.Verifier{Issuer: issuer, Audience: audience, Now: fixedNow}, tok, jwt.ErrMisconfigured},
		{"empty key set", &jwt.Verifier{Keys: mustSet(t), Issuer: issuer, Audience: audience, Now: fixedNow}, tok, jwt.ErrMisconfigured},
		{"InsecureSkipIssuerCheck", &jwt.Verifier{Keys: set, Audience: audience, Now: fixedNow, InsecureSkipIssuerCheck: true}, tok, nil},
		{"InsecureSkipAudienceCheck", &jwt.Verifier{Keys: set, Issuer: issuer, Now: fixedNow, InsecureSkipAudienceCheck: true}, tok, nil},
		{"both skipped", &jwt.Verifier{Keys: set, Now: fixedNow, InsecureSkipIssuerCheck: true, InsecureSkipAudienceCheck: true}, tok, nil},
		{"Leeway 5m", &jwt.Verifier{Keys: set, Issuer: issuer, Audience: audience, Now: fixedNow, Leeway: 5 * time.Minute}, tok, nil},
		{"Leeway 5m1s", &jwt.Verifier{Keys: set, Issuer: issuer, Audience: audience, Now: fixedNow, Leeway: 5*time.Minute + time.Second}, tok, jwt.ErrMisconfigured},
		{"Leeway 1h", &jwt.Verifier{Keys: set, Issuer: issuer, Audience: audience, Now: fixedNow, Leeway: time.Hour}, tok, jwt.ErrMisconfigured},
		{"Leeway negative", &jwt.Verifier{Keys: set, Issuer: issuer, Audience: audience, Now: fixedNow, Leeway: -time.Hour}, tok, nil},
		{"unknown algorithm", &jwt.Verifier{Keys: set, Issuer: issuer, Audience: audience, Now: fixedNow, Algorithms: []jwk.Algorithm{"none"}}, tok, jwt.ErrMisconfigured},
		{"unbound key, no Algorithms", &jwt.Verifier{Keys: mustSet(t, unbound), Issuer: issuer, Audience: audience, Now: fixedNow}, unboundTok, jwt.ErrMisconfigured},
		{"unbound key, two HMAC Algorithms", &jwt.Verifier{Keys: mustSet(t, unbound), Issuer: issuer, Audience: audience, Now: fixedNow, Algorithms: []jwk.Algorithm{jwk.HS256, jwk.HS512}}, unboundTok, jwt.ErrMisconfigured},
		{"unbound key, one HMAC Algorithm", &jwt.Verifier{Keys: mustSet(t, unbound), Issuer: issuer, Audience: audience, Now: fixedNow, Algorithms: []jwk.Algorithm{jwk.HS256, jwk.ES256}}, unboundTok, nil},
		{"unbound key bound to HS512, token HS256", &jwt.Verifier{Keys: mustSet(t, unbound), Issuer: issuer, Audience: audience, Now: fixedNow, Algorithms: []jwk.Algorithm{jwk.HS512}}, unboundTok, jwt.ErrUnsupportedAlgorithm},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Check finds every configuration that fails all tokens.
			if err := c.v.Check(); errors.Is(c.want, jwt.ErrMisconfigured) != errors.Is(err, jwt.ErrMisconfigured) || (err != nil && !errors.Is(err, jwt.ErrMisconfigured)) {
				t.Errorf("Check() = %v, for a Verifier whose tokens get %v", err, c.want)
			}
			for i := range 2 { // the second call uses the cached setup
				_, err := c.v.Verify(c.token)
				if c.want == nil && err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if c.want != nil && !errors.Is(err, c.want) {
					t.Fatalf("call %d: got %v, want %v", i, err, c.want)
				}
			}
		})
	}
}

// Check also reports keys that Verify leaves unused because they cannot be
// bound to an algorithm, which Verify cannot tell from a missing key.
func TestVerifierCheckUnboundKey(t *testing.T) {
	hs := testKey(t, jwk.HS256)
	unbound, err := jwk.ParseKey([]byte(`{"kty":"oct","kid":"old","k":"`+b64(strings.Repeat("x", 64))+`"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	v := &jwt.Verifier{Keys: mustSet(t, hs, unbound), Issuer: issuer, Audience: audience, Now: fixedNow, Algorithms: []jwk.Algorithm{jwk.HS256, jwk.HS512}}
	err = v.Check()
	if !errors.Is(err, jwt.ErrMisconfigured) || !strings.Contains(err.Error(), `oct key "old" has no "alg"`) {
		t.Errorf("Check() = %v", err)
	}
	// Verify still works with the bound key.
	if _, err := v.Verify(handToken(t, `{"alg":"HS256"}`, baseClaims(""), hs, jwk.HS256)); err != nil {
		t.Errorf("Verify: %v", err)
	}
	ok := &jwt.Verifier{Keys: mustSet(t, hs, unbound), Issuer: issuer, Audience: audience, Algorithms: []jwk.Algorithm{jwk.HS256}}
	if err := ok.Check(); err != nil {
		t.Errorf("Check() with one HMAC algorithm: %v", err)
	}
}

func mustSet(t testing.TB, ks ...jwk.Key) *jwk.Set {
	t.Helper()
	s, err := jwk.NewSet(ks...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustBind(t testing.TB, k jwk.Key, alg jwk.Algorithm) *jwk.SecretKey {
	t.Helper()
	sk, err := k.(*jwk.SecretKey).WithAlgorithm(alg)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

// TestRevoked checks the Revoked hook and ErrRevoked.
func TestRevoked(t *testing.T) {
	hs := testKey(t, jwk.HS256)
	tok := handToken(t, `{"alg":"HS256"}`, baseClaims(`,"jti":"t-1"`), hs, jwk.HS256)
	v := newVerifier(setOf(t, hs), func(v *jwt.Verifier) {
		v.Revoked = func(c *jwt.Claims, custom any) error {
			if c.ID == "t-1" {
				return errors.Join(jwt.ErrRevoked, errors.New("jti t-1"))
			}
			return nil
		}
	})
	if _, err := v.Verify(tok); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("got %v, want ErrRevoked", err)
	}
	other := handToken(t, `{"alg":"HS256"}`, baseClaims(`,"jti":"t-2"`), hs, jwk.HS256)
	if _, err := v.Verify(other); err != nil {
		t.Fatal(err)
	}
	// The hook does not run for tokens that fail earlier.
	expired := handToken(t, `{"alg":"HS256"}`, `{"iss":"`+issuer+`","aud":"api","exp":1,"jti":"t-1"}`, hs, jwk.HS256)
	if _, err := v.Verify(expired); !errors.Is(err, jwt.ErrExpired) {
		t.Fatalf("got %v, want ErrExpired", err)
	}
}
