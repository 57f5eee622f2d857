package jwk

import (
	"crypto"
	"fmt"
)

// The key-management algorithms of JWE ([RFC 7518, Section 4] and
// [RFC 8037, Section 3.2]), which package jwe implements. Keys are bound to
// them as to the signature algorithms: a key bound to A128KW only ever wraps
// and unwraps A128KW keys, and a token whose header "alg" differs from its
// key's algorithm is refused.
//
// There is no "RSA1_5": RSAES-PKCS1-v1_5 key encryption invites
// Bleichenbacher padding-oracle attacks, so it cannot be expressed here.
//
// [RFC 7518, Section 4]: https://www.rfc-editor.org/rfc/rfc7518#section-4
// [RFC 8037, Section 3.2]: https://www.rfc-editor.org/rfc/rfc8037#section-3.2
const (
	Dir              Algorithm = "dir"                // a shared symmetric key used directly as the content-encryption key
	A128KW           Algorithm = "A128KW"             // AES Key Wrap (RFC 3394) with a 128-bit key
	A256KW           Algorithm = "A256KW"             // AES Key Wrap (RFC 3394) with a 256-bit key
	RSAOAEP          Algorithm = "RSA-OAEP"           // RSAES-OAEP with SHA-1 and MGF1 with SHA-1
	RSAOAEP256       Algorithm = "RSA-OAEP-256"       // RSAES-OAEP with SHA-256 and MGF1 with SHA-256
	ECDHES           Algorithm = "ECDH-ES"            // ECDH ephemeral-static, Concat KDF, derived key used directly
	ECDHESA128KW     Algorithm = "ECDH-ES+A128KW"     // ECDH-ES, Concat KDF, then A128KW
	ECDHESA256KW     Algorithm = "ECDH-ES+A256KW"     // ECDH-ES, Concat KDF, then A256KW
	PBES2HS256A128KW Algorithm = "PBES2-HS256+A128KW" // PBKDF2 with HMAC-SHA-256, then A128KW
	PBES2HS512A256KW Algorithm = "PBES2-HS512+A256KW" // PBKDF2 with HMAC-SHA-512, then A256KW
)

// KeyManagementAlgorithms lists every supported JWE key-management algorithm,
// in a stable order. [Algorithms] lists the signature algorithms.
func KeyManagementAlgorithms() []Algorithm {
	return []Algorithm{Dir, A128KW, A256KW, RSAOAEP, RSAOAEP256, ECDHES, ECDHESA128KW, ECDHESA256KW, PBES2HS256A128KW, PBES2HS512A256KW}
}

// The JWK "crv" of X25519 key-agreement keys ([RFC 8037, Section 2]).
//
// [RFC 8037, Section 2]: https://www.rfc-editor.org/rfc/rfc8037#section-2
const CurveX25519 = "X25519"

// MinPBES2Password is the shortest password a PBES2 key accepts, in bytes.
// A password is not a key: PBES2 stretches it, but a short one is still
// guessable, so prefer long random passphrases.
const MinPBES2Password = 1

// kmInfo describes the key-management algorithms.
func (a Algorithm) kmInfo() (algInfo, bool) {
	switch a {
	case Dir:
		// The key is the content-encryption key: 16, 32 or 64 bytes,
		// checked against "enc" when it is used.
		return algInfo{kty: KeyTypeOct, size: 16, km: true}, true
	case A128KW:
		return algInfo{kty: KeyTypeOct, size: 16, exact: true, km: true}, true
	case A256KW:
		return algInfo{kty: KeyTypeOct, size: 32, exact: true, km: true}, true
	case RSAOAEP:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA1, km: true}, true
	case RSAOAEP256:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA256, km: true}, true
	case ECDHES, ECDHESA128KW, ECDHESA256KW:
		return algInfo{kty: KeyTypeEC, km: true, ecdh: true}, true
	case PBES2HS256A128KW:
		return algInfo{kty: KeyTypeOct, hash: crypto.SHA256, size: MinPBES2Password, km: true}, true
	case PBES2HS512A256KW:
		return algInfo{kty: KeyTypeOct, hash: crypto.SHA512, size: MinPBES2Password, km: true}, true
	}
	return algInfo{}, false
}

// anyInfo describes a signature or a key-management algorithm.
func (a Algorithm) anyInfo() (algInfo, bool) {
	if i, ok := a.info(); ok {
		return i, true
	}
	return a.kmInfo()
}

// known reports whether a is a signature or a key-management algorithm.
func (a Algorithm) known() bool {
	_, ok := a.anyInfo()
	return ok
}

// IsKeyManagement reports whether a is one of [KeyManagementAlgorithms].
// Such keys encrypt and decrypt (package jwe); they never sign or verify.
func (a Algorithm) IsKeyManagement() bool {
	_, ok := a.kmInfo()
	return ok
}

// IsECDH reports whether a is ECDH-ES, ECDH-ES+A128KW or ECDH-ES+A256KW,
// whose keys are EC keys on P-256, P-384 or P-521, or OKP keys on X25519.
func (a Algorithm) IsECDH() bool {
	i, _ := a.kmInfo()
	return i.ecdh
}

// fitsKeyType reports whether keys of type kty can be bound to the
// algorithm described by i.
func (i algInfo) fitsKeyType(kty string) bool {
	return i.kty == kty || i.ecdh && kty == KeyTypeOKP
}

// checkKMSecret checks the length of a secret bound to a key-management
// algorithm: exactly the AES key size for A128KW and A256KW, a content
// encryption key size (16, 32 or 64 bytes) for dir.
func checkKMSecret(alg Algorithm, info algInfo, n int) error {
	switch {
	case info.exact && n != info.size:
		return fmt.Errorf("%w: %s key of %d bytes (need exactly %d)", ErrWeakKey, alg, n, info.size)
	case alg == Dir && n != 16 && n != 32 && n != 64:
		return fmt.Errorf("%w: dir key of %d bytes (need 16 for A128GCM, 32 for A256GCM or A128CBC-HS256, 64 for A256CBC-HS512)", ErrKeyMismatch, n)
	}
	return nil
}
