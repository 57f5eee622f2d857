package jwk_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	for _, alg := range jwk.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := jwk.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm() != alg || k.KeyType() != alg.KeyType() {
				t.Errorf("alg %q kty %q", k.Algorithm(), k.KeyType())
			}
			switch k := k.(type) {
			case *jwk.SecretKey:
				// RFC 7518, Section 3.2: a key of the same size as the hash.
				if k.Len() != alg.Hash().Size() {
					t.Errorf("secret of %d bytes, want %d", k.Len(), alg.Hash().Size())
				}
				if k.KeyID() != "" {
					t.Errorf("secret has kid %q; a secret's kid must not derive from it", k.KeyID())
				}
			case *jwk.PrivateKey:
				if k.KeyID() != thumbprint(t, k) {
					t.Errorf("kid %q is not the RFC 7638 thumbprint", k.KeyID())
				}
				switch s := k.Signer().(type) {
				case *rsa.PrivateKey:
					if s.N.BitLen() != jwk.DefaultRSABits {
						t.Errorf("RSA key of %d bits", s.N.BitLen())
					}
				case *ecdsa.PrivateKey:
					if s.Curve.Params().Name != alg.Curve() {
						t.Errorf("curve %s, want %s", s.Curve.Params().Name, alg.Curve())
					}
				case ed25519.PrivateKey:
				default:
					t.Errorf("signer is %T", s)
				}
			default:
				t.Errorf("Generate returned %T", k)
			}
		})
	}
	// Two secrets are never the same.
	a, _ := jwk.Generate(jwk.HS256)
	b, _ := jwk.Generate(jwk.HS256)
	if a.(*jwk.SecretKey).Equal(b.(*jwk.SecretKey)) {
		t.Error("two generated secrets are equal")
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	for _, alg := range []jwk.Algorithm{"", "none", "RSA1_5", "Ed448", "hs256"} {
		if k, err := jwk.Generate(alg); !errors.Is(err, jwk.ErrUnsupportedAlgorithm) || k != nil {
			t.Errorf("Generate(%q) = %v, %v; want nil, ErrUnsupportedAlgorithm", alg, k, err)
		}
	}
	tests := []struct {
		alg  jwk.Algorithm
		bits int
		want error
	}{
		{jwk.RS256, 1024, jwk.ErrWeakKey},
		{jwk.RS256, 2047, jwk.ErrWeakKey},
		{jwk.PS256, 2052, jwk.ErrWeakKey}, // not a multiple of 8
		{jwk.PS512, 8200, jwk.ErrWeakKey},
		{jwk.ES256, 2048, jwk.ErrKeyMismatch},
		{jwk.HS256, 2048, jwk.ErrKeyMismatch},
		{"none", 2048, jwk.ErrUnsupportedAlgorithm},
	}
	for _, tt := range tests {
		if k, err := jwk.GenerateRSA(tt.alg, tt.bits); !errors.Is(err, tt.want) || k != nil {
			t.Errorf("GenerateRSA(%q, %d) = %v, %v; want nil, %v", tt.alg, tt.bits, k, err, tt.want)
		}
	}
}

func TestGenerateRSASizes(t *testing.T) {
	if testing.Short() {
		t.Skip("RSA key generation is slow")
	}
	t.Parallel()
	k, err := jwk.GenerateRSA(jwk.PS384, 3072)
	if err != nil {
		t.Fatal(err)
	}
	if bits := k.Signer().(*rsa.PrivateKey).N.BitLen(); bits != 3072 || k.Algorithm() != jwk.PS384 {
		t.Errorf("%d bits, alg %q", bits, k.Algorithm())
	}
}
