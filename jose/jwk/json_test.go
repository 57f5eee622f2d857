package jwk_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
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
		// EC coordinates and private keys are exactly the curve size.
		{"RFC 7518 6.2.1.2: short x (leading zero stripped)", obj("kty", q("EC"), "crv", q("P-256"), "x", q(b64(genX[1:])), "y", q(gen["y"].(string))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.2: long x (extra zero octet)", ec("x", q(b64(append([]byte{0}, unb64(t, a1X)...)))), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.1.3: short P-521 y (two zero octets stripped)", obj("kty", q("EC"), "crv", q("P-521"), "x", q(gen521["x"].(string)), "y", q(b64(gen521Y[2:]))), "", jwk.ErrMalformed},
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
		{"RFC 7518 4.1: an encryption alg", rsaPub("alg", q("RSA-OAEP")), "", jwk.ErrUnsupportedAlgorithm},
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
		{"RFC 7518 6.3.2: d without p, q, dp, dq, qi", rsaPriv("p", "", "q", "", "dp", "", "dq", "", "qi", ""), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: p without d", rsaPriv("d", ""), "", jwk.ErrMalformed},
		{"RFC 7518 6.3.2: RSA private key without alg", obj("kty", q("RSA"), "n", q(n), "e", q(e), "d", q(r["d"]), "p", q(r["p"]), "q", q(r["q"]), "dp", q(r["dp"]), "dq", q(r["dq"]), "qi", q(r["qi"])), "", jwk.ErrUnbound},
		{"RFC 7518 6.2.2.1: d of another P-256 key", obj("kty", q("EC"), "crv", q("P-256"), "x", q(gen["x"].(string)), "y", q(gen["y"].(string)), "d", q(a2D)), "", jwk.ErrMalformed},
		{"RFC 7518 6.2.2.1: d = 0", ec("d", q(b64(make([]byte, 32)))), "", jwk.ErrMalformed},
		{"RFC 8037 2: Ed25519 d of another key", obj("kty", q("OKP"), "crv", q("Ed25519"), "x", q(edX), "d", q(b64(make([]byte, 32)))), "", jwk.ErrMalformed},

		// Unsupported key types.
		{"RFC 8037 2: X25519", obj("kty", q("OKP"), "crv", q("X25519"), "x", q(edX)), "", jwk.ErrUnsupportedKeyType},
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
		"ALG", q("none"), "Kid", "1", "ext", "true", "key_ops", `["verify"]`,
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

func TestParseSet(t *testing.T) {
	t.Parallel()
	ed := string(readTestdata(t, "rfc8037-A.2-ed25519-public-key.json"))
	ecKey := string(obj("kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y), "kid", q("ec")))
	t.Run("RFC 7517 5: unsupported keys are skipped", func(t *testing.T) {
		t.Parallel()
		data := `{"keys":[
			{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"},
			{"kty":"OKP","crv":"Ed448","x":"X9dEm1m0Yf0s54fsYWrUah2hNCSFpw4fig6nXYDpZ3jt8SR2m0bHBhvWeD3x5Q9s0foavq_oJWGA"},
			{"kty":"RSA","alg":"RSA-OAEP","use":"enc","n":"` + rsaA2(t)["n"] + `","e":"AQAB"},
			{"kty":"EC","crv":"P-192","x":"AA","y":"AA"},
			{"kty":"oct","alg":"none","k":"` + b64(make([]byte, 32)) + `"},
			{"kty":"PQC","pub":"…"},
			` + ed + `,` + ecKey + `],
			"extra":{"ignored":true}}`
		s, err := jwk.ParseSet([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 2 || s.Keys()[0].Algorithm() != jwk.EdDSA || s.Keys()[1].KeyID() != "ec" {
			t.Errorf("got %d keys: %v", s.Len(), s.Keys())
		}
	})
	t.Run("empty set", func(t *testing.T) {
		t.Parallel()
		s, err := jwk.ParseSet([]byte(`{"keys":[]}`))
		if err != nil || s.Len() != 0 {
			t.Errorf("ParseSet: %v, %v", s, err)
		}
	})
	errTests := []struct {
		name string
		data string
		want error
	}{
		{"RFC 7517 5: missing keys", `{"Keys":[]}`, jwk.ErrMalformed},
		{"RFC 7517 5.1: keys is an object", `{"keys":{}}`, jwk.ErrMalformed},
		{"RFC 7517 5: not an object", `[` + ed + `]`, jwk.ErrMalformed},
		{"RFC 7517 5: a key is a string", `{"keys":["` + a1X + `"]}`, jwk.ErrMalformed},
		{"RFC 7517 5: a malformed supported key fails the set", `{"keys":[` + ed + `,{"kty":"EC","crv":"P-256","x":"` + a1X[1:] + `","y":"` + a1Y + `"}]}`, jwk.ErrMalformed},
		{"RFC 7517 5: a weak key fails the set", `{"keys":[{"kty":"oct","alg":"HS256","k":"AAAA"}]}`, jwk.ErrWeakKey},
		{"RFC 7517 5: a key without kty fails the set", `{"keys":[{"crv":"Ed25519","x":"` + edX + `"}]}`, jwk.ErrMalformed},
		{"RFC 7517 5: duplicate keys member", `{"keys":[],"keys":[]}`, strictjson.ErrDuplicate},
		{"RFC 7517 5: duplicate member in a skipped key", `{"keys":[{"kty":"OKP","crv":"X25519","crv":"X25519"}]}`, strictjson.ErrDuplicate},
		{"RFC 7517 5: bad type of a shared member in a skipped key", `{"keys":[{"kty":"OKP","crv":"X25519","kid":7}]}`, jwk.ErrMalformed},
		{"RFC 8259: trailing comma", `{"keys":[` + ed + `,]}`, strictjson.ErrSyntax},
		{"DESIGN 2: same RSA key under RS256 and PS256",
			`{"keys":[{"kty":"RSA","n":"` + rsaA2(t)["n"] + `","e":"AQAB","alg":"RS256"},{"kty":"RSA","n":"` + rsaA2(t)["n"] + `","e":"AQAB","alg":"PS256"}]}`,
			jwk.ErrAlgorithmConflict},
		{"DESIGN 2: same secret under HS256 and HS384",
			`{"keys":[{"kty":"oct","k":"` + b64(make([]byte, 64)) + `","alg":"HS256"},{"kty":"oct","k":"` + b64(make([]byte, 64)) + `","alg":"HS384"}]}`,
			jwk.ErrAlgorithmConflict},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := jwk.ParseSet([]byte(tt.data))
			t.Log(err)
			if !errors.Is(err, tt.want) || s != nil {
				t.Errorf("ParseSet = %v, %v; want nil, %v", s, err, tt.want)
			}
		})
	}
	t.Run("MaxSetKeys", func(t *testing.T) {
		t.Parallel()
		keys := strings.Repeat(`{"kty":"OKP","crv":"X25519","x":"AA"},`, jwk.MaxSetKeys)
		if _, err := jwk.ParseSet([]byte(`{"keys":[` + keys[:len(keys)-1] + `]}`)); err != nil {
			t.Errorf("MaxSetKeys keys: %v", err)
		}
		if _, err := jwk.ParseSet([]byte(`{"keys":[` + keys + ed + `]}`)); !errors.Is(err, jwk.ErrMalformed) || !strings.Contains(err.Error(), "MaxSetKeys") {
			t.Errorf("MaxSetKeys+1 keys: %v", err)
		}
	})
	t.Run("MaxSetSize", func(t *testing.T) {
		t.Parallel()
		data := []byte(`{"keys":[` + ed + `]}` + strings.Repeat("\n", jwk.MaxSetSize))
		if _, err := jwk.ParseSet(data); !errors.Is(err, jwk.ErrMalformed) || !strings.Contains(err.Error(), "MaxSetSize") {
			t.Errorf("oversized set: %v", err)
		}
	})
	t.Run("MaxKeySize within a set", func(t *testing.T) {
		t.Parallel()
		big := `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","pad":"` + strings.Repeat("a", jwk.MaxKeySize) + `"}`
		if _, err := jwk.ParseSet([]byte(`{"keys":[` + big + `]}`)); !errors.Is(err, jwk.ErrMalformed) || !strings.Contains(err.Error(), "MaxKeySize") {
			t.Errorf("oversized key in a set: %v", err)
		}
	})
}

// EC coordinates whose integers are shorter than the curve size must be
// left-padded (RFC 7518, Section 6.2.1.2). The generated vectors have
// leading zero octets in x or y.
func TestECPadding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		size int
	}{
		{"generated-ec-p256-x-leading-zero.json", 32},
		{"generated-ec-p256-y-leading-zero.json", 32},
		{"generated-ec-p521-x-leading-zeros.json", 66},
		{"generated-ec-p521-y-leading-zeros.json", 66},
	} {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data := readTestdata(t, tt.file)
			m := testJSON(t, data)
			x, y := m["x"].(string), m["y"].(string)
			if xb, yb := unb64(t, x), unb64(t, y); len(xb) != tt.size || len(yb) != tt.size || (xb[0] != 0 && yb[0] != 0) {
				t.Fatalf("vector is not what it claims: x %x, y %x", xb, yb)
			}
			k, ok := mustParseKey(t, data, "").(*jwk.PrivateKey)
			if !ok {
				t.Fatal("not a private key")
			}
			// Marshal writes the coordinates in full, as the vector has them.
			for _, marshal := range []func() ([]byte, error){k.MarshalJSON, k.Public().MarshalJSON} {
				out, err := marshal()
				if err != nil {
					t.Fatal(err)
				}
				got := testJSON(t, out)
				if got["x"] != x || got["y"] != y {
					t.Errorf("MarshalJSON x, y = %v, %v; want %s, %s", got["x"], got["y"], x, y)
				}
				k2 := mustParseKey(t, out, "")
				want := jwk.Key(k.Public())
				if _, ok := k2.(*jwk.PrivateKey); ok {
					want = k
				}
				if err := keysEqual(k2, want); err != nil {
					t.Errorf("round trip: %v", err)
				}
			}
			// The thumbprint, computed here from the vector's own text
			// (RFC 7638, Section 3.2: members in lexicographic order).
			input := `{"crv":"` + m["crv"].(string) + `","kty":"EC","x":"` + x + `","y":"` + y + `"}`
			sum := sha256.Sum256([]byte(input))
			if got := thumbprint(t, k); got != b64(sum[:]) {
				t.Errorf("thumbprint %s, want %s", got, b64(sum[:]))
			}
			if k.KeyID() != b64(sum[:]) {
				t.Errorf("default kid %s, want the thumbprint", k.KeyID())
			}
		})
	}
}

