package jwk_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
)

// readTestdata returns the contents of testdata/name.
func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// mustParseKey parses a JWK that the test expects to be valid.
func mustParseKey(tb testing.TB, data []byte, alg jwk.Algorithm) jwk.Key {
	tb.Helper()
	k, err := jwk.ParseKey(data, alg)
	if err != nil {
		tb.Fatalf("ParseKey(%.60q…, %q): %v", data, alg, err)
	}
	return k
}

// keysEqual reports how a and b differ: in type, algorithm, key ID, use or
// key material. It returns nil if they are the same key.
func keysEqual(a, b jwk.Key) error {
	if a.Algorithm() != b.Algorithm() {
		return fmt.Errorf("algorithm %q != %q", a.Algorithm(), b.Algorithm())
	}
	if a.KeyID() != b.KeyID() {
		return fmt.Errorf("key ID %q != %q", a.KeyID(), b.KeyID())
	}
	if a.KeyType() != b.KeyType() {
		return fmt.Errorf("key type %q != %q", a.KeyType(), b.KeyType())
	}
	switch a := a.(type) {
	case *jwk.PublicKey:
		b, ok := b.(*jwk.PublicKey)
		if !ok {
			return fmt.Errorf("%T != %T", a, b)
		}
		if a.Use() != b.Use() || !slices.Equal(a.KeyOps(), b.KeyOps()) || (a.KeyOps() == nil) != (b.KeyOps() == nil) {
			return fmt.Errorf("use %q != %q or key_ops %q != %q", a.Use(), b.Use(), a.KeyOps(), b.KeyOps())
		}
		if !a.Equal(b) {
			return fmt.Errorf("public keys differ")
		}
	case *jwk.PrivateKey:
		b, ok := b.(*jwk.PrivateKey)
		if !ok {
			return fmt.Errorf("%T != %T", a, b)
		}
		if err := keysEqual(a.Public(), b.Public()); err != nil {
			return fmt.Errorf("public halves: %w", err)
		}
		type equaler interface{ Equal(crypto.PrivateKey) bool }
		e, ok := a.Signer().(equaler)
		if !ok || !e.Equal(b.Signer()) {
			return fmt.Errorf("private keys differ")
		}
	case *jwk.SecretKey:
		b, ok := b.(*jwk.SecretKey)
		if !ok {
			return fmt.Errorf("%T != %T", a, b)
		}
		if !a.Equal(b) {
			return fmt.Errorf("secrets differ")
		}
		if a.Use() != b.Use() || !slices.Equal(a.KeyOps(), b.KeyOps()) || (a.KeyOps() == nil) != (b.KeyOps() == nil) {
			return fmt.Errorf("use %q != %q or key_ops %q != %q", a.Use(), b.Use(), a.KeyOps(), b.KeyOps())
		}
	default:
		return fmt.Errorf("unexpected key type %T", a)
	}
	return nil
}

// marshalKey calls the MarshalJSON method of k.
func marshalKey(k jwk.Key) ([]byte, error) {
	switch k := k.(type) {
	case *jwk.PublicKey:
		return k.MarshalJSON()
	case *jwk.PrivateKey:
		return k.MarshalJSON()
	case *jwk.SecretKey:
		return k.MarshalJSON()
	}
	return nil, fmt.Errorf("unexpected key type %T", k)
}

// verifyDigest checks a signature made by a crypto.Signer over a SHA-256
// digest: PKCS #1 v1.5 for RSA, ASN.1 for ECDSA.
func verifyDigest(k *jwk.PublicKey, digest, sig []byte) bool {
	switch p := k.CryptoPublicKey().(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(p, crypto.SHA256, digest, sig) == nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(p, digest, sig)
	}
	return false
}
