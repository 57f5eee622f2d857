package jwe_test

import (
	"crypto/ecdh"
	"strings"
	"sync"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// testKeys are generated once: RSA generation is slow.
var testKeys = sync.OnceValue(func() map[string]jwk.Key {
	m := map[string]jwk.Key{}
	for _, alg := range []jwk.Algorithm{jwk.A128KW, jwk.A256KW, jwk.RSAOAEP, jwk.RSAOAEP256, jwk.PBES2HS256A128KW, jwk.PBES2HS512A256KW} {
		k, err := jwk.Generate(alg)
		if err != nil {
			panic(err)
		}
		m[string(alg)] = k
	}
	for _, n := range []int{16, 32, 64} {
		k, err := jwk.NewSecretKey(make([]byte, n), jwk.Dir)
		if err != nil {
			panic(err)
		}
		b := []byte(k.Secret())
		for i := range b {
			b[i] = byte(i*7 + n)
		}
		k, _ = jwk.NewSecretKey(b, jwk.Dir)
		m["dir/"+string(rune('0'+n/16))] = k
	}
	for _, alg := range []jwk.Algorithm{jwk.ECDHES, jwk.ECDHESA128KW, jwk.ECDHESA256KW} {
		for _, crv := range []string{"P-256", "P-384", "P-521", "X25519"} {
			k, err := jwk.GenerateECDH(alg, crv)
			if err != nil {
				panic(err)
			}
			m[string(alg)+"/"+crv] = k
		}
	}
	return m
})

// dirKey returns the test dir key for enc.
func dirKey(enc jwe.Encryption) jwk.Key {
	return testKeys()["dir/"+string(rune('0'+enc.KeySize()/16))]
}

// key returns the test key for name (an algorithm, or "alg/crv").
func key(t testing.TB, name string) jwk.Key {
	t.Helper()
	k, ok := testKeys()[name]
	if !ok {
		t.Fatalf("no test key %q", name)
	}
	return k
}

// decrypter returns a Decrypter for keys with the default limits.
func decrypter(t testing.TB, keys ...jwk.Key) *jwe.Decrypter {
	t.Helper()
	set, err := jwk.NewSet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return &jwe.Decrypter{Keys: set}
}

// encrypt encrypts plaintext to k with enc, failing the test on error.
func encrypt(t testing.TB, plaintext string, k jwk.Key, opts *jwe.EncryptOptions) string {
	t.Helper()
	tok, err := jwe.Encrypt([]byte(plaintext), k, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// parts is a compact JWE taken apart: the header JSON and the four
// decoded segments.
type parts struct {
	header                  string
	ek, iv, ciphertext, tag []byte
}

func split(t testing.TB, tok string) parts {
	t.Helper()
	s := strings.Split(tok, ".")
	if len(s) != 5 {
		t.Fatalf("%d segments", len(s))
	}
	dec := func(x string) []byte {
		b, err := base64url.DecodeString(x)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return parts{string(dec(s[0])), dec(s[1]), dec(s[2]), dec(s[3]), dec(s[4])}
}

// join assembles parts into a compact JWE.
func (p parts) join() string {
	e := base64url.EncodeToString
	return e([]byte(p.header)) + "." + e(p.ek) + "." + e(p.iv) + "." + e(p.ciphertext) + "." + e(p.tag)
}

// with returns p with its header rewritten by f.
func (p parts) with(f func(string) string) parts {
	p.header = f(p.header)
	return p
}

// replaceMember returns hdr with the JSON member name (which must be
// present, its value a string, number or flat object) set to value, or
// removed if value is "".
func replaceMember(hdr, name, value string) string {
	i := strings.Index(hdr, `"`+name+`":`)
	if i < 0 {
		panic("no member " + name + " in " + hdr)
	}
	j := i + len(name) + 3
	end := j
	switch hdr[j] {
	case '{':
		end = strings.IndexByte(hdr[j:], '}') + j + 1
	case '"':
		end = strings.IndexByte(hdr[j+1:], '"') + j + 2
	default:
		end = j + strings.IndexAny(hdr[j:], ",}")
	}
	if value == "" {
		if hdr[i-1] == ',' {
			i--
		} else if hdr[end] == ',' {
			end++
		}
		return hdr[:i] + hdr[end:]
	}
	return hdr[:j] + value + hdr[end:]
}

// ecdhCurve returns the crypto/ecdh curve of a JWK curve name.
func ecdhCurve(crv string) ecdh.Curve {
	return map[string]ecdh.Curve{"P-256": ecdh.P256(), "P-384": ecdh.P384(), "P-521": ecdh.P521(), "X25519": ecdh.X25519()}[crv]
}
