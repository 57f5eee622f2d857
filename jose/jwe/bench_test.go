package jwe_test

import (
	"crypto/aes"
	"crypto/cipher"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// benchPayload is a typical nested JWT's size of plaintext.
var benchPayload = []byte(`{"iss":"https://auth.example","sub":"alice","aud":"api","exp":1700003600,"iat":1700000000,"jti":"` + strings.Repeat("x", 22) + `","scope":"read write"}`)

// BenchmarkDecrypt measures decryption of the three pairs of issue 6's
// speed targets; the interop module compares them with peers.
func BenchmarkDecrypt(b *testing.B) {
	rsaKey, err := jwk.GenerateRSA(jwk.RSAOAEP256, 2048)
	if err != nil {
		b.Fatal(err)
	}
	dir, _ := jwk.Generate(jwk.Dir)
	ecdh, _ := jwk.GenerateECDH(jwk.ECDHESA128KW, "P-256")
	for _, c := range []struct {
		name string
		key  jwk.Key
		enc  jwe.Encryption
	}{
		{"dir+A256GCM", dir, jwe.A256GCM},
		{"ECDH-ES+A128KW+A128GCM", ecdh, jwe.A128GCM},
		{"RSA-OAEP-256+A128GCM", rsaKey, jwe.A128GCM},
	} {
		b.Run(c.name, func(b *testing.B) {
			tok, err := jwe.Encrypt(benchPayload, c.key, &jwe.EncryptOptions{Encryption: c.enc})
			if err != nil {
				b.Fatal(err)
			}
			set, _ := jwk.NewSet(c.key)
			d := &jwe.Decrypter{Keys: set}
			var out jwe.Decrypted
			if err := d.DecryptInto(tok, &out); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := d.DecryptInto(tok, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The floor for dir+A256GCM: split, base64url-decode the IV, ciphertext
	// and tag into a reused buffer, and open with a prepared AES-GCM; no
	// header JSON.
	b.Run("floor/dir+A256GCM", func(b *testing.B) {
		tok, _ := jwe.Encrypt(benchPayload, dir, nil)
		block, _ := aes.NewCipher(dir.(*jwk.SecretKey).Secret())
		g, _ := cipher.NewGCM(block)
		seg := strings.Split(tok, ".")
		buf := make([]byte, 0, 1024)
		var iv [12]byte
		b.ReportAllocs()
		for b.Loop() {
			base64url.Decode(iv[:], []byte(seg[2]))
			n := base64url.DecodedLen(len(seg[3]))
			body := buf[:n+16]
			base64url.Decode(body[:n], []byte(seg[3]))
			base64url.Decode(body[n:], []byte(seg[4]))
			if _, err := g.Open(body[:0], iv[:], body, []byte(seg[0])); err != nil {
				b.Fatal(err)
			}
		}
	})
}
