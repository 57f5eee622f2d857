package jwk

import (
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
)

// generateKM makes a key for a key-management algorithm, as [Generate]
// documents for each:
//
//   - dir: a 32-byte [*SecretKey] (for A256GCM or A128CBC-HS256; make a
//     16- or 64-byte one with [NewSecretKey] for A128GCM or A256CBC-HS512);
//   - A128KW, A256KW: a [*SecretKey] of 16 or 32 bytes;
//   - PBES2-HS256+A128KW, PBES2-HS512+A256KW: a [*SecretKey] holding 32
//     random bytes, a password that no dictionary holds;
//   - RSA-OAEP, RSA-OAEP-256: a [*PrivateKey] with a [DefaultRSABits]-bit key;
//   - ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A256KW: a [*PrivateKey] on P-256
//     (see [GenerateECDH] for other curves).
//
// Asymmetric keys are marked "use":"enc".
func generateKM(alg Algorithm) (SigningKey, error) {
	info, _ := alg.kmInfo()
	switch {
	case info.ecdh:
		return signingKey(GenerateECDH(alg, "P-256"))
	case info.kty == KeyTypeRSA:
		k, err := GenerateRSA(alg, DefaultRSABits)
		if err != nil {
			return nil, err
		}
		k.public.use = "enc"
		return k, nil
	}
	n := info.size
	if alg == Dir || !info.exact {
		n = 32
	}
	secret := make([]byte, n)
	rand.Read(secret) // never fails, see crypto/rand.Read
	return signingKey(NewSecretKey(secret, alg))
}

// GenerateECDH returns a new random key-agreement key for alg (ECDH-ES,
// ECDH-ES+A128KW or ECDH-ES+A256KW) on the curve crv: "P-256", "P-384",
// "P-521" or "X25519" ([RFC 8037]). The key is marked "use":"enc" and its
// key ID is the RFC 7638 thumbprint.
//
// [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037
func GenerateECDH(alg Algorithm, crv string) (*PrivateKey, error) {
	if !alg.IsECDH() {
		return nil, fmt.Errorf("%w: %q is not an ECDH-ES algorithm", ErrKeyMismatch, string(alg))
	}
	var c ecdh.Curve
	switch crv {
	case "P-256":
		c = ecdh.P256()
	case "P-384":
		c = ecdh.P384()
	case "P-521":
		c = ecdh.P521()
	case CurveX25519:
		c = ecdh.X25519()
	default:
		return nil, fmt.Errorf("%w: curve %q", ErrUnsupportedKeyType, crv)
	}
	priv, err := c.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwk: generating %s key: %w", alg, err)
	}
	k, err := NewECDHPrivateKey(priv, alg)
	if err != nil {
		return nil, err
	}
	k.public.use = "enc"
	return k, nil
}
