// Package jws implements the compact serialization of JSON Web Signatures
// ([RFC 7515]) with the algorithms of [RFC 7518, Section 3] and EdDSA
// ([RFC 8037]).
//
// Most users won't need this package: package jwt signs and verifies tokens
// with claims. Use jws directly to sign or verify arbitrary payloads.
//
// # Strictness
//
// Each key is bound to exactly one algorithm (see package jwk), and a token
// verifies only if its header "alg" equals the algorithm of the key selected
// for it, so an RSA public key is never used as an HMAC secret and an ES384
// token never verifies with a P-256 key. "none" is not an algorithm here.
// Keys are chosen by "kid" from the caller's key set; "jku", "jwk", "x5u" and
// "x5c" header parameters are never used to find keys. Unknown "crit"
// parameters reject the token ([RFC 7515, Section 4.1.11]).
//
// Tokens have exactly three segments of canonical unpadded base64url, at most
// [DefaultMaxSize] bytes unless configured otherwise; the header is one JSON
// object with no duplicate member names, case-sensitive member names and
// valid UTF-8.
//
// [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
// [RFC 7518, Section 3]: https://www.rfc-editor.org/rfc/rfc7518#section-3
// [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037
// [RFC 7515, Section 4.1.11]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
package jws

import (
	"errors"

	"github.com/wardauth/ward/jose/jwk"
)

// Algorithm is a JWS algorithm name; it is the same type as [jwk.Algorithm].
type Algorithm = jwk.Algorithm

// The supported algorithms, the same constants as in package jwk.
const (
	HS256 = jwk.HS256
	HS384 = jwk.HS384
	HS512 = jwk.HS512
	RS256 = jwk.RS256
	RS384 = jwk.RS384
	RS512 = jwk.RS512
	PS256 = jwk.PS256
	PS384 = jwk.PS384
	PS512 = jwk.PS512
	ES256 = jwk.ES256
	ES384 = jwk.ES384
	ES512 = jwk.ES512
	EdDSA = jwk.EdDSA
)

// DefaultMaxSize is the default limit on the length of a compact token.
const DefaultMaxSize = 16 << 10

// DefaultMaxDepth is the default limit on JSON nesting in a header or payload.
const DefaultMaxDepth = 16

// Errors returned by [Verify], [UnsafeDecode] and [Sign]. Every error wraps
// one of them, so callers can branch with [errors.Is].
var (
	// ErrMalformed means the token is not a well-formed compact JWS: wrong
	// segment count, non-canonical base64url, bad header JSON, and so on.
	ErrMalformed = errors.New("jws: malformed token")
	// ErrTooLarge means the token exceeds the size limit.
	ErrTooLarge = errors.New("jws: token too large")
	// ErrUnsupportedAlgorithm means the header "alg" is not supported or
	// not in the caller's allow-list ("none" always ends here).
	ErrUnsupportedAlgorithm = errors.New("jws: unsupported or disallowed algorithm")
	// ErrAlgorithmMismatch means the key selected for the token is bound to
	// an algorithm other than the header "alg".
	ErrAlgorithmMismatch = errors.New("jws: token algorithm does not match the key")
	// ErrNoKey means no key in the set matches the token's "kid", or the
	// token has no "kid" and the set does not have exactly one key for its
	// algorithm.
	ErrNoKey = errors.New("jws: no key for token")
	// ErrBadSignature means the signature does not verify.
	ErrBadSignature = errors.New("jws: invalid signature")
	// ErrUnsupportedCritical means the header lists a "crit" parameter the
	// caller does not process.
	ErrUnsupportedCritical = errors.New("jws: unsupported critical header parameter")
	// ErrKeyNotPermitted means the key for the token (the one its "kid"
	// names, or the signing key) is not meant for signatures: its "use"
	// is "enc", or its "key_ops" lacks "verify" (or "sign"). The error
	// also wraps [jwk.ErrOperationNotPermitted].
	ErrKeyNotPermitted = errors.New("jws: key not permitted")
)

// Header is the protected header of a compact JWS: the parameters this
// package interprets. Other members are ignored when verifying; see
// [Unverified.RawHeader] for the whole object.
type Header struct {
	// Algorithm is "alg".
	Algorithm Algorithm
	// KeyID is "kid".
	KeyID string
	// Type is "typ", a media type such as "JWT" or "at+jwt".
	Type string
	// ContentType is "cty".
	ContentType string
	// Critical is "crit": header parameters the producer requires the
	// recipient to understand.
	Critical []string
}
