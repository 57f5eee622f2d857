package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
)

func BenchmarkZZ(b *testing.B) {
	k, _ := jwk.Generate(jwk.ES256)
	raw, _ := k.(*jwk.PrivateKey).Public().WithKeyID("").MarshalJSON()
	priv := k.(*jwk.PrivateKey).Signer().(*ecdsa.PrivateKey)
	d := sha256.Sum256([]byte("x"))
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, d[:])
	pt, _ := priv.PublicKey.Bytes()
	b.Run("verifyASN1", func(b *testing.B) {
		for b.Loop() {
			ecdsa.VerifyASN1(&priv.PublicKey, d[:], sig)
		}
	})
	b.Run("ParseKey", func(b *testing.B) {
		for b.Loop() {
			jwk.ParseKey(raw, jwk.ES256)
		}
	})
	b.Run("parseProofKey", func(b *testing.B) {
		for b.Loop() {
			parseProofKey(raw, jwk.ES256, 4096)
		}
	})
	b.Run("ParseUncompressed", func(b *testing.B) {
		for b.Loop() {
			ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt)
		}
	})
	b.Run("Thumbprint", func(b *testing.B) {
		for b.Loop() {
			jwk.Thumbprint(k, crypto.SHA256)
		}
	})
	b.Run("NewPublicKey", func(b *testing.B) {
		for b.Loop() {
			jwk.NewPublicKey(&priv.PublicKey, jwk.ES256)
		}
	})
}
