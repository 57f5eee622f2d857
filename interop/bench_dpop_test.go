package interop

import (
	"context"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// dpopPool is how many distinct proofs a DPoP benchmark cycles through.
// Each is verified once per Verifier (a second time would be a replay), so
// after dpopPool verifications the benchmark starts a fresh Verifier,
// with a fresh replay cache; that cost is spread over the pool.
const dpopPool = 2048

// BenchmarkDPoPVerify/<case>: a resource server's check of an ES256 DPoP
// proof (RFC 9449, Section 4.3) with everything on: typ, alg allow-list,
// the header jwk parsed and bound, signature, htm, htu, iat, ath against
// the access token, the key's thumbprint against the token's cnf.jkt, and
// the jti recorded in the in-memory replay cache. The floor is a bare
// ES256 verify of the same proof bytes (the floor of BenchmarkVerify:
// split, base64url-decode into reused buffers, SHA-256 and
// ecdsa.VerifyASN1 with the key already parsed); the target is Ward within
// 5 µs of it.
func BenchmarkDPoPVerify(b *testing.B) {
	k, err := jwk.Generate(jwk.ES256)
	if err != nil {
		b.Fatal(err)
	}
	key := k.(*jwk.PrivateKey)
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { return now }
	req := &dpop.Request{Method: "GET", URI: "https://api.example.com/orders", AccessToken: dpopAccessToken, JKT: key.KeyID()}
	proofer := &dpop.Proofer{Key: key, Now: clock}
	proofs := make([]string, dpopPool)
	for i := range proofs {
		if proofs[i], err = proofer.Proof(req); err != nil {
			b.Fatal(err)
		}
	}
	newVerifier := func() *dpop.Verifier {
		return &dpop.Verifier{Now: clock, Algorithms: []jwk.Algorithm{jwk.ES256}}
	}

	b.Run("ward", func(b *testing.B) {
		v := newVerifier()
		one := []string{proofs[0]}
		if _, err := v.Verify(context.Background(), one, req); err != nil {
			b.Fatalf("Ward rejects its own proof: %v", err)
		}
		if _, err := v.Verify(context.Background(), one, req); err == nil {
			b.Fatal("Ward accepts a replayed proof")
		}
		if _, err := newVerifier().Verify(context.Background(), []string{tamper(proofs[0])}, req); err == nil {
			b.Fatal("Ward accepts a tampered proof")
		}
		b.ReportAllocs()
		v, i := newVerifier(), 0
		for b.Loop() {
			if i == len(proofs) {
				v, i = newVerifier(), 0
			}
			one[0] = proofs[i]
			i++
			if _, err := v.Verify(context.Background(), one, req); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("floor-ES256", func(b *testing.B) {
		verify := floorBench.verify(b, newFixture(b, key))
		if err := verify(proofs[0]); err != nil {
			b.Fatalf("the floor rejects the proof: %v", err)
		}
		if err := verify(tamper(proofs[0])); err == nil {
			b.Fatal("the floor accepts a tampered proof")
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i == len(proofs) {
				i = 0
			}
			if err := verify(proofs[i]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
