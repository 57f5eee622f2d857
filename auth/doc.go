// Package auth is Ward's token service: users with argon2id passwords,
// sessions whose opaque refresh tokens rotate on every use, access tokens
// that are JWTs per [RFC 9068], revocation, the signing keyring and the
// audit log. It knows nothing of HTTP or SQL: the server package is its
// transport, and stores (auth/sqlite, later PostgreSQL) implement [Store].
//
// Most callers use a [Service], built with [NewService] from a [Store], a
// key-encryption key and a [Config].
//
// # Refresh tokens
//
// A refresh token is "wrt_" followed by the base64url encoding of a
// version byte, the session ID (16 random bytes), the session's rotation
// counter (8 bytes, big-endian) and an HMAC-SHA256 tag over the three,
// under a secret held in the keyring (encrypted at rest under the
// key-encryption key; never in the session row). A presented token is
// checked against one session row. The session stores only its current
// counter, so a reader of the database alone cannot make a valid token.
// Each use rotates the token (counter + 1); the previous token presented
// within [Config.RefreshGrace] of the rotation returns the current token
// again; any other stale token ends the session, revokes its access tokens
// and is audited as "refresh_reuse".
//
// # Passwords
//
// Passwords are hashed with argon2id by [github.com/wardauth/ward/auth/password],
// at most [Config.MaxConcurrentHashes] at once. A login answers an
// unknown email, a wrong password and a disabled account with the same
// error, and with the same work: every failed check costs exactly the
// argon2id work of one hash under the current parameters ([Config.Argon2],
// counted in block compressions, m×t). An unknown user is checked against
// a dummy hash under the current parameters; a stored hash under other
// parameters is checked under its own and, when the password is wrong and
// its parameters were cheaper, followed by a filler hash (the current
// threads, at most the current memory) whose work is the difference, so
// that an account whose hash predates a change of the parameters is not
// told apart by its timing. A successful login under old parameters
// rehashes the password. (A hash costlier than the current parameters,
// left by lowering them, cannot be made cheaper: its failures cost more
// until its owner logs in again.) Tests count the work through
// [Config.OnHash].
//
// # Abuse limits
//
// [Limits] caps logins (and the password grant, which shares their
// buckets) per client address and per account and address, sign-ups,
// password changes, failed client authentications and introspections per
// address. They are token buckets kept by a [Limiter], by default an
// in-memory [github.com/wardauth/ward/auth/limit.Memory]; a refused call
// fails with [CodeRateLimited] and [Error].RetryAfter before any hashing
// or store access. Per account and address, each consecutive failed login
// halves the bucket's refill rate (growing delays) and a success restores
// it: an attacker slows only their own address, never the account's owner.
// Refused calls are logged in aggregate (one "rate_limited" line per key
// per [Limits].SummaryInterval), never audited one row each; failures
// within the limits and every success are audited.
//
// # Revocation
//
// Revocations (one access token by "jti", one session, one user, one
// signing key) are written to the store in the same transaction as the
// change that implies them, then applied to an in-memory [Revocations]
// replica that [Service.Authenticate] checks with no store round trip.
//
// # Key management
//
// The keyring holds one active signing key, the next key (published in the
// JWKS at least [Config.JWKSCacheTTL] before it signs anything) and retired
// keys still needed to verify tokens in flight. Private keys and the
// refresh-token MAC secret are sealed with AES-256-GCM under the
// key-encryption key given to [NewService], with "kid" and "alg" as
// associated data, and every key record carries an HMAC under a key
// derived from the key-encryption key, so that a record written to the
// database by anyone else is refused when loaded. [Service.RevokeKey]
// revokes a compromised key at once; [Service.RewrapKEK] moves everything
// to a new key-encryption key. What is at rest lives in the sub-package
// auth/keyring.
//
// # Clients
//
// OAuth clients authenticate with a secret whose SHA-256 is stored. They
// can be disabled, deleted and given a new secret ([Service.DisableClient],
// [Service.DeleteClient], [Service.RotateClientSecret]), which revokes
// their access tokens, and carry permissions ([Client.Introspect],
// [Client.IntrospectEmail], [Client.Feed]) given at [Service.AddClient].
//
// [RFC 9068]: https://www.rfc-editor.org/rfc/rfc9068
package auth
