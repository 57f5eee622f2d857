package jwk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
)

// Members of valid keys that the negative table below alters.
const (
	// RFC 7517, Appendix A.1 / A.2 (P-256).
	a1X = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
	a1Y = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"
	a2D = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"
	// RFC 8037, Appendix A.1.
	edX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	edD = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
)

// testJSON unmarshals a test vector with encoding/json, for cross-checks.
func testJSON(tb testing.TB, data []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// rsaA2 returns the members of the RFC 7517, Appendix A.2 RSA key.
func rsaA2(tb testing.TB) map[string]string {
	tb.Helper()
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal(readTestdata(tb, "rfc7517-A.2-private-keys.json"), &set); err != nil {
		tb.Fatal(err)
	}
	return set.Keys[1]
}

// obj writes a JSON object from name/value pairs; values are raw JSON.
func obj(pairs ...string) []byte {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", pairs[i], pairs[i+1])
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// with returns the members base (name/value pairs, values raw JSON) with
// the overrides applied: a name already in base gets the new value in
// place, a new name is appended, and the value "" removes the member.
func with(base []string, overrides ...string) []byte {
	pairs := append([]string(nil), base...)
	for i := 0; i < len(overrides); i += 2 {
		name, value := overrides[i], overrides[i+1]
		found := false
		for j := 0; j < len(pairs); j += 2 {
			if pairs[j] == name {
				pairs[j+1], found = value, true
			}
		}
		if !found {
			pairs = append(pairs, name, value)
		}
	}
	var kept []string
	for j := 0; j < len(pairs); j += 2 {
		if pairs[j+1] != "" {
			kept = append(kept, pairs[j], pairs[j+1])
		}
	}
	return obj(kept...)
}

func q(s string) string { return `"` + s + `"` }

func b64(b []byte) string { return base64url.EncodeToString(b) }

func unb64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64url.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseKeyErrors(t *testing.T) {
	t.Parallel()
	r := rsaA2(t)
	n, e := r["n"], r["e"]
	// Valid keys, which each row alters with overrides (see with).
	rsaPub := func(overrides ...string) []byte {
		return with([]string{"kty", q("RSA"), "n", q(n), "e", q(e)}, overrides...)
	}
	rsaPriv := func(overrides ...string) []byte {
		base := []string{"kty", q("RSA"), "alg", q("RS256")}
		for _, k := range []string{"n", "e", "d", "p", "q", "dp", "dq", "qi"} {
			base = append(base, k, q(r[k]))
		}
		return with(base, overrides...)
	}
	ec := func(overrides ...string) []byte {
		return with([]string{"kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y)}, overrides...)
	}
	ed := func(overrides ...string) []byte {
		return with([]string{"kty", q("OKP"), "crv", q("Ed25519"), "x", q(edX)}, overrides...)
	}
	oct := func(n int, overrides ...string) []byte {
		return with([]string{"kty", q("oct"), "k", q(b64(bytes.Repeat([]byte{0x5a}, n)))}, overrides...)
	}
	gen := testJSON(t, readTestdata(t, "generated-ec-p256-x-leading-zero.json"))
	genX := unb64(t, gen["x"].(string))
	gen521 := testJSON(t, readTestdata(t, "generated-ec-p521-y-leading-zeros.json"))
	gen521Y := unb64(t, gen521["y"].(string))
	fake := func(bits int) string { // an odd number of the given bit length
		b := bytes.Repeat([]byte{0xab}, (bits+7)/8)
		b[0] = 0x80 >> ((8 - bits%8) % 8)
		return b64(b)
	}

	tests := []struct {
		name string
		data []byte
		alg  jwk.Algorithm
		want error
	}{
		// EC private keys are exactly the curve size, and coordinates at
		// most the curve size; a shorter coordinate must be the minimal
		// integer that some libraries write (TestShortECCoordinates).
		{"RFC 7518 6.2.1.2: short x with a leading zero left", obj("kty", q("EC"), "crv", q("P-256"), "x", q(b64(genX[:31])), "y", q(gen["y"].(string))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.2: empty x", obj("kty", q("EC"), "crv", q("P-256"), "x", q(""), "y", q(gen["y"].(string))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.2: long x (extra zero octet)", ec("x", q(b64(append([]byte{0}, unb64(t, a1X)...)))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.3: P-521 y with one of two zero octets stripped", obj("kty", q("EC"), "crv", q("P-521"), "x", q(gen521["x"].(string)), "y", q(b64(gen521Y[1:]))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.3: short P-521 y, not on the curve", obj("kty", q("EC"), "crv", q("P-521"), "x", q(gen521["x"].(string)), "y", q(b64(gen521Y[3:]))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.2: P-256-size coordinates on a P-384 key", obj("kty", q("EC"), "crv", q("P-384"), "x", q(a1X), "y", q(a1Y)), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.2.1: short d", ec("d", q(b64(unb64(t, a2D)[1:]))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.3: missing y", obj("kty", q("EC"), "crv", q("P-256"), "x", q(a1X)), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.1: missing crv", obj("kty", q("EC"), "x", q(a1X), "y", q(a1Y)), "", jwk.ErrMalformed},
		{"SEC 1 3.2.2: point not on the curve", ec("y", q(a1Y[:42]+"I")), "", jwk.ErrMalformed},
		{"SEC 1 3.2.2: point (0, 0)", ec("x", q(b64(make([]byte, 32))), "y", q(b64(make([]byte, 32)))), "", jwk.ErrMalformed},
		{"RFC 8037 2: short Ed25519 x", obj("kty", q("OKP"), "crv", q("Ed25519"), "x", q(edX[:40])), "", jwk.ErrMalformed},
		{"RFC 8037 2: long Ed25519 d", ed("d", q(b64(append(unb64(t, edD), 0)))), "", jwk.ErrMalformed},

		// Base64urlUInt is minimal: no leading zero octets.
		{"RFC 7518 2: n with a leading zero octet", rsaPub("n", q(b64(append([]byte{0}, unb64(t, n)...)))), "", jwk.ErrMalformed},
		{"RFC 7518 2: e with a leading zero octet", obj("kty", q("RSA"), "n", q(n), "e", q("AAEAAQ")), "", jwk.ErrMalformed},
		{"RFC 7518 2: empty e", obj("kty", q("RSA"), "n", q(n), "e", q("")), "", jwk.ErrMalformed},
		{"RFC 7518 2: d with a leading zero octet", rsaPriv("d", q(b64(append([]byte{0}, unb64(t, r["d"])...)))), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.1.2: even e", obj("kty", q("RSA"), "n", q(n), "e", q("AQAA")), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.1.2: five-octet e", obj("kty", q("RSA"), "n", q(n), "e", q("AQAAAAE")), "", jwk.ErrMalformed},

		// Canonical base64url (RFC 7515, Section 2 and Appendix C).
		{"RFC 7515 2: padding", ec("x", q(a1X+"=")), "", jwk.ErrMalformed},
		{"RFC 7515 2: padding in e", obj("kty", q("RSA"), "n", q(n), "e", q("AQAB=")), "", jwk.ErrMalformed},
		{"RFC 4648 3.5: non-zero trailing bits", ec("x", q(a1X[:42]+"5")), "", jwk.ErrMalformed},
		{"RFC 7515 2: escaped CR LF inside a value", ec("x", q(a1X[:20]+`\r\n`+a1X[20:])), "", jwk.ErrMalformed},
		{"RFC 7515 2: standard alphabet", oct(32, "k", q(strings.Repeat("+/", 21)+"+")), "", jwk.ErrMalformed},
		{"RFC 7515 2: space inside a value", ec("x", q(a1X[:20]+" "+a1X[20:])), "", jwk.ErrMalformed},

		// Strict JSON (RFC 7517, Section 4 and RFC 7515, Section 5.2).
		{"RFC 7517 4: duplicate kty", obj("kty", q("EC"), "kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y)), "", strictjson.ErrDuplicate},
		{"RFC 7517 4: duplicate x", obj("kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y), "x", q(a1X)), "", strictjson.ErrDuplicate},
		{"RFC 7517 4: duplicate via escape", []byte(`{"kty":"oct","k":"` + b64(make([]byte, 32)) + `","\u006b":"AA"}`), "", strictjson.ErrDuplicate},
		{"RFC 7517 4: member names are case-sensitive (KTY)", obj("KTY", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y)), "", jwk.ErrMalformed},
		{"RFC 7517 4: member names are case-sensitive (Kty)", obj("Kty", q("RSA"), "n", q(n), "e", q(e)), "", jwk.ErrMalformed},
		{"RFC 8259 8.1: invalid UTF-8 in kid", []byte("{\"kty\":\"RSA\",\"n\":\"" + n + "\",\"e\":\"AQAB\",\"kid\":\"\xff\"}"), "", strictjson.ErrUTF8},
		{"RFC 8259 2: trailing data", append(ec(), '}'), "", strictjson.ErrSyntax},
		{"RFC 7517 4: not an object", []byte(`["kty"]`), "", jwk.ErrMalformed},
		{"RFC 8259: empty input", nil, "", jwk.ErrMalformed},
		{"RFC 8259 9: nesting too deep", ec("ext", strings.Repeat("[", 40)+strings.Repeat("]", 40)), "", strictjson.ErrDepth},

		// Member types and values.
		{"RFC 7517 4.1: missing kty", obj("crv", q("P-256"), "x", q(a1X), "y", q(a1Y)), "", jwk.ErrMalformed},
		{"RFC 7517 4.1: kty is a number", obj("kty", "1", "k", q("AA")), "", jwk.ErrMalformed},
		{"RFC 7517 4.5: kid is a number", ec("kid", "1"), "", jwk.ErrMalformed},
		{"RFC 7517 4.5: kid is null", ec("kid", "null"), "", jwk.ErrMalformed},
		{"RFC 7517 4.2: use is neither sig nor enc", ec("use", q("signing")), "", jwk.ErrMalformed},
		{"RFC 7517 4.2: use is an array", ec("use", `["sig"]`), "", jwk.ErrMalformed},
		{"RFC 7517 4.3: key_ops is a string", ec("key_ops", q("verify")), "", jwk.ErrMalformed},
		{"RFC 7517 4.3: key_ops holds a number", ec("key_ops", `["verify",1]`), "", jwk.ErrMalformed},
		{"RFC 7517 4.3: key_ops repeats a value", ec("key_ops", `["verify","verify"]`), "", jwk.ErrMalformed},
		{"RFC 7517 4.7: x5c is a string", rsaPub("x5c", q("MIIB")), "", jwk.ErrMalformed},
		{"RFC 7517 4.7: x5c holds a number", rsaPub("x5c", `[1]`), "", jwk.ErrMalformed},
		{"RFC 7517 4.8: x5t is a number", rsaPub("x5t", "1"), "", jwk.ErrMalformed},
		{"RFC 7517 4.9: x5t#S256 is an object", rsaPub("x5t#S256", "{}"), "", jwk.ErrMalformed},
		{"RFC 7517 4.6: x5u is an array", rsaPub("x5u", `["https://example.com"]`), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.2: x is a number", obj("kty", q("EC"), "crv", q("P-256"), "x", "1", "y", q(a1Y)), "", jwk.ErrMalformed},
		{"RFC 7518 6.4.1: missing k", obj("kty", q("oct")), "", jwk.ErrMalformed},
		{"RFC 7518 6.4.1: empty k", obj("kty", q("oct"), "k", q("")), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.1: missing n", obj("kty", q("RSA"), "e", q(e)), "", jwk.ErrMalformed},

		// The algorithm must be known and fit the key (DESIGN 2).
		{"DESIGN 2: RS256 on an EC key", ec("alg", q("RS256")), "", jwk.ErrKeyMismatch},
		{"DESIGN 2: ES384 on a P-256 key", ec("alg", q("ES384")), "", jwk.ErrKeyMismatch},
		{"DESIGN 2: ES384 given for a P-256 key", ec(), jwk.ES384, jwk.ErrKeyMismatch},
		{"DESIGN 2: HS256 on an RSA key", rsaPub("alg", q("HS256")), "", jwk.ErrKeyMismatch},
		{"DESIGN 2: HS256 given for an RSA key", rsaPub(), jwk.HS256, jwk.ErrKeyMismatch},
		{"DESIGN 2: RS256 on an oct key", oct(32, "alg", q("RS256")), "", jwk.ErrKeyMismatch},
		{"DESIGN 2: ES256 on an Ed25519 key", ed("alg", q("ES256")), "", jwk.ErrKeyMismatch},
		{"DESIGN 2: EdDSA on an EC key", ec(), jwk.EdDSA, jwk.ErrKeyMismatch},
		{"DESIGN 2: alg none", oct(32, "alg", q("none")), "", jwk.ErrUnsupportedAlgorithm},
		{"DESIGN 2: alg none given", oct(32), "none", jwk.ErrUnsupportedAlgorithm},
		{"RFC 7518 3.1: alg names are case-sensitive", oct(32, "alg", q("hs256")), "", jwk.ErrUnsupportedAlgorithm},
		{"RFC 7518 4.2: RSA1_5 is not an algorithm here", rsaPub("alg", q("RSA1_5")), "", jwk.ErrUnsupportedAlgorithm},
		{"RFC 7518 5.1: a content-encryption alg is not a key alg", rsaPub("alg", q("A128GCM")), "", jwk.ErrUnsupportedAlgorithm},
		{"RFC 7518 3.1: alg is a number", ec("alg", "256"), "", jwk.ErrMalformed},
		{"DESIGN 2: JWK alg RS256 offered as PS256", rsaPub("alg", q("RS256")), jwk.PS256, jwk.ErrAlgorithmConflict},

		// Key sizes (DESIGN 2, RFC 7518 Sections 3.2 and 3.3).
		{"RFC 7518 3.3: 1024-bit RSA", obj("kty", q("RSA"), "n", q(fake(1024)), "e", q(e)), "", jwk.ErrWeakKey},
		{"RFC 7518 3.3: 2047-bit RSA", obj("kty", q("RSA"), "n", q(fake(2047)), "e", q(e)), "", jwk.ErrWeakKey},
		{"DESIGN 2: 8200-bit RSA", obj("kty", q("RSA"), "n", q(fake(8200)), "e", q(e)), "", jwk.ErrWeakKey},
		{"RFC 7518 3.2: HS256 with a 31-byte secret", oct(31, "alg", q("HS256")), "", jwk.ErrWeakKey},
		{"RFC 7518 3.2: HS384 with a 47-byte secret", oct(47, "alg", q("HS384")), "", jwk.ErrWeakKey},
		{"RFC 7518 3.2: HS512 with a 63-byte secret", oct(63, "alg", q("HS512")), "", jwk.ErrWeakKey},
		{"RFC 7518 3.2: HS512 given for a 48-byte secret", oct(48), jwk.HS512, jwk.ErrWeakKey},
		{"RFC 7518 3.2: unbound 16-byte secret", oct(16), "", jwk.ErrWeakKey},

		// Private keys.
		{"RFC 7518 6.3.2.7: oth (multi-prime)", rsaPriv("oth", `[{"r":"AQAB","d":"AQAB","t":"AQAB"}]`), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: p from another key", rsaPriv("p", q("2rnSOV4hKSN8sS4CgcQHFbs08XboFDqKum3sc4h3GRxrTmQdl1ZK9uw-PIHfQP0FkxXVrx-WE-ZEbrqivH_2iCLUS7wAl6XvARt1KkIaUxPPSYB9yk31s0Q8UK96E3_OrADAYtAJs-M3JxCLfNgqh56HDnETTQhH3rCT5T3yJws")), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: d off by 2", rsaPriv("d", q(b64(func() []byte { d := unb64(t, r["d"]); d[len(d)-1] ^= 2; return d }()))), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: qi swapped with dp", rsaPriv("qi", q(r["dp"])), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2.1: d longer than n", rsaPriv("d", q(b64(append(unb64(t, n), 1)))), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2.2: p much longer than n", rsaPriv("p", q(b64(bytes.Repeat(unb64(t, r["p"]), 40)))), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: d without p, q, dp, dq, qi", rsaPriv("p", "", "q", "", "dp", "", "dq", "", "qi", ""), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: p without d", rsaPriv("d", ""), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: RSA private key without alg", obj("kty", q("RSA"), "n", q(n), "e", q(e), "d", q(r["d"]), "p", q(r["p"]), "q", q(r["q"]), "dp", q(r["dp"]), "dq", q(r["dq"]), "qi", q(r["qi"])), "", jwk.ErrUnbound},
		{"RFC 7518 6.2.2.1: d of another P-256 key", obj("kty", q("EC"), "crv", q("P-256"), "x", q(gen["x"].(string)), "y", q(gen["y"].(string)), "d", q(a2D)), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.2.1: d = 0", ec("d", q(b64(make([]byte, 32)))), "", jwk.ErrMalformed},
		{"RFC 8037 2: Ed25519 d of another key", obj("kty", q("OKP"), "crv", q("Ed25519"), "x", q(edX), "d", q(b64(make([]byte, 32)))), "", jwk.ErrMalformed},

		// Unsupported key types.
		{"RFC 8037 2: X448", obj("kty", q("OKP"), "crv", q("X448"), "x", q(edX)), "", jwk.ErrUnsupportedKeyType},
		{"RFC 8037 2: Ed448", obj("kty", q("OKP"), "crv", q("Ed448"), "x", q(edX)), "", jwk.ErrUnsupportedKeyType},
		{"RFC 8812 3.1: secp256k1", obj("kty", q("EC"), "crv", q("secp256k1"), "x", q(a1X), "y", q(a1Y)), "", jwk.ErrUnsupportedKeyType},
		{"RFC 7518 6.2.1.1: Ed25519 is not an EC curve", obj("kty", q("EC"), "crv", q("Ed25519"), "x", q(edX)), "", jwk.ErrUnsupportedKeyType},
		{"RFC 7518 6.1: unknown kty", obj("kty", q("DSA")), "", jwk.ErrUnsupportedKeyType},
		{"RFC 7518 6.1: kty names are case-sensitive", obj("kty", q("ec"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y)), "", jwk.ErrUnsupportedKeyType},
		{"RFC 7518 6.1: empty kty", obj("kty", q("")), "", jwk.ErrUnsupportedKeyType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := jwk.ParseKey(tt.data, tt.alg)
			if err == nil {
				t.Fatalf("ParseKey succeeded (%T), want %v", k, tt.want)
			}
			if k != nil {
				t.Errorf("ParseKey returned a key with error %v", err)
			}
			t.Log(err)
			if !errors.Is(err, tt.want) {
				t.Errorf("ParseKey error = %v, want %v", err, tt.want)
			}
			if errors.Is(tt.want, strictjson.ErrDuplicate) || errors.Is(tt.want, strictjson.ErrSyntax) ||
				errors.Is(tt.want, strictjson.ErrUTF8) || errors.Is(tt.want, strictjson.ErrDepth) {
				if !errors.Is(err, jwk.ErrMalformed) {
					t.Errorf("JSON error %v does not wrap ErrMalformed", err)
				}
			}
			if !strings.HasPrefix(err.Error(), "jwk: ") {
				t.Errorf("error %q lacks the jwk: prefix", err)
			}
		})
	}
}

// Members this package does not read, with wrong-case names among them, do
// not change the key (RFC 7517, Section 4: unknown members are ignored).
func TestParseKeyIgnoresUnknownMembers(t *testing.T) {
	t.Parallel()
	base := mustParseKey(t, readTestdata(t, "rfc8037-A.2-ed25519-public-key.json"), "")
	data := obj("kty", q("OKP"), "crv", q("Ed25519"), "x", q(edX),
		"ALG", q("none"), "Kid", "1", "ext", "true", "Key_ops", `["sign"]`,
		"x5t#S256", q("abc"), "nested", `{"a":[1,2,{"b":null}]}`, "d ", q("not d"))
	k := mustParseKey(t, data, "")
	if err := keysEqual(base, k); err != nil {
		t.Error(err)
	}
}

func TestParseKeyBinding(t *testing.T) {
	t.Parallel()
	r := rsaA2(t)
	rsaPub := obj("kty", q("RSA"), "n", q(r["n"]), "e", q(r["e"]))
	secret := obj("kty", q("oct"), "k", q(b64(bytes.Repeat([]byte{1}, 48))))
	tests := []struct {
		name string
		data []byte
		alg  jwk.Algorithm
		want jwk.Algorithm
	}{
		{"EC without alg is bound from crv", obj("kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y)), "", jwk.ES256},
		{"EC with matching alg given", obj("kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y)), jwk.ES256, jwk.ES256},
		{"Ed25519 without alg is EdDSA", obj("kty", q("OKP"), "crv", q("Ed25519"), "x", q(edX)), "", jwk.EdDSA},
		{"RSA public without alg stays unbound", rsaPub, "", ""},
		{"RSA public bound by the caller", rsaPub, jwk.PS384, jwk.PS384},
		{"RSA JWK alg equal to the given one", obj("kty", q("RSA"), "n", q(r["n"]), "e", q(r["e"]), "alg", q("RS512")), jwk.RS512, jwk.RS512},
		{"oct without alg stays unbound", secret, "", ""},
		{"oct bound by the caller", secret, jwk.HS384, jwk.HS384},
		{"oct bound by its JWK", obj("kty", q("oct"), "k", q(b64(bytes.Repeat([]byte{1}, 64))), "alg", q("HS512")), "", jwk.HS512},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := mustParseKey(t, tt.data, tt.alg)
			if k.Algorithm() != tt.want {
				t.Errorf("Algorithm = %q, want %q", k.Algorithm(), tt.want)
			}
		})
	}
	// A secret parsed without alg has no kid, never a thumbprint.
	if k := mustParseKey(t, secret, jwk.HS256); k.KeyID() != "" {
		t.Errorf("secret kid = %q, want empty", k.KeyID())
	}
	// An unbound RSA key binds later, once.
	pk := mustParseKey(t, rsaPub, "").(*jwk.PublicKey)
	bound, err := pk.WithAlgorithm(jwk.RS256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bound.WithAlgorithm(jwk.PS256); !errors.Is(err, jwk.ErrAlgorithmConflict) {
		t.Errorf("rebinding: %v, want ErrAlgorithmConflict", err)
	}
	if _, err := pk.WithAlgorithm(jwk.ES256); !errors.Is(err, jwk.ErrKeyMismatch) {
		t.Errorf("binding RSA to ES256: %v, want ErrKeyMismatch", err)
	}
}

func TestParseKeyLimits(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat(" ", jwk.MaxKeySize)
	data := []byte(`{"kty":"OKP","crv":"Ed25519","x":"` + edX + `"}` + pad)
	if _, err := jwk.ParseKey(data, ""); !errors.Is(err, jwk.ErrMalformed) || !strings.Contains(err.Error(), "MaxKeySize") {
		t.Errorf("oversized JWK: %v", err)
	}
	// Exactly MaxKeySize bytes is fine.
	data = data[:jwk.MaxKeySize]
	mustParseKey(t, data, "")
}
