package jws_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// attack is one row of the negative table: a token crafted so that exactly
// one defect is present, and the error Verify must return for it.
type attack struct {
	name string
	// src cites the RFC section, advisory or design rule the row checks.
	src   string
	token string
	keys  *jwk.Set
	opts  *jws.VerifyOptions
	// want lists the acceptable errors; nil means the token must verify.
	want []error
}

// sign builds a token from raw (already encoded) header and payload
// segments, signed over exactly those bytes.
func signSegments(t testing.TB, hseg, pseg string, key jwk.SigningKey, alg jwk.Algorithm) string {
	t.Helper()
	input := hseg + "." + pseg
	return input + "." + base64url.EncodeToString(rawSign(t, key, alg, []byte(input)))
}

// dirtyTail sets a low bit of the last character of the canonical
// base64url segment seg, a bit that encodes nothing: the result decodes
// (leniently) to the same bytes but is not canonical (RFC 7515, Appendix C).
func dirtyTail(t testing.TB, seg string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(seg)%4 == 0 {
		t.Fatalf("segment %q has no unused bits", seg)
	}
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[last|1])
}

func nested(open, close string, depth int) string {
	return strings.Repeat(open, depth) + strings.Repeat(close, depth)
}

// setOf returns the set holding the verification halves of keys.
func setOf(t testing.TB, ks ...jwk.Key) *jwk.Set { return verificationSet(t, ks...) }

func ecSig(t testing.TB, r, s []byte) string {
	t.Helper()
	return base64url.EncodeToString(append(append([]byte(nil), r...), s...))
}