// MarshalJSON writes members in a fixed order (the RFC 7517, Appendix A.1
// RSA key, reordered).
func TestMarshalJSONFixedOrder(t *testing.T) {
	t.Parallel()
	s, err := jwk.ParseSet(readTestdata(t, "rfc7517-A.1-public-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"keys":[{"kty":"EC","crv":"P-256","x":"` + a1X + `","y":"` + a1Y + `","alg":"ES256","kid":"1","use":"enc"},` +
		`{"kty":"RSA","n":"` + rsaA2(t)["n"] + `","e":"AQAB","alg":"RS256","kid":"2011-04-29"}]}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	sk := mustParseKey(t, []byte(`{"kid":"k\u2028<1>","k":"`+b64(make([]byte, 32))+`","alg":"HS256","kty":"oct"}`), "").(*jwk.SecretKey)
	out, err = sk.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"kty":"oct","k":"` + b64(make([]byte, 32)) + `","alg":"HS256","kid":"k\u2028<1>"}`; string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	// A key ID that is not valid UTF-8 cannot be written.
	if _, err := sk.WithKeyID("\xff").MarshalJSON(); !errors.Is(err, jwk.ErrMalformed) {
		t.Errorf("invalid UTF-8 kid: %v", err)
	}
}

// publicMembers are the only members a public JWK or JWKS may hold.
var publicMembers = map[string]bool{"kty": true, "crv": true, "x": true, "y": true, "n": true, "e": true, "alg": true, "kid": true, "use": true}

// checkPublicJSON fails if a JWK in a JWK Set has any member that is not
// public: "d", "p", "q", "dp", "dq", "qi", "oth" or "k" above all.
func checkPublicJWKS(t *testing.T, data []byte) {
	t.Helper()
	var set struct{ Keys []map[string]any }
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	for i, k := range set.Keys {
		for name := range k {
			if !publicMembers[name] {
				t.Errorf("key %d has non-public member %q", i, name)
			}
		}
		if k["kty"] == "oct" {
			t.Errorf("key %d is a secret", i)
		}
	}
}

// Set.MarshalJSON never writes private members or secrets, and
// MarshalPrivateSet writes everything.
func TestSetMarshalJSONIsPublic(t *testing.T) {
	t.Parallel()
	var keys []jwk.Key
	for _, alg := range jwk.Algorithms() {
		k, err := jwk.Generate(alg)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	keys = append(keys, mustParseKey(t, readTestdata(t, "rfc8037-A.2-ed25519-public-key.json"), ""))
	s, err := jwk.NewSet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	checkPublicJWKS(t, pub)
	for _, member := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`, `"k"`, `"oct"`} {
		if bytes.Contains(pub, []byte(member)) {
			t.Errorf("public JWKS contains %s", member)
		}
	}
	// Nor does the secret material appear in any encoding.
	for _, k := range keys {
		if sk, ok := k.(*jwk.SecretKey); ok && bytes.Contains(pub, []byte(b64(sk.Secret()))) {
			t.Error("public JWKS contains a secret")
		}
	}
	ps, err := jwk.ParseSet(pub)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Len() != len(keys)-3 {
		t.Errorf("public set has %d keys, want %d (all but the 3 HMAC keys)", ps.Len(), len(keys)-3)
	}
	for _, k := range ps.Keys() {
		if _, ok := k.(*jwk.PublicKey); !ok {
			t.Errorf("public set holds a %T", k)
		}
	}
	// The private set round-trips every key.
	priv, err := jwk.MarshalPrivateSet(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := jwk.ParseSet(priv)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Len() != s.Len() {
		t.Fatalf("private set round trip: %d keys, want %d", s2.Len(), s.Len())
	}
	for i := range s.Keys() {
		if err := keysEqual(s.Keys()[i], s2.Keys()[i]); err != nil {
			t.Errorf("key %d (%s): %v", i, s.Keys()[i].Algorithm(), err)
		}
	}
	// A nil set marshals as an empty one.
	var nilSet *jwk.Set
	if out, err := nilSet.MarshalJSON(); err != nil || string(out) != `{"keys":[]}` {
		t.Errorf("nil set: %s, %v", out, err)
	}
	// The public JWK of a private key is the same as its public key's.
	for _, k := range keys {
		if pk, ok := k.(*jwk.PrivateKey); ok {
			out, err := pk.Public().MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			for name := range testJSON(t, out) {
				if !publicMembers[name] {
					t.Errorf("%s public JWK has %q", pk.Algorithm(), name)
				}
			}
		}
	}
}

// Generate(alg) → MarshalJSON → ParseKey gives the same key, for every
// algorithm, and marshaling again gives the same bytes.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, alg := range jwk.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := jwk.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			keys := []jwk.Key{k}
			if pk, ok := k.(*jwk.PrivateKey); ok {
				keys = append(keys, pk.Public())
			}
			for _, k := range keys {
				out, err := marshalKey(k)
				if err != nil {
					t.Fatal(err)
				}
				k2 := mustParseKey(t, out, "")
				if err := keysEqual(k, k2); err != nil {
					t.Errorf("%T: %v", k, err)
				}
				out2, err := marshalKey(k2)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, out2) {
					t.Errorf("%T: marshal is not stable:\n%s\n%s", k, out, out2)
				}
				// encoding/json agrees that the output is one object with
				// the expected members.
				m := testJSON(t, out)
				if m["kty"] != k.KeyType() || m["alg"] != string(alg) {
					t.Errorf("%T: kty %v alg %v", k, m["kty"], m["alg"])
				}
			}
		})
	}
}

// opaqueSigner hides the type of a key, as an HSM or KMS handle would.
type opaqueSigner struct{ crypto.Signer }

func TestMarshalOpaqueSigner(t *testing.T) {
	t.Parallel()
	k, err := jwk.Generate(jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	opaque, err := jwk.NewPrivateKey(opaqueSigner{k.(*jwk.PrivateKey).Signer()}, jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opaque.MarshalJSON(); !errors.Is(err, jwk.ErrNotExportable) {
		t.Errorf("MarshalJSON: %v, want ErrNotExportable", err)
	}
	s, err := jwk.NewSet(opaque)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwk.MarshalPrivateSet(s); !errors.Is(err, jwk.ErrNotExportable) {
		t.Errorf("MarshalPrivateSet: %v, want ErrNotExportable", err)
	}
	pub, err := s.MarshalJSON()
	if err != nil {
		t.Fatalf("the public set of an opaque key: %v", err)
	}
	checkPublicJWKS(t, pub)
}
