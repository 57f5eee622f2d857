// Package dpop makes and verifies DPoP proofs ([RFC 9449]): short-lived
// JWTs, signed with a key the client holds, that bind an HTTP request (its
// method and URI) and optionally an access token to that key, so that a
// stolen token cannot be used from another machine.
//
// A client makes proofs with a [Proofer] (or [NewProof]); a server checks
// them with a [Verifier], which is configured like [crypto/tls.Config]:
// every zero value is the safe choice. [Verifier.Verify] returns the
// [Proof] with the RFC 7638 thumbprint of its key, which an authorization
// server puts in the "cnf" claim ("jkt") of the tokens it issues and a
// resource server compares with the token's.
//
// # What is checked
//
// [Verifier.Verify] follows the checklist of [RFC 9449, Section 4.3]:
// exactly one proof; "typ" is "dpop+jwt"; "alg" is an asymmetric algorithm
// from an allow-list ("none" and HMAC never are); the header "jwk" is a
// public key (private members are refused) within the key-size limits, the
// signature is checked with exactly that key, and "alg" must be the
// algorithm of that key; "htm" equals the request method; "htu" equals the
// URI the server says it serves, compared after the normalizations of
// [RFC 3986, Section 6] (case of scheme and host, default ports, percent
// encoding, dot segments), query and fragment ignored; "iat" lies inside a
// window around the verifier's clock; "ath" is the hash of the access token
// when one is presented; the key's thumbprint equals the token's "cnf.jkt"
// when the caller gives it; "nonce" equals the server's nonce when the
// caller requires one; and "jti" has not been seen before, in a
// [ReplayCache]. Each failure wraps one of the sentinel errors of this
// package.
//
// The header "jwk" is the one place in Ward where a key carried by a token
// is used, and only to bind: it proves that the client holds the private
// key, never who the client is.
//
// # Compatibility
//
// The URI to compare "htu" with is what the caller says its server serves:
// it is never built from X-Forwarded-* or Forwarded headers, which a client
// can set. Proofs are JWS with the strictness of package jws (canonical
// base64url, no duplicate JSON members, size and depth limits).
//
// [RFC 9449]: https://www.rfc-editor.org/rfc/rfc9449
// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
// [RFC 3986, Section 6]: https://www.rfc-editor.org/rfc/rfc3986#section-6
package dpop
