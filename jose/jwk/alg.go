package jwk

import "crypto"

// Algorithm is a JWS algorithm name from [RFC 7518, Section 3.1] or
// [RFC 8037, Section 3.1]. Every key in this package is bound to exactly one
// Algorithm, and a token is only ever checked with the algorithm of its key.
//
// There is no "none": an unsecured JWS cannot be expressed with this package.
//
// [RFC 7518, Section 3.1]: https://www.rfc-editor.org/rfc/rfc7518#section-3.1
// [RFC 8037, Section 3.1]: https://www.rfc-editor.org/rfc/rfc8037#section-3.1
type Algorithm string

// The supported algorithms.
const (
	HS256 Algorithm = "HS256" // HMAC with SHA-256
	HS384 Algorithm = "HS384" // HMAC with SHA-384
	HS512 Algorithm = "HS512" // HMAC with SHA-512
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256
	RS384 Algorithm = "RS384" // RSASSA-PKCS1-v1_5 with SHA-384
	RS512 Algorithm = "RS512" // RSASSA-PKCS1-v1_5 with SHA-512
	PS256 Algorithm = "PS256" // RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt length 32
	PS384 Algorithm = "PS384" // RSASSA-PSS with SHA-384, MGF1 with SHA-384, salt length 48
	PS512 Algorithm = "PS512" // RSASSA-PSS with SHA-512, MGF1 with SHA-512, salt length 64
	ES256 Algorithm = "ES256" // ECDSA with P-256 and SHA-256
	ES384 Algorithm = "ES384" // ECDSA with P-384 and SHA-384
	ES512 Algorithm = "ES512" // ECDSA with P-521 and SHA-512
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037); Ed448 is not supported
)

// Algorithms lists every supported algorithm, in a stable order.
func Algorithms() []Algorithm {
	return []Algorithm{HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}
}

// Key types, the JWK "kty" values of [RFC 7518, Section 6.1] and [RFC 8037].
//
// [RFC 7518, Section 6.1]: https://www.rfc-editor.org/rfc/rfc7518#section-6.1
// [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037
const (
	KeyTypeOct = "oct"
	KeyTypeRSA = "RSA"
	KeyTypeEC  = "EC"
	KeyTypeOKP = "OKP"
)

// MinRSABits is the smallest RSA modulus accepted, for signing and verifying.
const MinRSABits = 2048

// MaxRSABits is the largest RSA modulus accepted. Larger moduli make
// verification slow enough to be a denial-of-service lever.
const MaxRSABits = 8192

type algInfo struct {
	kty  string
	crv  string // EC and OKP only
	hash crypto.Hash
	size int // HMAC: minimum secret bytes; EC: coordinate bytes; EdDSA: key bytes
	pss  bool

	km    bool // a JWE key-management algorithm (encalg.go)
	exact bool // oct keys: exactly size bytes
	ecdh  bool // any supported EC curve, or OKP X25519
}

func (a Algorithm) info() (algInfo, bool) {
	switch a {
	case HS256:
		return algInfo{kty: KeyTypeOct, hash: crypto.SHA256, size: 32}, true
	case HS384:
		return algInfo{kty: KeyTypeOct, hash: crypto.SHA384, size: 48}, true
	case HS512:
		return algInfo{kty: KeyTypeOct, hash: crypto.SHA512, size: 64}, true
	case RS256:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA256}, true
	case RS384:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA384}, true
	case RS512:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA512}, true
	case PS256:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA256, pss: true}, true
	case PS384:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA384, pss: true}, true
	case PS512:
		return algInfo{kty: KeyTypeRSA, hash: crypto.SHA512, pss: true}, true
	case ES256:
		return algInfo{kty: KeyTypeEC, crv: "P-256", hash: crypto.SHA256, size: 32}, true
	case ES384:
		return algInfo{kty: KeyTypeEC, crv: "P-384", hash: crypto.SHA384, size: 48}, true
	case ES512:
		return algInfo{kty: KeyTypeEC, crv: "P-521", hash: crypto.SHA512, size: 66}, true
	case EdDSA:
		return algInfo{kty: KeyTypeOKP, crv: "Ed25519", size: 32}, true
	}
	return algInfo{}, false
}

// Known reports whether a is one of the supported signature algorithms
// ([Algorithms]). For the JWE key-management algorithms see
// [Algorithm.IsKeyManagement].
func (a Algorithm) Known() bool {
	_, ok := a.info()
	return ok
}

// KeyType returns the JWK "kty" of keys that a uses, or "" if a is unknown.
// It is "EC" for the ECDH-ES algorithms, whose keys may also be OKP X25519
// keys (see [Algorithm.IsECDH]).
func (a Algorithm) KeyType() string {
	i, _ := a.anyInfo()
	return i.kty
}

// Curve returns the JWK "crv" of keys that a uses ("P-256", "P-384", "P-521"
// or "Ed25519"), or "" for HMAC, RSA and unknown algorithms.
func (a Algorithm) Curve() string {
	i, _ := a.info()
	return i.crv
}

// Hash returns the hash function of a. It is 0 for EdDSA, which hashes
// internally, for the key-management algorithms that use none, and for
// unknown algorithms.
func (a Algorithm) Hash() crypto.Hash {
	i, _ := a.anyInfo()
	return i.hash
}

// IsPSS reports whether a is one of PS256, PS384 and PS512.
func (a Algorithm) IsPSS() bool {
	i, _ := a.info()
	return i.pss
}

// SignatureSize returns the size in bytes of a's signatures when it is fixed
// by the algorithm: the hash size for HMAC, twice the coordinate size for
// ECDSA ([RFC 7518, Section 3.4]), 64 for EdDSA. It returns 0 for RSA, whose
// signatures are the size of the modulus.
//
// [RFC 7518, Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4
func (a Algorithm) SignatureSize() int {
	i, _ := a.info()
	switch i.kty {
	case KeyTypeOct:
		return i.hash.Size()
	case KeyTypeEC:
		return 2 * i.size
	case KeyTypeOKP:
		return 64
	}
	return 0
}

// CurveAlgorithm returns the algorithm that keys on the named curve are bound
// to: ES256 for "P-256", ES384 for "P-384", ES512 for "P-521", EdDSA for
// "Ed25519". It returns "" for other names.
func CurveAlgorithm(crv string) Algorithm {
	switch crv {
	case "P-256":
		return ES256
	case "P-384":
		return ES384
	case "P-521":
		return ES512
	case "Ed25519":
		return EdDSA
	}
	return ""
}
