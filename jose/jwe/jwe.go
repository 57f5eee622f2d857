// Package jwe implements the compact serialization of JSON Web Encryption
// ([RFC 7516]) with the key-management and content-encryption algorithms of
// [RFC 7518, Sections 4 and 5] and ECDH-ES with X25519 ([RFC 8037]).
//
// Most users won't need this package directly: package jwt signs and then
// encrypts tokens (nested JWTs) and decrypts and verifies them. Use jwe to
// encrypt or decrypt arbitrary payloads with [Encrypt] and a [Decrypter].
//
// # Key management
//
// Keys come from package jwk and are bound to one key-management algorithm
// each, as signing keys are bound to one signature algorithm: "dir",
// "A128KW", "A256KW", "RSA-OAEP", "RSA-OAEP-256", "ECDH-ES",
// "ECDH-ES+A128KW", "ECDH-ES+A256KW" (P-256, P-384, P-521 or X25519),
// "PBES2-HS256+A128KW" and "PBES2-HS512+A256KW". A token decrypts only
// with a key whose algorithm equals its header "alg", chosen by "kid".
// Content is encrypted with "A128GCM", "A256GCM", "A128CBC-HS256" or
// "A256CBC-HS512". "RSA1_5" does not exist here (it invites Bleichenbacher
// padding oracles), and neither do the AES-GCM key wrap algorithms.
//
// Keys honour their JWK "use" and "key_ops" ([RFC 7517, Sections 4.2 and
// 4.3]): a key marked "use":"sig" never encrypts or decrypts, and one with
// "key_ops" decrypts only if they list "unwrapKey" ("decrypt" for dir and
// RSA-OAEP, "deriveKey" or "deriveBits" for ECDH-ES), and encrypts only if
// they list "wrapKey" ("encrypt", "deriveKey"). Such a key fails with
// [ErrKeyUse].
//
// # Strictness
//
// A [Decrypter] takes allow-lists of key-management and content-encryption
// algorithms. Tokens have exactly five segments of canonical unpadded
// base64url and at most [DefaultMaxSize] bytes; the protected header is one
// JSON object with no duplicate members, bounded nesting and the "crit"
// rules of JWS. An ECDH-ES "epk" must be a point on the key's curve (not the
// identity, not a low-order X25519 point, coordinates of exactly the curve
// size); PBES2 needs a "p2s" of at least 8 bytes and an integer "p2c" from
// [MinPBES2Count] to a configurable cap; "zip" may only be "DEF", inflated
// to a bounded size; the encrypted key, initialization vector and
// authentication tag must have exactly the lengths their algorithms give.
// Each of these is a typed error, returned before any secret is used.
//
// Once those checks pass, every failure to unwrap the key or to decrypt and
// authenticate the content is [ErrDecryption] and nothing else, so a token
// cannot be used as an oracle; an RSA-OAEP failure continues with a random
// key ([RFC 7516, Section 11.5]) so that its timing does not stand out
// either. CBC-HMAC tags are compared in constant time before anything is
// decrypted.
//
// [RFC 7516]: https://www.rfc-editor.org/rfc/rfc7516
// [RFC 7518, Sections 4 and 5]: https://www.rfc-editor.org/rfc/rfc7518#section-4
// [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037
// [RFC 7516, Section 11.5]: https://www.rfc-editor.org/rfc/rfc7516#section-11.5
// [RFC 7517, Sections 4.2 and 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.2
package jwe

import (
	"errors"

	"github.com/wardauth/ward/jose/jwk"
)

// Encryption is a content-encryption algorithm, the header "enc"
// ([RFC 7518, Section 5.1]).
//
// [RFC 7518, Section 5.1]: https://www.rfc-editor.org/rfc/rfc7518#section-5.1
type Encryption string

// The supported content-encryption algorithms.
const (
	A128GCM      Encryption = "A128GCM"       // AES-GCM with a 128-bit key
	A256GCM      Encryption = "A256GCM"       // AES-GCM with a 256-bit key
	A128CBCHS256 Encryption = "A128CBC-HS256" // AES-128-CBC with HMAC-SHA-256, RFC 7518 Section 5.2.3
	A256CBCHS512 Encryption = "A256CBC-HS512" // AES-256-CBC with HMAC-SHA-512, RFC 7518 Section 5.2.5
)

// Encryptions lists every supported content-encryption algorithm, in a
// stable order.
func Encryptions() []Encryption {
	return []Encryption{A128GCM, A256GCM, A128CBCHS256, A256CBCHS512}
}

// Known reports whether e is one of [Encryptions].
func (e Encryption) Known() bool { return e.KeySize() != 0 }

// KeySize returns the size in bytes of e's content-encryption key: 16 for
// A128GCM, 32 for A256GCM and A128CBC-HS256, 64 for A256CBC-HS512; 0 for
// unknown algorithms.
func (e Encryption) KeySize() int {
	switch e {
	case A128GCM:
		return 16
	case A256GCM, A128CBCHS256:
		return 32
	case A256CBCHS512:
		return 64
	}
	return 0
}

