package dpop

import (
	"errors"
	"fmt"

	"github.com/wardauth/ward/jose/jws"
)

// Errors returned by [Verifier.Verify], [Proofer.Proof] and [NewProof].
// Every error wraps one of them, so callers can branch with [errors.Is]; an
// error that comes from package jws or jwk keeps that error in its chain
// too.
var (
	// ErrMissingProof means the request carries no DPoP proof.
	ErrMissingProof = errors.New("dpop: no proof")
	// ErrMultipleProofs means the request carries more than one DPoP
	// header, or one header with several values ([RFC 9449, Section 4.3],
	// check 1).
	//
	// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
	ErrMultipleProofs = errors.New("dpop: more than one proof")
	// ErrTooLarge means the proof exceeds [Verifier.MaxSize].
	ErrTooLarge = errors.New("dpop: proof too large")
	// ErrMalformed means the proof is not a well-formed JWT: bad
	// segments, base64url or JSON, a claim of the wrong type, a missing
	// required claim.
	ErrMalformed = errors.New("dpop: malformed proof")
	// ErrMissingClaim means a claim that this proof must carry is absent:
	// "jti", "htm", "htu" or "iat" always, "ath" with an access token,
	// "nonce" when the server requires one. It comes with [ErrMalformed],
	// or with [ErrAccessTokenHash] or [ErrNonce].
	ErrMissingClaim = errors.New("dpop: missing claim")
	// ErrInvalidType means the header "typ" is not "dpop+jwt".
	ErrInvalidType = errors.New("dpop: typ is not dpop+jwt")
	// ErrUnsupportedAlgorithm means the header "alg" is not an asymmetric
	// algorithm in the verifier's allow-list ("none" and HMAC always end
	// here).
	ErrUnsupportedAlgorithm = errors.New("dpop: unsupported or disallowed algorithm")
	// ErrInvalidKey means the header "jwk" is missing or is not a usable
	// public key for "alg": malformed, of another type or curve than
	// "alg", or outside the key-size limits (then [jwk.ErrWeakKey] is in
	// the chain).
	ErrInvalidKey = errors.New("dpop: invalid proof key")
	// ErrPrivateKey means the header "jwk" holds private key members
	// ("d", the RSA CRT values, or a symmetric "k").
	ErrPrivateKey = errors.New("dpop: proof key has private members")
	// ErrBadSignature means the signature does not verify with the header
	// "jwk".
	ErrBadSignature = errors.New("dpop: invalid signature")
	// ErrMethodMismatch means "htm" is not the request method.
	ErrMethodMismatch = errors.New("dpop: htm does not match the request method")
	// ErrURIMismatch means "htu" is not the URI of the request (scheme,
	// host, port and path).
	ErrURIMismatch = errors.New("dpop: htu does not match the request URI")
	// ErrExpired means "iat" is older than the verifier's window allows.
	ErrExpired = errors.New("dpop: proof is too old")
	// ErrIssuedInFuture means "iat" is later than the verifier's clock
	// plus its leeway.
	ErrIssuedInFuture = errors.New("dpop: proof is issued in the future")
	// ErrAccessTokenHash means an access token was presented and "ath" is
	// missing or is not its hash.
	ErrAccessTokenHash = errors.New("dpop: ath does not match the access token")
	// ErrKeyMismatch means the thumbprint of the proof key is not the
	// token's "cnf.jkt".
	ErrKeyMismatch = errors.New("dpop: proof key does not match the token's jkt")
	// ErrNonce means the server requires a nonce and "nonce" is missing
	// or is not that nonce; the server should answer with a fresh one in
	// a DPoP-Nonce header ([RFC 9449, Section 8]).
	//
	// [RFC 9449, Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
	ErrNonce = errors.New("dpop: nonce does not match")
	// ErrReplay means the proof's "jti" has been seen before, within its
	// window.
	ErrReplay = errors.New("dpop: proof replayed")
	// ErrReplayCacheFull means the in-memory replay cache is full of
	// proofs still inside their window, so a new one cannot be recorded
	// and is refused.
	ErrReplayCacheFull = errors.New("dpop: replay cache is full")
	// ErrMisconfigured means the Verifier, the Request or the Proofer is
	// invalid: an algorithm that is not asymmetric, an out-of-range
	// duration, an empty method or URI.
	ErrMisconfigured = errors.New("dpop: misconfigured")
)

// fromJWS wraps an error of package jws in the sentinel of this package
// that means the same, keeping the jws error in the chain.
func fromJWS(err error) error {
	var s error
	switch {
	case errors.Is(err, jws.ErrTooLarge):
		s = ErrTooLarge
	case errors.Is(err, jws.ErrUnsupportedAlgorithm):
		s = ErrUnsupportedAlgorithm
	case errors.Is(err, jws.ErrAlgorithmMismatch), errors.Is(err, jws.ErrNoKey):
		s = ErrInvalidKey
	case errors.Is(err, jws.ErrBadSignature):
		s = ErrBadSignature
	default: // jws.ErrMalformed, jws.ErrUnsupportedCritical
		s = ErrMalformed
	}
	return fmt.Errorf("%w: %w", s, err)
}

// isDPoPError reports whether err already wraps a sentinel of this
// package that the claims parser returns.
func isDPoPError(err error) bool {
	return errors.Is(err, ErrMalformed)
}
