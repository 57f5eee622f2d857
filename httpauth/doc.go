// Package httpauth lets a Go service that is not the auth server verify
// Ward's access tokens ([RFC 9068] JWTs) on its own, on standard
// [net/http], so that it fits any router.
//
// An [Authenticator] takes the token from "Authorization: Bearer" ([RFC
// 6750, Section 2.1]) or, when configured, from the access cookie of
// Ward's cookie mode (then enforcing the same CSRF and Origin rule as the
// server), verifies it with package jwt (issuer, audience, allowed
// algorithms, "typ" at+jwt), checks it against a [Revocations] replica,
// and puts the [Claims] in the request context. [RequireScope] and
// [RequireRole] guard single routes. Refusals are the challenges of [RFC
// 6750, Section 3], with no detail that helps an attacker.
//
// There is no default configuration: [New] fails on a missing issuer,
// audience, algorithm list, key source or revocation source.
//
// # Key management
//
// A [KeySource] supplies the verification keys. [RemoteKeySet] reads them
// from the issuer's JWKS (found through its [RFC 8414] metadata, or given
// as a URL), honours Cache-Control, refreshes them in the background
// before they expire, refetches at a bounded rate when a token names an
// unknown "kid" (and remembers unknown kids for a while, so that a storm
// of forged kids is not a storm of fetches), and keeps the last good keys
// while the issuer is down or answers garbage.
//
// # Revocation
//
// A token stays valid until it expires unless something tells the
// verifier otherwise. [Config.Revocations] is checked for every request,
// including a hit in the verified-token cache ([Config.CacheSize]): the
// [Feed] keeps an in-memory replica of what the auth server has revoked
// and not yet expired, so the check costs no network round trip.
//
// [RFC 9068]: https://www.rfc-editor.org/rfc/rfc9068
// [RFC 6750, Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 6750, Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
// [RFC 8414]: https://www.rfc-editor.org/rfc/rfc8414
package httpauth
