package jwe_test

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// b64 is base64url of s.
func b64(s string) string { return base64url.EncodeToString([]byte(s)) }

// TestStrictness has one row per strictness rule of the package doc, each
// asserting its typed error. Each row starts from a valid token, made with
// the named key, and breaks one thing.
func TestStrictness(t *testing.T) {
	t.Parallel()
	type row struct {
		name   string
		key    string // the test key that made and decrypts the token
		enc    jwe.Encryption
		break_ func(p parts) parts // nil: the token is used as is
		raw    func(tok string) string
		dec    func(d *jwe.Decrypter)
		want   error
	}
	hdr := func(name, value string) func(parts) parts {
		return func(p parts) parts {
			return p.with(func(h string) string { return replaceMember(h, name, value) })
		}
	}
	addHdr := func(member string) func(parts) parts {
		return func(p parts) parts {
			return p.with(func(h string) string { return h[:len(h)-1] + "," + member + "}" })
		}
	}
	epk := func(kty, crv string, coords ...string) func(parts) parts {
		v := `{"kty":"` + kty + `","crv":"` + crv + `"`
		for i, c := range coords {
			v += `,"` + [...]string{"x", "y", "d"}[i] + `":"` + c + `"`
		}
		return hdr("epk", v+"}")
	}
	zeros := func(n int) string { return base64url.EncodeToString(make([]byte, n)) }
	// Low-order X25519 points (RFC 7748, Section 6.1 and the curve's
	// small subgroup): 0, 1 and a point of order 8.
	lowOrder8 := "4Ot6fDtBuK4WVuP68Z_EatoJjeucMrH9hmIFFl9JuAA"
	one := base64url.EncodeToString(append([]byte{1}, make([]byte, 31)...))
	p384 := key(t, "ECDH-ES/P-384").(*jwk.PrivateKey).Public()
	p384JSON, _ := p384.MarshalJSON()
	p384X := string(p384JSON[strings.Index(string(p384JSON), `"x":"`)+5:])
	p384X = p384X[:strings.IndexByte(p384X, '"')]
	p384Y := string(p384JSON[strings.Index(string(p384JSON), `"y":"`)+5:])
	p384Y = p384Y[:strings.IndexByte(p384Y, '"')]
	setEK := func(n int) func(parts) parts {
		return func(p parts) parts { p.ek = make([]byte, n); return p }
	}
	setTag := func(n int) func(parts) parts {
		return func(p parts) parts { p.tag = make([]byte, n); return p }
	}

	rows := []row{
		// ECDH-ES "epk" (RFC 7518, Section 4.6.1.1; DESIGN 2).
		{name: "RFC 7518 4.6.1.1: epk missing", key: "ECDH-ES/P-256", break_: hdr("epk", ""), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7518 4.6.1.1: epk not an object", key: "ECDH-ES/P-256", break_: hdr("epk", `"x"`), want: jwe.ErrInvalidEphemeralKey},
		{name: "SEC 1 3.2.2: epk not on the curve", key: "ECDH-ES/P-256", break_: func(p parts) parts {
			return p.with(func(h string) string {
				i := strings.Index(h, `"y":"`) + 5
				c := byte('A')
				if h[i] == 'A' {
					c = 'B'
				}
				return h[:i] + string(c) + h[i+1:]
			})
		}, want: jwe.ErrInvalidEphemeralKey},
		{name: "SEC 1 3.2.2: epk is (0,0), the identity stand-in", key: "ECDH-ES+A128KW/P-256", break_: epk("EC", "P-256", zeros(32), zeros(32)), want: jwe.ErrInvalidEphemeralKey},
		{name: "DESIGN 2: epk on P-384 for a P-256 key", key: "ECDH-ES/P-256", break_: epk("EC", "P-384", p384X, p384Y), want: jwe.ErrInvalidEphemeralKey},
		{name: "DESIGN 2: epk on X25519 for a P-256 key", key: "ECDH-ES/P-256", break_: epk("OKP", "X25519", lowOrder8), want: jwe.ErrInvalidEphemeralKey},
		{name: "DESIGN 2: epk kty OKP on P-256", key: "ECDH-ES/P-256", break_: epk("OKP", "P-256", zeros(32), zeros(32)), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7518 6.2.1.2: epk x of 31 bytes", key: "ECDH-ES/P-256", break_: epk("EC", "P-256", zeros(31), zeros(32)), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7518 6.2.1.2: epk x of 33 bytes", key: "ECDH-ES/P-256", break_: epk("EC", "P-256", zeros(33), zeros(32)), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7518 6.2.1.3: epk y of 65 bytes on P-521", key: "ECDH-ES/P-521", break_: epk("EC", "P-521", zeros(66), zeros(65)), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7518 6.2.1.3: epk without y", key: "ECDH-ES/P-384", break_: epk("EC", "P-384", p384X), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7518 4.6.1.1: epk with a private d", key: "ECDH-ES/P-384", break_: epk("EC", "P-384", p384X, p384Y, zeros(48)), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7748 6.1: X25519 epk u=0 (low order)", key: "ECDH-ES/X25519", break_: epk("OKP", "X25519", zeros(32)), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7748 6.1: X25519 epk u=1 (low order)", key: "ECDH-ES+A256KW/X25519", break_: epk("OKP", "X25519", one), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 7748 6.1: X25519 epk of order 8", key: "ECDH-ES+A128KW/X25519", break_: epk("OKP", "X25519", lowOrder8), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 8037 2: X25519 epk x of 31 bytes", key: "ECDH-ES/X25519", break_: epk("OKP", "X25519", zeros(31)), want: jwe.ErrInvalidEphemeralKey},
		{name: "RFC 8037 2: X25519 epk on P-256 for an X25519 key", key: "ECDH-ES/X25519", break_: epk("EC", "P-256", zeros(32), zeros(32)), want: jwe.ErrInvalidEphemeralKey},

		// PBES2 "p2s" and "p2c" (RFC 7518, Section 4.8.1).
		{name: "RFC 7518 4.8.1.2: p2c 999", key: "PBES2-HS256+A128KW", break_: hdr("p2c", "999"), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.2: p2c 0", key: "PBES2-HS256+A128KW", break_: hdr("p2c", "0"), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.2: p2c -1000", key: "PBES2-HS256+A128KW", break_: hdr("p2c", "-1000"), want: jwe.ErrInvalidPBES2},
		{name: "DESIGN 2: p2c above the default cap", key: "PBES2-HS512+A256KW", break_: hdr("p2c", "1000001"), want: jwe.ErrInvalidPBES2},
		{name: "DESIGN 2: p2c of 2^63", key: "PBES2-HS512+A256KW", break_: hdr("p2c", "9223372036854775808"), want: jwe.ErrInvalidPBES2},
		{name: "DESIGN 2: p2c above a configured cap", key: "PBES2-HS256+A128KW", break_: hdr("p2c", "5000"), dec: func(d *jwe.Decrypter) { d.MaxPBES2Count = 4999 }, want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.2: p2c a string", key: "PBES2-HS256+A128KW", break_: hdr("p2c", `"1000"`), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.2: p2c 1000.0", key: "PBES2-HS256+A128KW", break_: hdr("p2c", "1000.0"), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.2: p2c 1e4", key: "PBES2-HS256+A128KW", break_: hdr("p2c", "1e4"), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.2: p2c 01000", key: "PBES2-HS256+A128KW", break_: hdr("p2c", "01000"), want: jwe.ErrMalformed},
		{name: "RFC 7518 4.8.1.2: p2c missing", key: "PBES2-HS256+A128KW", break_: hdr("p2c", ""), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.1: p2s missing", key: "PBES2-HS256+A128KW", break_: hdr("p2s", ""), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.1: p2s of 7 bytes", key: "PBES2-HS512+A256KW", break_: hdr("p2s", `"`+zeros(7)+`"`), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.1: p2s empty", key: "PBES2-HS512+A256KW", break_: hdr("p2s", `""`), want: jwe.ErrInvalidPBES2},
		{name: "RFC 7518 4.8.1.1: p2s a number", key: "PBES2-HS512+A256KW", break_: hdr("p2s", `12345678`), want: jwe.ErrInvalidPBES2},

		// "zip" (RFC 7516, Section 4.1.3).
		{name: "RFC 7516 4.1.3: zip GZIP", key: "A128KW", break_: addHdr(`"zip":"GZIP"`), want: jwe.ErrUnsupportedCompression},
		{name: "RFC 7516 4.1.3: zip is case-sensitive", key: "A128KW", break_: addHdr(`"zip":"def"`), want: jwe.ErrUnsupportedCompression},

		// The encrypted key (RFC 7516, Section 5.2; go-jose CVE-2026-34986 class).
		{name: "RFC 7516 5.1: dir with an encrypted key", key: "dir/2", enc: jwe.A256GCM, break_: setEK(40), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 7518 4.6: ECDH-ES with an encrypted key", key: "ECDH-ES/P-256", break_: setEK(40), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 7518 4.4: A128KW with an empty encrypted key", key: "A128KW", break_: setEK(0), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 3394 2.2.1: A256KW encrypted key 8 bytes short", key: "A256KW", break_: setEK(32), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 3394 2.2.1: A128KW encrypted key 8 bytes long", key: "A128KW", break_: setEK(48), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 7518 4.6: ECDH-ES+A128KW with an empty encrypted key", key: "ECDH-ES+A128KW/P-384", break_: setEK(0), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 7518 4.6: ECDH-ES+A256KW encrypted key of 39 bytes", key: "ECDH-ES+A256KW/X25519", break_: setEK(39), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 7518 4.8: PBES2 with an empty encrypted key", key: "PBES2-HS256+A128KW", break_: setEK(0), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 7518 4.3: RSA-OAEP with an empty encrypted key", key: "RSA-OAEP", break_: setEK(0), want: jwe.ErrInvalidEncryptedKey},
		{name: "RFC 8017 7.1.2: RSA-OAEP-256 encrypted key one byte short", key: "RSA-OAEP-256", break_: setEK(255), want: jwe.ErrInvalidEncryptedKey},

		// Tags and IVs (RFC 7518, Sections 5.2 and 5.3).
		{name: "RFC 7518 5.3: GCM tag of 15 bytes", key: "A128KW", enc: jwe.A128GCM, break_: setTag(15), want: jwe.ErrInvalidTag},
		{name: "RFC 7518 5.3: GCM tag of 17 bytes", key: "dir/2", enc: jwe.A256GCM, break_: setTag(17), want: jwe.ErrInvalidTag},
		{name: "RFC 7518 5.3: empty GCM tag", key: "RSA-OAEP", enc: jwe.A256GCM, break_: setTag(0), want: jwe.ErrInvalidTag},
		{name: "RFC 7518 5.2.5: A256CBC-HS512 tag of 16 bytes", key: "A256KW", enc: jwe.A256CBCHS512, break_: setTag(16), want: jwe.ErrInvalidTag},
		{name: "RFC 7518 5.2.3: A128CBC-HS256 tag of 32 bytes", key: "A256KW", enc: jwe.A128CBCHS256, break_: setTag(32), want: jwe.ErrInvalidTag},
		{name: "RFC 7518 5.3: GCM IV of 16 bytes", key: "A128KW", enc: jwe.A128GCM, break_: func(p parts) parts { p.iv = make([]byte, 16); return p }, want: jwe.ErrMalformed},
		{name: "RFC 7518 5.2.2.1: CBC IV of 12 bytes", key: "A128KW", enc: jwe.A128CBCHS256, break_: func(p parts) parts { p.iv = make([]byte, 12); return p }, want: jwe.ErrMalformed},

		// The JWS rules: size, segments, base64url, JSON, crit (RFC 7515/7516, DESIGN 2).
		{name: "DESIGN 2: token over MaxSize", key: "A128KW", dec: func(d *jwe.Decrypter) { d.MaxSize = 100 }, want: jwe.ErrTooLarge},
		{name: "RFC 7516 7.1: a JWS (3 segments) is not a JWE", key: "A128KW", raw: func(tok string) string { s := strings.Split(tok, "."); return s[0] + "." + s[3] + "." + s[4] }, want: jwe.ErrMalformed},
		{name: "RFC 7516 7.1: 6 segments", key: "A128KW", raw: func(tok string) string { return tok + ".AA" }, want: jwe.ErrMalformed},
		{name: "RFC 7515 2: padded base64url", key: "A128KW", raw: func(tok string) string { i := strings.IndexByte(tok, '.'); return tok[:i] + "=" + tok[i:] }, want: jwe.ErrMalformed},
		{name: "RFC 7515 2: base64 with + and /", key: "A128KW", raw: func(tok string) string { return strings.Replace(tok, ".", ".+/", 1) }, want: jwe.ErrMalformed},
		{name: "RFC 7516 4: duplicate alg", key: "A128KW", break_: addHdr(`"alg":"A128KW"`), want: jwe.ErrMalformed},
		{name: "RFC 7516 4: duplicate enc", key: "A128KW", break_: addHdr(`"enc":"A128GCM"`), want: jwe.ErrMalformed},
		{name: "DESIGN 2: header nested too deep", key: "A128KW", break_: addHdr(`"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40)), want: jwe.ErrMalformed},
		{name: "RFC 7516 4: header not an object", key: "A128KW", break_: func(p parts) parts { p.header = `["alg","A128KW"]`; return p }, want: jwe.ErrMalformed},
		{name: "RFC 7516 4: member names are case-sensitive", key: "A128KW", break_: func(p parts) parts {
			return p.with(func(h string) string { return strings.Replace(h, `"alg"`, `"ALG"`, 1) })
		}, want: jwe.ErrMalformed},
		{name: "RFC 7516 4.1.2: no enc (a JWS header)", key: "A128KW", break_: hdr("enc", ""), want: jwe.ErrMalformed},
		{name: "RFC 7515 4.1.11: unknown crit", key: "A128KW", break_: addHdr(`"crit":["exp"],"exp":1`), want: jwe.ErrUnsupportedCritical},
		{name: "RFC 7515 4.1.11: crit lists a registered name", key: "A128KW", break_: addHdr(`"crit":["zip"]`), want: jwe.ErrMalformed},
		{name: "RFC 7515 4.1.11: crit lists an absent name", key: "A128KW", break_: addHdr(`"crit":["exp"]`), dec: func(d *jwe.Decrypter) { d.Critical = []string{"exp"} }, want: jwe.ErrMalformed},
		{name: "RFC 7515 4.1.11: empty crit", key: "A128KW", break_: addHdr(`"crit":[]`), want: jwe.ErrMalformed},

		// Algorithms (RFC 7518, Sections 4.2 and 5.1; DESIGN 2).
		{name: "RFC 7518 4.2: RSA1_5 is unsupported", key: "RSA-OAEP", break_: hdr("alg", `"RSA1_5"`), want: jwe.ErrUnsupportedAlgorithm},
		{name: "RFC 7518 4.7: A128GCMKW is unsupported", key: "A128KW", break_: hdr("alg", `"A128GCMKW"`), want: jwe.ErrUnsupportedAlgorithm},
		{name: "RFC 7518 3.1: a JWS alg in a JWE", key: "A128KW", break_: hdr("alg", `"HS256"`), want: jwe.ErrUnsupportedAlgorithm},
		{name: "RFC 7518 3.6: none", key: "A128KW", break_: hdr("alg", `"none"`), want: jwe.ErrUnsupportedAlgorithm},
		{name: "RFC 7518 4.1: alg names are case-sensitive", key: "A128KW", break_: hdr("alg", `"a128kw"`), want: jwe.ErrUnsupportedAlgorithm},
		{name: "RFC 7518 5.1: enc A192GCM is unsupported", key: "A128KW", break_: hdr("enc", `"A192GCM"`), want: jwe.ErrUnsupportedAlgorithm},
		{name: "DESIGN 2: alg outside the allow-list", key: "A128KW", dec: func(d *jwe.Decrypter) { d.KeyAlgorithms = []jwk.Algorithm{jwk.A256KW} }, want: jwe.ErrUnsupportedAlgorithm},
		{name: "DESIGN 2: enc outside the allow-list", key: "A128KW", enc: jwe.A128GCM, dec: func(d *jwe.Decrypter) { d.Encryptions = []jwe.Encryption{jwe.A256GCM} }, want: jwe.ErrUnsupportedAlgorithm},
		{name: "DESIGN 2: token alg differs from the key's", key: "A128KW", break_: hdr("alg", `"A256KW"`), dec: func(d *jwe.Decrypter) { d.KeyAlgorithms = []jwk.Algorithm{jwk.A128KW, jwk.A256KW} }, want: jwe.ErrAlgorithmMismatch},
		{name: "DESIGN 2: dir key too short for the enc", key: "dir/1", enc: jwe.A128GCM, break_: hdr("enc", `"A256GCM"`), want: jwe.ErrAlgorithmMismatch},
		{name: "RFC 7516 4.1.6: unknown kid", key: "A128KW", break_: addHdr(`"kid":"other"`), want: jwe.ErrNoKey},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			k := key(t, r.key)
			tok := encrypt(t, "hello", k, &jwe.EncryptOptions{Encryption: r.enc, PBES2Count: jwe.MinPBES2Count})
			if r.break_ != nil {
				tok = r.break_(split(t, tok)).join()
			}
			if r.raw != nil {
				tok = r.raw(tok)
			}
			d := decrypter(t, k)
			if r.dec != nil {
				r.dec(d)
			}
			got, err := d.Decrypt(tok)
			t.Log(err)
			if !errors.Is(err, r.want) || got != nil {
				t.Fatalf("Decrypt = %v, %v; want nil, %v", got, err, r.want)
			}
			if errors.Is(err, jwe.ErrDecryption) {
				t.Fatalf("a header check failed as ErrDecryption: %v", err)
			}
		})
	}
}

// TestNoOracle: once the header checks pass, every failure to unwrap the
// key or to decrypt and authenticate the content is exactly ErrDecryption,
// with no detail (RFC 7516, Section 11.4 and 11.5; DESIGN 2).
func TestNoOracle(t *testing.T) {
	t.Parallel()
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i%len(c)] ^= 1; return c }
	type row struct {
		name   string
		key    string
		other  string // a second key of the same kind, given the first one's kid
		enc    jwe.Encryption
		break_ func(p parts) parts
	}
	rows := []row{
		{name: "RFC 7518 4.4: A128KW under another key", key: "A128KW", other: "A128KW"},
		{name: "RFC 3394 2.2.3: A256KW integrity check fails", key: "A256KW", break_: func(p parts) parts { p.ek = flip(p.ek, 3); return p }},
		{name: "RFC 7516 11.5: RSA-OAEP garbage key", key: "RSA-OAEP", break_: func(p parts) parts { p.ek = flip(p.ek, 100); return p }},
		{name: "RFC 7516 11.5: RSA-OAEP-256 all-zero key", key: "RSA-OAEP-256", break_: func(p parts) parts { p.ek = make([]byte, len(p.ek)); return p }},
		{name: "RFC 7518 4.8: PBES2 wrong password", key: "PBES2-HS256+A128KW", other: "PBES2-HS256+A128KW"},
		{name: "RFC 7518 4.8: PBES2 salt changed", key: "PBES2-HS512+A256KW", break_: func(p parts) parts {
			return p.with(func(h string) string { return replaceMember(h, "p2s", `"`+strings.Repeat("A", 22)+`"`) })
		}},
		{name: "RFC 7518 4.6: ECDH-ES another P-256 key", key: "ECDH-ES/P-256", other: "ECDH-ES/P-256"},
		{name: "RFC 7518 4.6: ECDH-ES+A128KW on X25519, another key", key: "ECDH-ES+A128KW/X25519", other: "ECDH-ES+A128KW/X25519"},
		{name: "RFC 7518 4.6.1.2: apu changed", key: "ECDH-ES+A256KW/P-521", break_: func(p parts) parts {
			return p.with(func(h string) string { return h[:len(h)-1] + `,"apu":"QWxpY2U"}` })
		}},
		{name: "RFC 7518 5.3: GCM ciphertext flipped", key: "dir/2", enc: jwe.A256GCM, break_: func(p parts) parts { p.ciphertext = flip(p.ciphertext, 0); return p }},
		{name: "RFC 7518 5.3: GCM tag flipped", key: "A128KW", enc: jwe.A128GCM, break_: func(p parts) parts { p.tag = flip(p.tag, 5); return p }},
		{name: "RFC 7518 5.3: GCM IV flipped", key: "A128KW", enc: jwe.A256GCM, break_: func(p parts) parts { p.iv = flip(p.iv, 1); return p }},
		{name: "RFC 7516 5.2: AAD (header) changed", key: "dir/2", enc: jwe.A256GCM, break_: func(p parts) parts { return p.with(func(h string) string { return h[:len(h)-1] + `,"x":1}` }) }},
		{name: "RFC 7518 5.2.2.2: CBC-HMAC tag flipped", key: "A256KW", enc: jwe.A128CBCHS256, break_: func(p parts) parts { p.tag = flip(p.tag, 0); return p }},
		{name: "RFC 7518 5.2.2.2: CBC last block flipped (padding)", key: "dir/4", enc: jwe.A256CBCHS512, break_: func(p parts) parts { p.ciphertext = flip(p.ciphertext, len(p.ciphertext)-1); return p }},
		{name: "RFC 7518 5.2.2.2: CBC ciphertext truncated", key: "A128KW", enc: jwe.A128CBCHS256, break_: func(p parts) parts { p.ciphertext = p.ciphertext[:len(p.ciphertext)-1]; return p }},
		{name: "RFC 7518 5.2.2.2: CBC IV flipped", key: "dir/2", enc: jwe.A128CBCHS256, break_: func(p parts) parts { p.iv = flip(p.iv, 0); return p }},
		{name: "RFC 7518 5.2.2.2: CBC ciphertext empty", key: "A128KW", enc: jwe.A128CBCHS256, break_: func(p parts) parts { p.ciphertext = nil; return p }},
		{name: "RFC 7518 5.1: dir under another key", key: "dir/2", enc: jwe.A128CBCHS256, other: "dir/2x"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			k := key(t, r.key)
			dk := k
			if r.other != "" {
				var err error
				if r.other == "dir/2x" {
					dk, err = jwk.NewSecretKey(bytes.Repeat([]byte{9}, 32), jwk.Dir)
				} else {
					alg := k.Algorithm()
					if alg.IsECDH() {
						crv := r.key[strings.IndexByte(r.key, '/')+1:]
						dk, err = jwk.GenerateECDH(alg, crv)
					} else {
						dk, err = jwk.Generate(alg)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			tok := encrypt(t, "attack at dawn, attack at dawn", k, &jwe.EncryptOptions{Encryption: r.enc, PBES2Count: jwe.MinPBES2Count})
			if r.break_ != nil {
				tok = r.break_(split(t, tok)).join()
			}
			if r.other != "" {
				// The token names no kid the other key lacks.
				tok = split(t, tok).with(func(h string) string {
					if strings.Contains(h, `"kid"`) {
						return replaceMember(h, "kid", "")
					}
					return h
				}).join()
			}
			got, err := decrypter(t, dk).Decrypt(tok)
			if err != jwe.ErrDecryption || got != nil {
				t.Fatalf("Decrypt = %v, %v; want exactly ErrDecryption", got, err)
			}
		})
	}
}

// TestDeflateBomb: a 50 MiB "zip":"DEF" payload (about 50 KiB compressed)
// fails with ErrDecompressionLimit after inflating at most the cap, and the
// whole decryption allocates a few MiB, not 50 (DESIGN 2). The test is not
// parallel: the allocation count is process-wide.
func TestDeflateBomb(t *testing.T) {
	k := dirKey(jwe.A256GCM)
	bomb := make([]byte, 50<<20)
	tok := encrypt(t, string(bomb), k, &jwe.EncryptOptions{Compress: true})
	bomb = nil
	t.Logf("50 MiB bomb: %d-byte token", len(tok))
	d := decrypter(t, k)
	d.MaxSize = 256 << 10 // let the bomb past the size limit; the cap stays 1 MiB
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	// The least of three runs, so that a stray allocation elsewhere in the
	// process does not count.
	alloc := uint64(1 << 62)
	for range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		got, err := d.Decrypt(tok)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, jwe.ErrDecompressionLimit) || got != nil {
			t.Fatalf("Decrypt = %v, %v; want ErrDecompressionLimit", got, err)
		}
		alloc = min(alloc, after.TotalAlloc-before.TotalAlloc)
	}
	t.Logf("allocated %d bytes", alloc)
	if alloc > 4<<20 {
		t.Errorf("decrypting the bomb allocated %d bytes, want under 4 MiB", alloc)
	}

	// A configured cap is honoured, and never raised above 1 MiB.
	small := encrypt(t, strings.Repeat("a", 2000), k, &jwe.EncryptOptions{Compress: true})
	d2 := decrypter(t, k)
	d2.MaxDecompressedSize = 1999
	if _, err := d2.Decrypt(small); !errors.Is(err, jwe.ErrDecompressionLimit) {
		t.Errorf("2000 bytes under a 1999-byte cap: %v", err)
	}
	d3 := decrypter(t, k)
	d3.MaxDecompressedSize = 2000
	if got, err := d3.Decrypt(small); err != nil || len(got.Plaintext) != 2000 {
		t.Errorf("2000 bytes under a 2000-byte cap: %v", err)
	}
	d4 := decrypter(t, k)
	d4.MaxSize, d4.MaxDecompressedSize = 256<<10, 64<<20
	if _, err := d4.Decrypt(tok); !errors.Is(err, jwe.ErrDecompressionLimit) {
		t.Errorf("a 64 MiB cap let the bomb through: %v", err)
	}
}

// TestJWSAndJWEDoNotMix: a JWE is never accepted by jws.Verify, nor a JWS
// by a Decrypter, whatever the keys (DESIGN 2).
func TestJWSAndJWEDoNotMix(t *testing.T) {
	t.Parallel()
	sk, _ := jwk.Generate(jwk.HS256)
	sig, err := jws.Sign([]byte("hello"), sk, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := key(t, "A128KW")
	if _, err := decrypter(t, k).Decrypt(sig); !errors.Is(err, jwe.ErrMalformed) {
		t.Errorf("Decrypt(JWS) = %v, want ErrMalformed", err)
	}
	tok := encrypt(t, "hello", k, nil)
	set, _ := jwk.NewSet(sk)
	if _, err := jws.Verify(tok, set, nil); !errors.Is(err, jws.ErrMalformed) {
		t.Errorf("jws.Verify(JWE) = %v, want ErrMalformed", err)
	}
}

// TestKeyUse: a key marked "use":"sig" never encrypts (RFC 7517, Section
// 4.2), and keys that cannot decrypt make the Decrypter misconfigured.
func TestKeyUse(t *testing.T) {
	t.Parallel()
	rsaPub := key(t, "RSA-OAEP").(*jwk.PrivateKey).Public()
	data, _ := rsaPub.MarshalJSON()
	data = bytes.Replace(data, []byte(`"alg":"RSA-OAEP",`), nil, 1)
	data = bytes.Replace(data, []byte(`"use":"enc"`), []byte(`"use":"sig"`), 1)
	unbound, err := jwk.ParseKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	sigKey, err := unbound.(*jwk.PublicKey).WithAlgorithm(jwk.RSAOAEP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwe.Encrypt([]byte("x"), sigKey, nil); !errors.Is(err, jwe.ErrKeyUse) {
		t.Errorf("Encrypt with a sig key: %v, want ErrKeyUse", err)
	}
	if _, err := jwk.ParseKey(data, jwk.RSAOAEP); !errors.Is(err, jwk.ErrKeyMismatch) {
		t.Errorf("ParseKey(sig key, RSA-OAEP): %v, want ErrKeyMismatch", err)
	}
	// Only public keys, or only signature keys: nothing can decrypt.
	es, _ := jwk.Generate(jwk.ES256)
	for _, keys := range [][]jwk.Key{{rsaPub}, {es}} {
		d := decrypter(t, keys...)
		if err := d.Check(); !errors.Is(err, jwe.ErrMisconfigured) {
			t.Errorf("Check with %T: %v, want ErrMisconfigured", keys[0], err)
		}
	}
	if _, err := jwe.Encrypt([]byte("x"), es, nil); !errors.Is(err, jwe.ErrUnsupportedAlgorithm) {
		t.Errorf("Encrypt with an ES256 key: %v", err)
	}
	for _, d := range []*jwe.Decrypter{
		{},
		{Keys: decrypter(t, key(t, "A128KW")).Keys, KeyAlgorithms: []jwk.Algorithm{"RSA1_5"}},
		{Keys: decrypter(t, key(t, "A128KW")).Keys, KeyAlgorithms: []jwk.Algorithm{jwk.HS256}},
		{Keys: decrypter(t, key(t, "A128KW")).Keys, Encryptions: []jwe.Encryption{"A192GCM"}},
		{Keys: decrypter(t, key(t, "A128KW")).Keys, MaxPBES2Count: 999},
	} {
		if err := d.Check(); !errors.Is(err, jwe.ErrMisconfigured) {
			t.Errorf("Check: %v, want ErrMisconfigured", err)
		}
	}
}

// TestKeyOps: "key_ops" and "use" decide what a key may do (RFC 7517,
// Sections 4.2 and 4.3): decrypting needs unwrapKey (decrypt for dir and
// RSA-OAEP, deriveKey for ECDH-ES), encrypting wrapKey (encrypt, deriveKey);
// a "use":"sig" key does neither. A refused key is ErrKeyUse, never a
// decryption attempt.
func TestKeyOps(t *testing.T) {
	t.Parallel()
	withOps := func(k jwk.Key, member string) jwk.Key {
		t.Helper()
		var data []byte
		var err error
		switch k := k.(type) {
		case *jwk.SecretKey:
			data, err = k.MarshalJSON()
		case *jwk.PrivateKey:
			data, err = k.MarshalJSON()
		}
		if err != nil {
			t.Fatal(err)
		}
		data = append(data[:len(data)-1], ","+member+"}"...)
		out, err := jwk.ParseKey(data, k.Algorithm())
		if err != nil {
			t.Fatalf("ParseKey(%s): %v", member, err)
		}
		return out
	}
	rows := []struct {
		name                 string
		key                  string
		ops                  string
		encryptOK, decryptOK bool
	}{
		{"RFC 7517 4.3: A128KW may only wrap", "A128KW", `"key_ops":["wrapKey"]`, true, false},
		{"RFC 7517 4.3: A128KW may only unwrap", "A128KW", `"key_ops":["unwrapKey"]`, false, true},
		{"RFC 7517 4.3: A256KW wraps and unwraps", "A256KW", `"key_ops":["wrapKey","unwrapKey"]`, true, true},
		{"RFC 7517 4.3: PBES2 key for signing only", "PBES2-HS256+A128KW", `"key_ops":["sign"]`, false, false},
		{"RFC 7517 4.3: dir needs decrypt", "dir/2", `"key_ops":["encrypt"]`, true, false},
		{"RFC 7517 4.3: dir with encrypt and decrypt", "dir/2", `"key_ops":["encrypt","decrypt"]`, true, true},
		{"RFC 7517 4.3: RSA-OAEP key for signing only", "RSA-OAEP", `"key_ops":["sign","verify"]`, false, false},
		{"RFC 7517 4.3: RSA-OAEP-256 key that unwraps", "RSA-OAEP-256", `"key_ops":["unwrapKey"]`, false, true},
		{"RFC 7517 4.3: RSA-OAEP key that decrypts", "RSA-OAEP", `"key_ops":["decrypt"]`, false, true},
		{"RFC 7517 4.3: ECDH-ES key derives", "ECDH-ES/P-256", `"key_ops":["deriveKey"]`, true, true},
		{"RFC 7517 4.3: ECDH-ES+A128KW key that only decrypts", "ECDH-ES+A128KW/X25519", `"key_ops":["decrypt","unwrapKey"]`, false, false},
		{"RFC 7517 4.2: use enc", "A128KW", `"use":"enc"`, true, true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			plain := key(t, r.key)
			k := withOps(plain, r.ops)
			_, err := jwe.Encrypt([]byte("x"), k, &jwe.EncryptOptions{PBES2Count: jwe.MinPBES2Count})
			if r.encryptOK != (err == nil) || err != nil && (!errors.Is(err, jwe.ErrKeyUse) || !errors.Is(err, jwk.ErrOperationNotPermitted)) {
				t.Errorf("Encrypt: %v (want ok %v)", err, r.encryptOK)
			}
			tok := encrypt(t, "x", plain, &jwe.EncryptOptions{PBES2Count: jwe.MinPBES2Count})
			got, err := decrypter(t, k).Decrypt(tok)
			if r.decryptOK != (err == nil) || err != nil && !errors.Is(err, jwe.ErrKeyUse) {
				t.Errorf("Decrypt = %v, %v (want ok %v)", got, err, r.decryptOK)
			}
		})
	}

	// An oct key without "alg" marked "use":"sig", bound to dir by the
	// Decrypter's allow-list, still never decrypts.
	secret := base64url.EncodeToString(bytes.Repeat([]byte{7}, 32))
	sig, err := jwk.ParseKey([]byte(`{"kty":"oct","use":"sig","k":"`+secret+`"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	dirKey, _ := jwk.NewSecretKey(bytes.Repeat([]byte{7}, 32), jwk.Dir)
	set, _ := jwk.NewSet(sig)
	d := &jwe.Decrypter{Keys: set, KeyAlgorithms: []jwk.Algorithm{jwk.Dir}}
	if _, err := d.Decrypt(encrypt(t, "x", dirKey, nil)); !errors.Is(err, jwe.ErrKeyUse) {
		t.Errorf("use sig oct key decrypted: %v, want ErrKeyUse", err)
	}
}
