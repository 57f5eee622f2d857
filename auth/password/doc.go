// Package password hashes and verifies passwords with argon2id ([RFC
// 9106]) in the PHC string format, for the auth service.
//
// A [Hasher] runs at most a fixed number of hashes at once, so that a flood
// of logins cannot exhaust memory, and makes every failed verification
// cost the same work, whatever the stored hash was (see
// [Hasher.Verify]): a login cannot tell an unknown account from a wrong
// password by its timing.
//
// Most users of Ward never import this package: [auth.Service] owns a
// Hasher configured by [auth.Config].
//
// [RFC 9106]: https://www.rfc-editor.org/rfc/rfc9106
package password
