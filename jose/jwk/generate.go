package jwk

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
)

// DefaultRSABits is the modulus size of RSA keys made by [Generate].
const DefaultRSABits = 2048

// Generate returns a new random key for alg, from [crypto/rand]:
//
//   - HS256, HS384, HS512: a [*SecretKey] as long as the hash output
//     ([RFC 7518, Section 3.2]), with no key ID;
//   - RS*, PS*: a [*PrivateKey] with a [DefaultRSABits]-bit RSA key (see
//     [GenerateRSA] for other sizes);
//   - ES256, ES384, ES512: a [*PrivateKey] on P-256, P-384 or P-521;
//   - EdDSA: a [*PrivateKey] with an Ed25519 key;
//   - a key-management algorithm: see [GenerateECDH] (encgenerate.go).
//
// Private keys get their RFC 7638 SHA-256 thumbprint as key ID.
//
// [RFC 7518, Section 3.2]: https://www.rfc-editor.org/rfc/rfc7518#section-3.2
func Generate(alg Algorithm) (SigningKey, error) {
	if alg.IsKeyManagement() {
		return generateKM(alg)
	}
	info, ok := alg.info()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, string(alg))
	}
	switch info.kty {
	case KeyTypeOct:
		secret := make([]byte, info.hash.Size())
		rand.Read(secret) // never fails, see crypto/rand.Read
		return signingKey(NewSecretKey(secret, alg))
	case KeyTypeRSA:
		return signingKey(GenerateRSA(alg, DefaultRSABits))
	case KeyTypeEC:
		priv, err := ecdsa.GenerateKey(curveByName(info.crv), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwk: generating %s key: %w", alg, err)
		}
		return signingKey(NewPrivateKey(priv, alg))
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwk: generating %s key: %w", alg, err)
	}
	return signingKey(NewPrivateKey(priv, alg))
}

// signingKey converts k to a SigningKey, so that a nil *PrivateKey or
// *SecretKey becomes a nil interface, not a typed nil.
func signingKey[K SigningKey](k K, err error) (SigningKey, error) {
	if err != nil {
		return nil, err
	}
	return k, nil
}

// GenerateRSA returns a new random RSA key of the given modulus size for
// alg, which must be one of RS256, RS384, RS512, PS256, PS384, PS512,
// RSA-OAEP and RSA-OAEP-256.
// bits must be a multiple of 8 from [MinRSABits] to [MaxRSABits]; above 4096
// generation takes seconds.
func GenerateRSA(alg Algorithm, bits int) (*PrivateKey, error) {
	info, ok := alg.anyInfo()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, string(alg))
	}
	if info.kty != KeyTypeRSA {
		return nil, fmt.Errorf("%w: %s does not use RSA keys", ErrKeyMismatch, alg)
	}
	if bits < MinRSABits || bits > MaxRSABits || bits%8 != 0 {
		return nil, fmt.Errorf("%w: RSA modulus of %d bits (need a multiple of 8 from %d to %d)", ErrWeakKey, bits, MinRSABits, MaxRSABits)
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("jwk: generating %s key: %w", alg, err)
	}
	return NewPrivateKey(priv, alg)
}
