package jwk

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
)

func BenchmarkROCAFingerprint(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	rocaParams()
	b.ReportAllocs()
	for b.Loop() {
		if hasROCAFingerprint(key.N) {
			b.Fatal("flagged")
		}
	}
}
