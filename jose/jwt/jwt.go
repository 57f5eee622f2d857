// Package jwt signs and verifies JSON Web Tokens ([RFC 7519]) in the compact
// JWS serialization, and nested in a JWE: the API most users of Ward's JOSE
// layer need.
//
// Sign a token with [Sign] or a [Signer]; verify one with a [Verifier], which
// is configured like [crypto/tls.Config]: every zero value is the safe choice.
// A Verifier checks the signature with a key chosen by "kid" whose algorithm
// must equal the header "alg", then the claims: "exp" is required, the issuer
// and the audience are checked unless explicitly waived, and times allow a
// small leeway for clock skew.
//
// # Nested JWTs
//
// A token that must stay opaque to its holder is signed, then encrypted
// ([RFC 7519, Section 5.2]): an [Encrypter] makes one, and a [Decrypter]
// decrypts it with its JWE keys (package jwe) and verifies the inner token
// with its [Verifier]. A JWS is never accepted where a JWE is required, nor
// the reverse, and the inner token must be signed by a key of the Verifier.
//
// # Claims
//
// [Claims] holds the registered claims. Custom claims go in the caller's own
// struct, which embeds Claims:
//
//	type AppClaims struct {
//		jwt.Claims
//		Roles []string `json:"roles"`
//	}
//
// Claim names are matched exactly, case-sensitively; a claim that appears
// twice, a date written as a string, or invalid UTF-8 makes the token
// malformed.
//
// # Errors
//
// Every failure wraps one of the sentinel errors below, so callers can branch
// with [errors.Is]. Errors from package jws are the same values.
//
// [RFC 7519]: https://www.rfc-editor.org/rfc/rfc7519
// [RFC 7519, Section 5.2]: https://www.rfc-editor.org/rfc/rfc7519#section-5.2
package jwt

import (
	"errors"

	"github.com/wardauth/ward/jose/jws"
)

// Errors returned by [Verifier.Verify] and [Sign]. The first eight are the
// errors of package jws.
var (
	// ErrMalformed means the token or its claims are not well formed.
	ErrMalformed = jws.ErrMalformed
	// ErrTooLarge means the token exceeds the verifier's size limit.
	ErrTooLarge = jws.ErrTooLarge
	// ErrUnsupportedAlgorithm means the header "alg" is unknown ("none"
	// included) or not allowed by the verifier.
	ErrUnsupportedAlgorithm = jws.ErrUnsupportedAlgorithm
	// ErrAlgorithmMismatch means the header "alg" differs from the
	// algorithm of the key selected for the token.
	ErrAlgorithmMismatch = jws.ErrAlgorithmMismatch
	// ErrNoKey means no configured key matches the token.
	ErrNoKey = jws.ErrNoKey
	// ErrBadSignature means the signature does not verify.
	ErrBadSignature = jws.ErrBadSignature
	// ErrUnsupportedCritical means the header "crit" names an extension
	// the verifier does not process.
	ErrUnsupportedCritical = jws.ErrUnsupportedCritical
	// ErrKeyNotPermitted means the token's key is not meant for
	// signatures: its JWK "use" is "enc" or its "key_ops" lacks "verify"
	// (or "sign", when signing).
	ErrKeyNotPermitted = jws.ErrKeyNotPermitted

	// ErrExpired means the current time is at or after "exp" (plus leeway).
	ErrExpired = errors.New("jwt: token is expired")
	// ErrNotYetValid means the current time is before "nbf", or before
	// "iat", minus leeway.
	ErrNotYetValid = errors.New("jwt: token is not valid yet")
	// ErrInvalidIssuer means "iss" is not the expected issuer.
	ErrInvalidIssuer = errors.New("jwt: wrong issuer")
	// ErrInvalidAudience means "aud" does not contain the expected
	// audience.
	ErrInvalidAudience = errors.New("jwt: wrong audience")
	// ErrInvalidType means the header "typ" is not the expected type.
	ErrInvalidType = errors.New("jwt: wrong token type")
	// ErrMissingClaim means a required claim is absent.
	ErrMissingClaim = errors.New("jwt: required claim is missing")
	// ErrRevoked means the token was revoked. Ward's auth service and
	// middleware return it; the Verifier returns it from its Revoked hook.
	ErrRevoked = errors.New("jwt: token is revoked")
	// ErrMisconfigured means the Verifier or Signer itself is not usable:
	// no keys, no issuer without InsecureSkipIssuerCheck, and the like.
	ErrMisconfigured = errors.New("jwt: misconfigured")
)
