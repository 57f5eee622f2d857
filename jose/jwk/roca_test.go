package jwk_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"math/big"
	"path/filepath"
	"testing"

	"github.com/wardauth/ward/internal/josetest"
	"github.com/wardauth/ward/jose/jwk"
)

// Wycheproof's ROCA key (json_web_key tcId 7, json_web_crypto tcId 46) is
// refused as a weak key however it arrives: a public or private JWK, in a
// JWK Set, or as a crypto key.
func TestROCAWycheproof(t *testing.T) {
	t.Parallel()
	var file struct {
		Source string
		Tests  []struct {
			File            string
			TcID            int
			Private, Public json.RawMessage
		}
	}
	if err := json.Unmarshal(readTestdata(t, filepath.Join("wycheproof", "roca.json")), &file); err != nil || file.Source == "" || len(file.Tests) != 2 {
		t.Fatalf("vectors: %v", err)
	}
	isROCA := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, jwk.ErrROCA) || !errors.Is(err, jwk.ErrWeakKey) {
			t.Errorf("%s: got %v, want ErrROCA (and ErrWeakKey)", what, err)
		}
	}
	for _, tc := range file.Tests {
		t.Run(tc.File, func(t *testing.T) {
			for name, data := range map[string][]byte{"public": tc.Public, "private": tc.Private} {
				if tc.File == "json_web_key_test.json" { // a JWK Set
					s, err := jwk.ParseSet(data)
					if s != nil {
						t.Errorf("%s set: got %d keys", name, s.Len())
					}
					isROCA(t, name+" set", err)
					continue
				}
				_, err := jwk.ParseKey(data, "")
				isROCA(t, name+" key", err)
			}
		})
	}
	var pub struct{ N string }
	if err := json.Unmarshal(file.Tests[1].Public, &pub); err != nil {
		t.Fatal(err)
	}
	n := new(big.Int).SetBytes(unb64(t, pub.N))
	_, err := jwk.NewPublicKey(&rsa.PublicKey{N: n, E: 65537}, jwk.RS256)
	isROCA(t, "NewPublicKey", err)
}

// Moduli built to have the fingerprint (65537^c mod M plus a multiple of
// M, as the primes of a vulnerable key multiply to) are caught; their
// neighbours, and generated keys, are not.
func TestROCASynthetic(t *testing.T) {
	t.Parallel()
	m := big.NewInt(1)
	for p := int64(2); p <= 167; p++ {
		if big.NewInt(p).ProbablyPrime(1) {
			m.Mul(m, big.NewInt(p))
		}
	}
	for _, c := range []int64{1, 2, 1000, 123456789, 2454106387091158799} {
		base := new(big.Int).Exp(big.NewInt(65537), big.NewInt(c), m)
		// base is odd and M even: n is odd, of 2050 bits.
		k := new(big.Int).Lsh(big.NewInt(0x1234567), 2050-220-25)
		n := new(big.Int).Add(base, new(big.Int).Mul(k, m))
		_, err := jwk.NewPublicKey(&rsa.PublicKey{N: n, E: 65537}, jwk.RS256)
		if !errors.Is(err, jwk.ErrROCA) {
			t.Errorf("65537^%d mod M + k·M (%d bits): got %v, want ErrROCA", c, n.BitLen(), err)
		}
		// Two more than n is no power of 65537 modulo 3·5·...
		n2 := new(big.Int).Add(n, big.NewInt(2))
		if _, err := jwk.NewPublicKey(&rsa.PublicKey{N: n2, E: 65537}, jwk.RS256); errors.Is(err, jwk.ErrROCA) {
			t.Errorf("65537^%d mod M + k·M + 2: flagged as ROCA", c)
		}
	}
	// The shared test key, and freshly generated ones (slow under the
	// emulators of 32-bit CI, so not with -short).
	if _, err := jwk.NewPrivateKey(josetest.RSAKey(t), jwk.RS256); err != nil {
		t.Errorf("test key: %v", err)
	}
	if testing.Short() {
		return
	}
	for range 3 {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jwk.NewPrivateKey(key, jwk.RS256); err != nil {
			t.Errorf("generated key: %v", err)
		}
	}
}

// BenchmarkROCACheck measures the fingerprint test, which runs for every
// RSA key parsed (a JWK Set with many keys pays it once per key).
func BenchmarkROCACheck(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	pub := &key.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jwk.NewPublicKey(pub, jwk.RS256); err != nil {
			b.Fatal(err)
		}
	}
}