// Limits and defaults.
const (
	// DefaultMaxSize is the default limit on the length of a compact token.
	DefaultMaxSize = 16 << 10
	// DefaultMaxDepth is the default limit on JSON nesting in the header.
	DefaultMaxDepth = 16
	// MinPBES2Count is the smallest PBES2 iteration count ("p2c") accepted
	// ([RFC 7518, Section 4.8.1.2] recommends at least 1000).
	//
	// [RFC 7518, Section 4.8.1.2]: https://www.rfc-editor.org/rfc/rfc7518#section-4.8.1.2
	MinPBES2Count = 1000
	// DefaultMaxPBES2Count is the default cap on "p2c" when decrypting:
	// each iteration costs the decrypter an HMAC, so an uncapped count is a
	// denial-of-service lever.
	DefaultMaxPBES2Count = 1_000_000
	// MinPBES2SaltSize is the smallest "p2s" accepted, in bytes
	// ([RFC 7518, Section 4.8.1.1]).
	//
	// [RFC 7518, Section 4.8.1.1]: https://www.rfc-editor.org/rfc/rfc7518#section-4.8.1.1
	MinPBES2SaltSize = 8
	// MaxDecompressedSize is the most a "zip":"DEF" payload is ever
	// inflated to, whatever the configuration.
	MaxDecompressedSize = 1 << 20
)

// Errors returned by [Encrypt] and [Decrypter.Decrypt]. Every error wraps
// one of them, so callers can branch with [errors.Is].
var (
	// ErrMalformed means the token is not a well-formed compact JWE: wrong
	// segment count (a JWS has three), non-canonical base64url, bad header
	// JSON, a missing "alg" or "enc", an initialization vector of the wrong
	// length, and so on.
	ErrMalformed = errors.New("jwe: malformed token")
	// ErrTooLarge means the token exceeds the size limit.
	ErrTooLarge = errors.New("jwe: token too large")
	// ErrUnsupportedAlgorithm means the header "alg" or "enc" is not
	// supported or not allowed ("RSA1_5" and every JWS algorithm end here).
	ErrUnsupportedAlgorithm = errors.New("jwe: unsupported or disallowed algorithm")
	// ErrAlgorithmMismatch means the key selected for the token is bound to
	// an algorithm other than the header "alg", or is a "dir" key of the
	// wrong size for the header "enc".
	ErrAlgorithmMismatch = errors.New("jwe: token algorithm does not match the key")
	// ErrNoKey means no key matches the token's "kid", or the token has no
	// "kid" and the set does not have exactly one key for its algorithm.
	ErrNoKey = errors.New("jwe: no key for token")
	// ErrKeyUse means the key may not be used for the operation: its "use"
	// is "sig", or its "key_ops" lack the operation.
	ErrKeyUse = errors.New("jwe: key may not be used for this operation")
	// ErrUnsupportedCritical means the header lists a "crit" parameter the
	// caller does not process.
	ErrUnsupportedCritical = errors.New("jwe: unsupported critical header parameter")
	// ErrInvalidEphemeralKey means the ECDH-ES "epk" is missing, not a
	// point on the named curve, on another curve than the key, the
	// identity or a low-order X25519 point, or has coordinates of the
	// wrong length.
	ErrInvalidEphemeralKey = errors.New("jwe: invalid ephemeral public key")
	// ErrInvalidPBES2 means a PBES2 header without "p2s", with a "p2s"
	// under [MinPBES2SaltSize] bytes, or with a "p2c" that is not an
	// integer from [MinPBES2Count] to the configured cap.
	ErrInvalidPBES2 = errors.New("jwe: invalid PBES2 parameters")
	// ErrUnsupportedCompression means a "zip" other than "DEF".
	ErrUnsupportedCompression = errors.New("jwe: unsupported compression")
	// ErrDecompressionLimit means the "DEF" payload inflates to more than
	// the configured limit.
	ErrDecompressionLimit = errors.New("jwe: decompressed payload too large")
	// ErrInvalidEncryptedKey means the encrypted key segment has the wrong
	// length for the algorithm: not empty for "dir" and "ECDH-ES", not
	// exactly the wrapped-key or modulus size for the others.
	ErrInvalidEncryptedKey = errors.New("jwe: encrypted key of the wrong length")
	// ErrInvalidTag means an authentication tag of the wrong length.
	ErrInvalidTag = errors.New("jwe: authentication tag of the wrong length")
	// ErrDecryption means the key could not be unwrapped or the content
	// could not be decrypted and authenticated. It is deliberately the one
	// error for all of those failures.
	ErrDecryption = errors.New("jwe: decryption failed")
	// ErrMisconfigured means the [Decrypter] or the encryption options are
	// not usable: no keys, an unknown algorithm in an allow-list, and the
	// like.
	ErrMisconfigured = errors.New("jwe: misconfigured")
)

// Header is the protected header of a compact JWE: the parameters this
// package interprets. Strings may alias the token's decoded header.
type Header struct {
	// Algorithm is "alg", the key-management algorithm.
	Algorithm jwk.Algorithm
	// Encryption is "enc", the content-encryption algorithm.
	Encryption Encryption
	// Compression is "zip": "" or "DEF".
	Compression string
	// KeyID is "kid".
	KeyID string
	// Type is "typ", a media type such as "JWT".
	Type string
	// ContentType is "cty": "JWT" for a nested JWT (RFC 7519, Section 5.2).
	ContentType string
	// Critical is "crit".
	Critical []string
}
