package jwe_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// Every key-management algorithm (on every curve for ECDH-ES) with every
// content encryption, with and without compression, round-trips, and the
// result names its algorithms and the key.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	type tc struct {
		name string
		key  jwk.Key
	}
	var cases []tc
	for _, enc := range jwe.Encryptions() {
		cases = append(cases, tc{"dir/" + string(enc), dirKey(enc)})
	}
	for _, alg := range []string{"A128KW", "A256KW", "RSA-OAEP", "RSA-OAEP-256", "PBES2-HS256+A128KW", "PBES2-HS512+A256KW"} {
		cases = append(cases, tc{alg, key(t, alg)})
	}
	for _, alg := range []string{"ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW"} {
		for _, crv := range []string{"P-256", "P-384", "P-521", "X25519"} {
			cases = append(cases, tc{alg + "/" + crv, key(t, alg+"/"+crv)})
		}
	}
	plaintext := strings.Repeat("The true sign of intelligence is not knowledge but imagination. ", 5)
	for _, c := range cases {
		for _, enc := range jwe.Encryptions() {
			if c.key.Algorithm() == jwk.Dir && !strings.HasSuffix(c.name, string(enc)) {
				continue
			}
			for _, zip := range []bool{false, true} {
				name := c.name + "+" + string(enc)
				if zip {
					name += "+DEF"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					tok := encrypt(t, plaintext, c.key, &jwe.EncryptOptions{
						Encryption: enc, Compress: zip, Type: "JWT", ContentType: "text/plain",
						PBES2Count: jwe.MinPBES2Count, PartyUInfo: []byte("Alice"), PartyVInfo: []byte("Bob"),
					})
					got, err := decrypter(t, c.key).Decrypt(tok)
					if err != nil {
						t.Fatalf("Decrypt: %v\n%s", err, split(t, tok).header)
					}
					if !bytes.Equal(got.Plaintext, []byte(plaintext)) {
						t.Errorf("plaintext %q", got.Plaintext)
					}
					h := got.Header
					if h.Algorithm != c.key.Algorithm() || h.Encryption != enc || h.Type != "JWT" || h.ContentType != "text/plain" || h.KeyID != c.key.KeyID() {
						t.Errorf("header %+v", h)
					}
					if zip != (h.Compression == "DEF") {
						t.Errorf("zip %q", h.Compression)
					}
					if got.Key.KeyID() != c.key.KeyID() {
						t.Errorf("Key %q", got.Key.KeyID())
					}
					// The token is a JWE for every reader, never a JWS.
					u, err := jwe.UnsafeDecode(tok, 0)
					if err != nil || u.Header.Algorithm != h.Algorithm {
						t.Errorf("UnsafeDecode: %v", err)
					}
				})
			}
		}
	}
}

// Two encryptions of one plaintext never share a key, IV or ciphertext.
func TestEncryptIsRandomized(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"A128KW", "ECDH-ES/P-256", "RSA-OAEP-256"} {
		k := key(t, name)
		a, b := encrypt(t, "same", k, nil), encrypt(t, "same", k, nil)
		pa, pb := split(t, a), split(t, b)
		if bytes.Equal(pa.iv, pb.iv) || bytes.Equal(pa.ciphertext, pb.ciphertext) || (len(pa.ek) > 0 && bytes.Equal(pa.ek, pb.ek)) {
			t.Errorf("%s: two encryptions share parts", name)
		}
	}
	d := dirKey(jwe.A256GCM)
	if a, b := split(t, encrypt(t, "same", d, nil)), split(t, encrypt(t, "same", d, nil)); bytes.Equal(a.iv, b.iv) {
		t.Error("dir: two encryptions share an IV")
	}
}

// Keys are chosen by "kid"; without one, exactly one key of the token's
// algorithm must fit (RFC 7516, Section 4.1.6; DESIGN 2). Unbound oct keys
// are bound to the one oct algorithm allowed.
func TestKeySelection(t *testing.T) {
	t.Parallel()
	a, _ := jwk.Generate(jwk.A128KW)
	b, _ := jwk.Generate(jwk.A128KW)
	ka, kb := a.(*jwk.SecretKey).WithKeyID("a"), b.(*jwk.SecretKey).WithKeyID("b")
	d := decrypter(t, ka, kb)
	for _, k := range []*jwk.SecretKey{ka, kb} {
		got, err := d.Decrypt(encrypt(t, "x", k, nil))
		if err != nil || got.Key.KeyID() != k.KeyID() {
			t.Errorf("kid %q: %v", k.KeyID(), err)
		}
	}
	if _, err := d.Decrypt(encrypt(t, "x", a, nil)); !errors.Is(err, jwe.ErrNoKey) {
		t.Errorf("no kid, two keys: %v, want ErrNoKey", err)
	}
	// An oct key parsed without "alg" is bound by KeyAlgorithms.
	secret := make([]byte, 32)
	unbound, err := jwk.ParseKey([]byte(`{"kty":"oct","k":"`+base64url.EncodeToString(secret)+`"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	set, _ := jwk.NewSet(unbound)
	d2 := &jwe.Decrypter{Keys: set, KeyAlgorithms: []jwk.Algorithm{jwk.A256KW}}
	kw, _ := jwk.NewSecretKey(secret, jwk.A256KW)
	if got, err := d2.Decrypt(encrypt(t, "unbound", kw, nil)); err != nil || string(got.Plaintext) != "unbound" {
		t.Errorf("unbound oct key bound to A256KW: %v", err)
	}
	// With two oct algorithms allowed, the key is ambiguous and unusable.
	d3 := &jwe.Decrypter{Keys: set, KeyAlgorithms: []jwk.Algorithm{jwk.A256KW, jwk.Dir}}
	if err := d3.Check(); !errors.Is(err, jwe.ErrMisconfigured) {
		t.Errorf("ambiguous unbound key: %v, want ErrMisconfigured", err)
	}
}

// One Decrypter serves many goroutines decrypting tokens with different
// headers at once (run with -race).
func TestDecrypterConcurrent(t *testing.T) {
	t.Parallel()
	keys := []jwk.Key{dirKey(jwe.A256GCM), key(t, "A128KW"), key(t, "ECDH-ES/P-256")}
	d := decrypter(t, keys...)
	var toks []string
	for i, k := range keys {
		for _, typ := range []string{"", "JWT"} {
			toks = append(toks, encrypt(t, string(rune('a'+i))+typ, k, &jwe.EncryptOptions{Type: typ}))
		}
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			var out jwe.Decrypted
			for i := range 200 {
				n := (i + g) % len(toks)
				if err := d.DecryptInto(toks[n], &out); err != nil {
					done <- err
					return
				}
				want := string(rune('a'+n/2)) + []string{"", "JWT"}[n%2]
				if string(out.Plaintext) != want || out.Header.Type != want[1:] {
					done <- errors.New("token " + want + " decrypted as " + string(out.Plaintext) + " typ " + out.Header.Type)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