func attacks(t testing.TB) []attack {
	t.Helper()
	hs := testKey(t, jwk.HS256)
	rs := testKey(t, jwk.RS256)
	ps := testKey(t, jwk.PS256)
	es := testKey(t, jwk.ES256)
	es384 := testKey(t, jwk.ES384)
	ed := testKey(t, jwk.EdDSA)
	hsSet := setOf(t, hs)
	rsSet := setOf(t, rs)
	psSet := setOf(t, ps)
	esSet := setOf(t, es)

	const payload = `{"sub":"alice"}`
	hsHeader := `{"alg":"HS256"}`
	good := handToken(t, hsHeader, payload, hs, jwk.HS256)
	goodSegs := strings.Split(good, ".")

	var rows []attack
	add := func(a attack) { rows = append(rows, a) }

	// The baseline: only the defect in each row below makes a token fail.
	add(attack{name: "baseline HS256", src: "RFC 7515, Section 5.2", token: good, keys: hsSet})
	add(attack{name: "baseline ES256", src: "RFC 7515, Section 5.2", token: handToken(t, `{"alg":"ES256"}`, payload, es, jwk.ES256), keys: esSet})

	// "none" in every casing, with and without a signature (RFC 7518,
	// Section 3.6; CVE-2015-9235 and friends). DESIGN §2: none is not an
	// algorithm here.
	for _, none := range []string{"none", "None", "NONE", "nOnE"} {
		h := b64(`{"alg":"` + none + `"}`)
		add(attack{name: "alg " + none + " empty signature", src: "RFC 7518, Section 3.6", token: h + "." + b64(payload) + ".", keys: hsSet, want: errs(jws.ErrUnsupportedAlgorithm)})
		add(attack{name: "alg " + none + " with signature", src: "RFC 7518, Section 3.6", token: h + "." + b64(payload) + "." + goodSegs[2], keys: hsSet, want: errs(jws.ErrUnsupportedAlgorithm)})
		add(attack{name: "alg " + none + " with kid", src: "RFC 7518, Section 3.6", token: b64(`{"alg":"`+none+`","kid":"`+rs.KeyID()+`"}`) + "." + b64(payload) + ".", keys: rsSet, want: errs(jws.ErrUnsupportedAlgorithm)})
	}
	for _, alg := range []string{"hs256", "Hs256", "HS256 ", " HS256", "HS-256", "ES256K", "RSA-OAEP", "dir", ""} {
		add(attack{name: "alg " + `"` + alg + `"`, src: "RFC 7515, Section 4.1.1", token: handToken(t, `{"alg":"`+alg+`"}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrUnsupportedAlgorithm)})
	}

	// Algorithm confusion: the RSA public key, as PEM or JWK bytes, used as
	// an HMAC secret (CVE-2016-10555). The verifier holds the RSA key.
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
		add(attack{name: "RSA public key " + name + " as HMAC secret", src: "DESIGN §2; CVE-2016-10555", token: handToken(t, hsHeader, payload, forged, jwk.HS256), keys: rsSet, want: errs(jws.ErrAlgorithmMismatch)})
		add(attack{name: "RSA public key " + name + " as HMAC secret, kid", src: "DESIGN §2; CVE-2016-10555", token: handToken(t, `{"alg":"HS256","kid":"`+rs.KeyID()+`"}`, payload, forged, jwk.HS256), keys: rsSet, want: errs(jws.ErrAlgorithmMismatch)})
		add(attack{name: "RSA public key " + name + " as HMAC secret, HS512", src: "DESIGN §2; CVE-2016-10555", token: handToken(t, `{"alg":"HS512"}`, payload, mustSecret(t, secret, jwk.HS512), jwk.HS512), keys: rsSet, want: errs(jws.ErrAlgorithmMismatch)})
	}

	// Header alg differs from the key's, with a signature that is valid
	// for the header's algorithm.
	add(attack{name: "RS256 key, token PS256", src: "DESIGN §2", token: handToken(t, `{"alg":"PS256"}`, payload, ps, jwk.PS256), keys: rsSet, want: errs(jws.ErrAlgorithmMismatch)})
	add(attack{name: "PS256 key, token RS256", src: "DESIGN §2", token: handToken(t, `{"alg":"RS256"}`, payload, rs, jwk.RS256), keys: psSet, want: errs(jws.ErrAlgorithmMismatch)})
	add(attack{name: "RS256 key, token RS512", src: "DESIGN §2", token: handToken(t, `{"alg":"RS512"}`, payload, testKey(t, jwk.RS512), jwk.RS512), keys: rsSet, want: errs(jws.ErrAlgorithmMismatch)})
	add(attack{name: "ES256 key, token ES384", src: "DESIGN §2", token: handToken(t, `{"alg":"ES384"}`, payload, es384, jwk.ES384), keys: esSet, want: errs(jws.ErrAlgorithmMismatch)})
	add(attack{name: "ES384 token with P-256 key, kid", src: "DESIGN §2; RFC 7518, Section 3.4", token: handToken(t, `{"alg":"ES384","kid":"`+es.KeyID()+`"}`, payload, es384, jwk.ES384), keys: esSet, want: errs(jws.ErrAlgorithmMismatch)})
	add(attack{name: "EdDSA token, ES256 key", src: "DESIGN §2", token: handToken(t, `{"alg":"EdDSA"}`, payload, ed, jwk.EdDSA), keys: esSet, want: errs(jws.ErrAlgorithmMismatch)})
	add(attack{name: "HS256 token, HS384 key", src: "DESIGN §2", token: good, keys: setOf(t, testKey(t, jwk.HS384)), want: errs(jws.ErrAlgorithmMismatch)})
	add(attack{name: "alg not in allow-list", src: "RFC 8725, Section 3.1", token: good, keys: setOf(t, hs, es), opts: &jws.VerifyOptions{Algorithms: []jws.Algorithm{jws.ES256}}, want: errs(jws.ErrUnsupportedAlgorithm)})

	// Keys embedded in the header are never used (RFC 8725, Section 3.10;
	// CVE-2018-0114): the attacker signs with their own key.
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
	embedded := map[string]string{
		"jwk": string(atkJWK),
		"jku": `"https://attacker.example/jwks.json"`,
		"x5u": `"https://attacker.example/cert.pem"`,
		"x5c": `["MIIBszCCAVmgAwIBAgIUQ2F0dGFja2VyIGNlcnRpZmljYXRl"]`,
	}
	for name, value := range embedded {
		add(attack{name: "embedded " + name + ", no kid", src: "RFC 8725, Section 3.10; DESIGN §2", token: handToken(t, `{"alg":"ES256","`+name+`":`+value+`}`, payload, atk, jwk.ES256), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrNoKey)})
		add(attack{name: "embedded " + name + ", attacker kid", src: "RFC 8725, Section 3.10; DESIGN §2", token: handToken(t, `{"alg":"ES256","kid":"`+atk.KeyID()+`","`+name+`":`+value+`}`, payload, atk, jwk.ES256), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrNoKey)})
		add(attack{name: "embedded " + name + ", victim kid", src: "RFC 8725, Section 3.10; DESIGN §2", token: handToken(t, `{"alg":"ES256","kid":"`+es.KeyID()+`","`+name+`":`+value+`}`, payload, atk, jwk.ES256), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrNoKey)})
	}

	// "crit" (RFC 7515, Section 4.1.11).
	critTok := handToken(t, `{"alg":"HS256","crit":["http://example.invalid/ext"],"http://example.invalid/ext":true}`, payload, hs, jwk.HS256)
	add(attack{name: "crit unknown", src: "RFC 7515, Section 4.1.11", token: critTok, keys: hsSet, want: errs(jws.ErrUnsupportedCritical)})
	add(attack{name: "crit known to the caller", src: "RFC 7515, Section 4.1.11", token: critTok, keys: hsSet, opts: &jws.VerifyOptions{Critical: []string{"http://example.invalid/ext"}}})
	add(attack{name: "crit allowed one of two", src: "RFC 7515, Section 4.1.11", token: handToken(t, `{"alg":"HS256","crit":["a","b"],"a":1,"b":2}`, payload, hs, jwk.HS256), keys: hsSet, opts: &jws.VerifyOptions{Critical: []string{"a"}}, want: errs(jws.ErrUnsupportedCritical)})
	add(attack{name: "crit names an absent parameter", src: "RFC 7515, Section 4.1.11", token: handToken(t, `{"alg":"HS256","crit":["exp"]}`, payload, hs, jwk.HS256), keys: hsSet, opts: &jws.VerifyOptions{Critical: []string{"exp"}}, want: errs(jws.ErrMalformed)})
	add(attack{name: "crit empty", src: "RFC 7515, Section 4.1.11", token: handToken(t, `{"alg":"HS256","crit":[]}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "crit not an array", src: "RFC 7515, Section 4.1.11", token: handToken(t, `{"alg":"HS256","crit":"exp","exp":1}`, payload, hs, jwk.HS256), keys: hsSet, opts: &jws.VerifyOptions{Critical: []string{"exp"}}, want: errs(jws.ErrMalformed)})
	add(attack{name: "crit with a number", src: "RFC 7515, Section 4.1.11", token: handToken(t, `{"alg":"HS256","crit":[1]}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "crit lists alg", src: "RFC 7515, Section 4.1.11", token: handToken(t, `{"alg":"HS256","crit":["alg"]}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "crit lists a name twice", src: "RFC 7515, Section 4.1.11", token: handToken(t, `{"alg":"HS256","crit":["a","a"],"a":1}`, payload, hs, jwk.HS256), keys: hsSet, opts: &jws.VerifyOptions{Critical: []string{"a"}}, want: errs(jws.ErrMalformed)})
	add(attack{name: "b64 false", src: "RFC 7797, Section 3", token: handToken(t, `{"alg":"HS256","b64":false,"crit":["b64"]}`, payload, hs, jwk.HS256), keys: hsSet, opts: &jws.VerifyOptions{Critical: []string{"b64"}}, want: errs(jws.ErrUnsupportedCritical)})
	add(attack{name: "JWE header", src: "RFC 7516, Section 9", token: handToken(t, `{"alg":"HS256","enc":"A128GCM"}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})

	// Duplicate member names (RFC 7515, Section 5.2), also when escaped.
	for _, h := range []string{
		`{"alg":"HS256","alg":"HS256"}`,
		`{"alg":"HS256","\u0061lg":"HS256"}`,
		`{"\u0061lg":"HS256","alg":"HS256"}`,
		`{"alg":"HS256","kid":"a","kid":"b"}`,
		`{"alg":"HS256","typ":"JWT","t\u0079p":"JWT"}`,
		`{"alg":"HS256","x":{"a":1,"a":2}}`,
	} {
		add(attack{name: "duplicate " + h, src: "RFC 7515, Section 5.2", token: handToken(t, h, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	}
	// Member names are case-sensitive: "ALG" is not "alg".
	add(attack{name: "ALG instead of alg", src: "RFC 7515, Section 4", token: handToken(t, `{"ALG":"HS256"}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "KID is not kid", src: "RFC 7515, Section 4", token: handToken(t, `{"alg":"HS256","KID":"nope"}`, payload, hs, jwk.HS256), keys: hsSet})

	// Non-canonical base64url (RFC 7515, Section 2 and Appendix C).
	paddedHeader := b64(`{"alg":"HS256","kid":"k"}`) // 25 bytes: 34 characters
	if len(paddedHeader)%4 == 0 {
		t.Fatal("header needs unused bits")
	}
	kidSet := setOf(t, hs.(*jwk.SecretKey).WithKeyID("k"))
	add(attack{name: "header padded with =", src: "RFC 7515, Section 2", token: signSegments(t, paddedHeader+"==", b64(payload), hs, jwk.HS256), keys: kidSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "header non-zero trailing bits", src: "RFC 7515, Appendix C", token: signSegments(t, dirtyTail(t, paddedHeader), b64(payload), hs, jwk.HS256), keys: kidSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "payload padded with =", src: "RFC 7515, Section 2", token: signSegments(t, b64(hsHeader), b64("ab")+"==", hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "payload non-zero trailing bits", src: "RFC 7515, Appendix C", token: signSegments(t, b64(hsHeader), dirtyTail(t, b64("ab")), hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	// "\xfb\xef\xbe" is "----" in base64url and "++++" in base64.
	add(attack{name: "payload with +", src: "RFC 7515, Section 2", token: signSegments(t, b64(hsHeader), "++++", hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "payload with /", src: "RFC 7515, Section 2", token: signSegments(t, b64(hsHeader), "////", hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "payload canonical ----", src: "RFC 7515, Section 2", token: signSegments(t, b64(hsHeader), "----", hs, jwk.HS256), keys: hsSet})
	add(attack{name: "signature padded with =", src: "RFC 7515, Section 2", token: good + "=", keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "signature non-zero trailing bits", src: "RFC 7515, Appendix C", token: goodSegs[0] + "." + goodSegs[1] + "." + dirtyTail(t, goodSegs[2]), keys: hsSet, want: errs(jws.ErrMalformed)})
	stdSig := strings.NewReplacer("-", "+", "_", "/").Replace(goodSegs[2])
	if stdSig != goodSegs[2] {
		add(attack{name: "signature in standard base64", src: "RFC 7515, Section 2", token: goodSegs[0] + "." + goodSegs[1] + "." + stdSig, keys: hsSet, want: errs(jws.ErrMalformed)})
	}
	add(attack{name: "signature 4n+1 characters", src: "RFC 7515, Appendix C", token: good + "A", keys: hsSet, want: errs(jws.ErrMalformed, jws.ErrBadSignature)})

	// Segment counts (RFC 7515, Section 7.1; RFC 7516 uses five).
	add(attack{name: "one segment", src: "RFC 7515, Section 7.1", token: goodSegs[0], keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "two segments", src: "RFC 7515, Section 7.1", token: goodSegs[0] + "." + goodSegs[1], keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "four segments", src: "RFC 7515, Section 7.1", token: good + "." + goodSegs[2], keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "five segments", src: "RFC 7516, Section 7.1", token: good + ".." + goodSegs[2], keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "trailing dot", src: "RFC 7515, Section 7.1", token: good + ".", keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "empty header", src: "RFC 7515, Section 7.1", token: "." + goodSegs[1] + "." + goodSegs[2], keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "empty signature", src: "RFC 7515, Section 5.2", token: goodSegs[0] + "." + goodSegs[1] + ".", keys: hsSet, want: errs(jws.ErrMalformed, jws.ErrBadSignature)})
	add(attack{name: "empty token", src: "RFC 7515, Section 7.1", token: "", keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "dots only", src: "RFC 7515, Section 7.1", token: "..", keys: hsSet, want: errs(jws.ErrMalformed)})

	// Whitespace (RFC 7515, Section 7.1: no whitespace in the compact form).
	add(attack{name: "trailing newline", src: "RFC 7515, Section 7.1", token: good + "\n", keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "trailing CRLF", src: "RFC 7515, Section 7.1", token: good + "\r\n", keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "leading space", src: "RFC 7515, Section 7.1", token: " " + good, keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "LF inside header", src: "RFC 7515, Section 7.1", token: goodSegs[0][:4] + "\n" + goodSegs[0][4:] + "." + goodSegs[1] + "." + goodSegs[2], keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "CR inside payload", src: "RFC 7515, Section 7.1", token: goodSegs[0] + "." + goodSegs[1][:4] + "\r" + goodSegs[1][4:] + "." + goodSegs[2], keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "CRLF inside signature", src: "RFC 7515, Section 7.1", token: goodSegs[0] + "." + goodSegs[1] + "." + goodSegs[2][:4] + "\r\n" + goodSegs[2][4:], keys: hsSet, want: errs(jws.ErrMalformed)})

	// ECDSA signatures (RFC 7518, Section 3.4).
	esTok := handToken(t, `{"alg":"ES256"}`, payload, es, jwk.ES256)
	esSegs := strings.Split(esTok, ".")
	esRaw, _ := base64url.DecodeString(esSegs[2])
	zero := make([]byte, 32)
	esPrefix := esSegs[0] + "." + esSegs[1] + "."
	add(attack{name: "ECDSA r zero", src: "RFC 7518, Section 3.4; CVE-2022-21449", token: esPrefix + ecSig(t, zero, esRaw[32:]), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	add(attack{name: "ECDSA s zero", src: "RFC 7518, Section 3.4; CVE-2022-21449", token: esPrefix + ecSig(t, esRaw[:32], zero), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	add(attack{name: "ECDSA r and s zero", src: "RFC 7518, Section 3.4; CVE-2022-21449", token: esPrefix + ecSig(t, zero, zero), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	n := elliptic.P256().Params().N.FillBytes(make([]byte, 32))
	add(attack{name: "ECDSA r = n, s = n", src: "RFC 7518, Section 3.4; CVE-2022-21449", token: esPrefix + ecSig(t, n, n), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	add(attack{name: "ECDSA 63 bytes", src: "RFC 7518, Section 3.4", token: esPrefix + base64url.EncodeToString(esRaw[:63]), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	add(attack{name: "ECDSA 65 bytes", src: "RFC 7518, Section 3.4", token: esPrefix + base64url.EncodeToString(append([]byte{0}, esRaw...)), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	add(attack{name: "ECDSA 65 bytes, trailing zero", src: "RFC 7518, Section 3.4", token: esPrefix + base64url.EncodeToString(append(append([]byte(nil), esRaw...), 0)), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	add(attack{name: "ECDSA halves swapped", src: "RFC 7518, Section 3.4", token: esPrefix + ecSig(t, esRaw[32:], esRaw[:32]), keys: esSet, want: errs(jws.ErrBadSignature)})
	if der := derOf(t, esRaw); der != nil {
		add(attack{name: "ECDSA signature in DER", src: "RFC 7518, Section 3.4", token: esPrefix + base64url.EncodeToString(der), keys: esSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	}

	// RSA-PSS salt length must equal the hash length (RFC 7518, Section 3.5).
	psInput := []byte(b64(`{"alg":"PS256"}`) + "." + b64(payload))
	// With crypto/rsa, SaltLength 0 is PSSSaltLengthAuto: the largest salt.
	for name, salt := range map[string]int{"SaltLength 0 (PSSSaltLengthAuto)": 0, "SaltLength 20": 20, "SaltLength 64": 64} {
		sig, err := rsa.SignPSS(rand.Reader, rsaKey(t), ps.Algorithm().Hash(), hashOf(ps.Algorithm().Hash(), psInput), &rsa.PSSOptions{SaltLength: salt})
		if err != nil {
			t.Fatal(err)
		}
		add(attack{name: "PSS " + name, src: "RFC 7518, Section 3.5", token: string(psInput) + "." + base64url.EncodeToString(sig), keys: psSet, want: errs(jws.ErrBadSignature)})
	}
	for _, salt := range []int{0, 20, 31, 33} {
		sig := signPSSSalt(t, rsaKey(t), ps.Algorithm().Hash(), psInput, salt)
		add(attack{name: "PSS exact salt " + itoa(salt), src: "RFC 7518, Section 3.5", token: string(psInput) + "." + base64url.EncodeToString(sig), keys: psSet, want: errs(jws.ErrBadSignature)})
	}
	// The hand-made encoder with the right salt length verifies: the rows
	// above fail for their salt alone.
	add(attack{name: "PSS exact salt 32", src: "RFC 7518, Section 3.5", token: string(psInput) + "." + base64url.EncodeToString(signPSSSalt(t, rsaKey(t), ps.Algorithm().Hash(), psInput, 32)), keys: psSet})
	add(attack{name: "PSS salt length 32", src: "RFC 7518, Section 3.5", token: handToken(t, `{"alg":"PS256"}`, payload, ps, jwk.PS256), keys: psSet})
	add(attack{name: "RSA signature one byte short", src: "RFC 8017, Section 8.2.2", token: func() string {
		tok := handToken(t, `{"alg":"RS256"}`, payload, rs, jwk.RS256)
		i := strings.LastIndexByte(tok, '.')
		sig, _ := base64url.DecodeString(tok[i+1:])
		return tok[:i+1] + base64url.EncodeToString(sig[1:])
	}(), keys: rsSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})

	// Size limits.
	big := handToken(t, hsHeader, `{"x":"`+strings.Repeat("a", jws.DefaultMaxSize)+`"}`, hs, jwk.HS256)
	add(attack{name: "over DefaultMaxSize", src: "DESIGN §2", token: big, keys: hsSet, want: errs(jws.ErrTooLarge)})
	add(attack{name: "over MaxSize", src: "DESIGN §2", token: good, keys: hsSet, opts: &jws.VerifyOptions{MaxSize: len(good) - 1}, want: errs(jws.ErrTooLarge)})
	add(attack{name: "at MaxSize", src: "DESIGN §2", token: good, keys: hsSet, opts: &jws.VerifyOptions{MaxSize: len(good)}})
	add(attack{name: "1 MiB of dots", src: "DESIGN §2", token: strings.Repeat(".", 1<<20), keys: hsSet, want: errs(jws.ErrTooLarge)})

	// Nesting depth in the header (DESIGN §2; DefaultMaxDepth is 16, the
	// header object itself is depth 1).
	for _, depth := range []int{15, 16, 17, 100, 1000} {
		for _, kind := range []struct{ open, close string }{{"[", "]"}, {`{"a":`, "}"}} {
			h := `{"alg":"HS256","x":` + nested(kind.open, kind.close, depth) + `}`
			if kind.open == "{" || strings.HasPrefix(kind.open, "{") {
				h = `{"alg":"HS256","x":` + strings.Repeat(kind.open, depth) + "1" + strings.Repeat(kind.close, depth) + `}`
			}
			var want []error
			if depth+1 > jws.DefaultMaxDepth {
				want = errs(jws.ErrMalformed)
			}
			add(attack{name: "header depth " + itoa(depth+1) + " " + kind.open, src: "DESIGN §2", token: handToken(t, h, payload, hs, jwk.HS256), keys: hsSet, want: want})
		}
	}
	add(attack{name: "header depth 3 with MaxDepth 2", src: "DESIGN §2", token: handToken(t, `{"alg":"HS256","x":[[1]]}`, payload, hs, jwk.HS256), keys: hsSet, opts: &jws.VerifyOptions{MaxDepth: 2}, want: errs(jws.ErrMalformed)})

	// The header must be one strict JSON object (RFC 7515, Section 5.2).
	for _, h := range []string{
		`[]`, `"alg"`, `null`, `1`, ``, ` `,
		`{"alg":"HS256"} `, ` {"alg":"HS256"}`, // whitespace is allowed around the object
		`{"alg":"HS256"}{}`, `{"alg":"HS256",}`, `{'alg':'HS256'}`, `{"alg":"HS256"`,
		"\xef\xbb\xbf{\"alg\":\"HS256\"}", `{"alg":"HS256"}//`, `{"alg":HS256}`,
		`{"alg":"HS256","x":01}`, `{"alg":"HS256","x":NaN}`, `{"alg":"HS256","x":"a` + "\x01" + `"}`,
	} {
		want := errs(jws.ErrMalformed)
		if strings.TrimSpace(h) == `{"alg":"HS256"}` {
			want = nil
		}
		add(attack{name: "header " + h, src: "RFC 7515, Section 5.2; RFC 8259", token: handToken(t, h, payload, hs, jwk.HS256), keys: hsSet, want: want})
	}
	add(attack{name: "alg a number", src: "RFC 7515, Section 4.1.1", token: handToken(t, `{"alg":256}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "alg null", src: "RFC 7515, Section 4.1.1", token: handToken(t, `{"alg":null}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "alg an array", src: "RFC 7515, Section 4.1.1", token: handToken(t, `{"alg":["HS256"]}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	add(attack{name: "alg escaped", src: "RFC 8259, Section 7", token: handToken(t, `{"alg":"HS\u0032\u0035\u0036"}`, payload, hs, jwk.HS256), keys: hsSet})

	// Invalid UTF-8 and lone surrogates (RFC 8259, Section 8.2).
	for _, h := range []string{
		`{"alg":"HS256","x":"` + "\xff" + `"}`,
		`{"alg":"HS256","x":"` + "\xc0\xaf" + `"}`,     // overlong '/'
		`{"alg":"HS256","x":"` + "\xed\xa0\x80" + `"}`, // encoded surrogate
		`{"alg":"HS256","x":"\ud800"}`,
		`{"alg":"HS256","x":"\udc00"}`,
		`{"alg":"HS256","x":"\ud800\u0041"}`,
		`{"alg":"HS256","kid":"\ud800"}`,
		`{"alg":"HS256","` + "\xff" + `":1}`,
	} {
		add(attack{name: "header UTF-8 " + h, src: "RFC 8259, Section 8.2", token: handToken(t, h, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	}
	add(attack{name: "header surrogate pair", src: "RFC 8259, Section 7", token: handToken(t, `{"alg":"HS256","x":"\ud83d\ude00"}`, payload, hs, jwk.HS256), keys: hsSet})

	// "kid" must be a string (RFC 7515, Section 4.1.4).
	for _, kid := range []string{`1`, `null`, `{}`, `["k"]`, `true`} {
		add(attack{name: "kid " + kid, src: "RFC 7515, Section 4.1.4", token: handToken(t, `{"alg":"HS256","kid":`+kid+`}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	}
	for _, member := range []string{"typ", "cty"} {
		add(attack{name: member + " a number", src: "RFC 7515, Section 4.1.9", token: handToken(t, `{"alg":"HS256","`+member+`":1}`, payload, hs, jwk.HS256), keys: hsSet, want: errs(jws.ErrMalformed)})
	}

	// Key selection (RFC 7515, Section 4.1.4; DESIGN §2).
	hs2 := mustSecret(t, []byte(strings.Repeat("k", 32)), jwk.HS256)
	add(attack{name: "no kid, two keys for the alg", src: "DESIGN §2", token: good, keys: setOf(t, hs, hs2), want: errs(jws.ErrNoKey)})
	add(attack{name: "no kid, two keys of which one fits", src: "DESIGN §2", token: good, keys: setOf(t, hs, es)})
	add(attack{name: "kid not found", src: "RFC 7515, Section 4.1.4", token: handToken(t, `{"alg":"HS256","kid":"missing"}`, payload, hs, jwk.HS256), keys: kidSet, want: errs(jws.ErrNoKey)})
	add(attack{name: "kid found", src: "RFC 7515, Section 4.1.4", token: handToken(t, `{"alg":"HS256","kid":"k"}`, payload, hs, jwk.HS256), keys: setOf(t, hs2.WithKeyID("j"), hs.(*jwk.SecretKey).WithKeyID("k"))})
	add(attack{name: "kid of another key", src: "RFC 7515, Section 4.1.4", token: handToken(t, `{"alg":"HS256","kid":"j"}`, payload, hs, jwk.HS256), keys: setOf(t, hs2.WithKeyID("j"), hs.(*jwk.SecretKey).WithKeyID("k")), want: errs(jws.ErrBadSignature)})
	add(attack{name: "empty key set", src: "DESIGN §2", token: good, keys: mustSet(t), want: errs(jws.ErrNoKey)})
	add(attack{name: "nil key set", src: "DESIGN §2", token: good, keys: nil, want: errs(jws.ErrNoKey)})

	// "use" and "key_ops" (RFC 7517, Sections 4.2 and 4.3): a key is used
	// only for what they permit, and the error says so.
	esKidTok := handToken(t, `{"alg":"ES256","kid":"k"}`, payload, es, jwk.ES256)
	hsKidTok := handToken(t, `{"alg":"HS256","kid":"k"}`, payload, hs, jwk.HS256)
	notPermitted := errs(jws.ErrKeyNotPermitted)
	add(attack{name: `key with "use":"enc"`, src: "RFC 7517, Section 4.2", token: esTok, keys: mustSet(t, withMembers(t, es, `"use":"enc"`)), want: notPermitted})
	add(attack{name: `kid of a key with "use":"enc"`, src: "RFC 7517, Section 4.2", token: esKidTok, keys: mustSet(t, withMembers(t, es, `"kid":"k","use":"enc"`)), want: notPermitted})
	add(attack{name: `key with "use":"sig"`, src: "RFC 7517, Section 4.2", token: esKidTok, keys: mustSet(t, withMembers(t, es, `"kid":"k","use":"sig"`))})
	add(attack{name: `key_ops ["encrypt"] (Wycheproof JWS tcId 356)`, src: "RFC 7517, Section 4.3", token: esKidTok, keys: mustSet(t, withMembers(t, es, `"kid":"k","key_ops":["encrypt"]`)), want: notPermitted})
	add(attack{name: `key_ops ["sign"] on a public key`, src: "RFC 7517, Section 4.3", token: esTok, keys: mustSet(t, withMembers(t, es, `"key_ops":["sign"]`)), want: notPermitted})
	add(attack{name: `key_ops []`, src: "RFC 7517, Section 4.3", token: esTok, keys: mustSet(t, withMembers(t, es, `"key_ops":[]`)), want: notPermitted})
	add(attack{name: `key_ops ["verify"]`, src: "RFC 7517, Section 4.3", token: esTok, keys: mustSet(t, withMembers(t, es, `"key_ops":["verify"]`))})
	add(attack{name: `key_ops ["verify"] and "use":"enc"`, src: "RFC 7517, Section 4.3", token: esTok, keys: mustSet(t, withMembers(t, es, `"use":"enc","key_ops":["verify"]`)), want: notPermitted})
	add(attack{name: `HMAC key_ops ["sign"]`, src: "RFC 7517, Section 4.3", token: hsKidTok, keys: mustSet(t, withMembers(t, hs, `"kid":"k","key_ops":["sign"]`)), want: notPermitted})
	add(attack{name: `HMAC key_ops ["sign","verify"]`, src: "RFC 7517, Section 4.3", token: hsKidTok, keys: mustSet(t, withMembers(t, hs, `"kid":"k","key_ops":["sign","verify"]`))})
	add(attack{name: `HMAC key with "use":"enc"`, src: "RFC 7517, Section 4.2", token: hsKidTok, keys: mustSet(t, withMembers(t, hs, `"kid":"k","use":"enc"`)), want: notPermitted})
	add(attack{name: `same kid: an encryption key and a signature key`, src: "RFC 7517, Section 4.2", token: esKidTok, keys: mustSet(t, withMembers(t, es, `"kid":"k","use":"enc"`), withMembers(t, es, `"kid":"k","use":"sig"`))})
	add(attack{name: `no kid: an encryption key beside the signature key`, src: "RFC 7517, Section 4.2", token: esTok, keys: mustSet(t, withMembers(t, es, `"use":"enc"`), withMembers(t, es, `"use":"sig"`))})
	add(attack{name: `no kid: an encryption key of another algorithm`, src: "RFC 7517, Section 4.2", token: esTok, keys: mustSet(t, withMembers(t, hs, `"use":"enc"`)), want: errs(jws.ErrNoKey)})

	// Tampering.
	add(attack{name: "payload changed", src: "RFC 7515, Section 5.2", token: goodSegs[0] + "." + b64(`{"sub":"admin"}`) + "." + goodSegs[2], keys: hsSet, want: errs(jws.ErrBadSignature)})
	add(attack{name: "header changed", src: "RFC 7515, Section 5.2", token: b64(`{"alg":"HS256","typ":"JWT"}`) + "." + goodSegs[1] + "." + goodSegs[2], keys: hsSet, want: errs(jws.ErrBadSignature)})
	add(attack{name: "HMAC truncated", src: "RFC 7518, Section 3.2", token: goodSegs[0] + "." + goodSegs[1] + "." + goodSegs[2][:22], keys: hsSet, want: errs(jws.ErrBadSignature, jws.ErrMalformed)})
	return rows
}

func errs(e ...error) []error { return e }

func mustSecret(t testing.TB, secret []byte, alg jwk.Algorithm) *jwk.SecretKey {
	t.Helper()
	k, err := jwk.NewSecretKey(secret, alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSet(t testing.TB, ks ...jwk.Key) *jwk.Set {
	t.Helper()
	s, err := jwk.NewSet(ks...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// withMembers returns the verification half of k (a secret key stays
// whole) parsed from its JWK with the JSON members extra added, such as
// `"use":"enc"`.
func withMembers(t testing.TB, k jwk.Key, extra string) jwk.Key {
	t.Helper()
	var (
		data []byte
		err  error
	)
	switch k := k.(type) {
	case *jwk.PrivateKey: // without its kid, which extra may set
		data, err = k.Public().WithKeyID("").MarshalJSON()
	case *jwk.SecretKey:
		data, err = k.WithKeyID("").MarshalJSON()
	default:
		t.Fatalf("key of type %T", k)
	}
	if err != nil {
		t.Fatal(err)
	}
	data = append(append(append(data[:len(data)-1], ','), extra...), '}')
	ek, err := jwk.ParseKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	return ek
}

func TestAttacks(t *testing.T) {
	seen := make(map[string]bool)
	for _, a := range attacks(t) {
		if seen[a.name] {
			t.Fatalf("duplicate row name %q", a.name)
		}
		seen[a.name] = true
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			v, err := jws.Verify(a.token, a.keys, a.opts)
			checkAttack(t, a, err)
			if err != nil && v != nil {
				t.Errorf("Verify returned a result with error %v", err)
			}

			var into jws.Verified
			checkAttack(t, a, jws.VerifyInto(a.token, a.keys, a.opts, &into))

			// UnsafeDecode never panics and agrees on malformed input
			// that it also refuses.
			if u, err := jws.UnsafeDecode(a.token, 0); err == nil && u == nil {
				t.Error("UnsafeDecode returned nil, nil")
			}
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
