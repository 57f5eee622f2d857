// Package jwk implements JSON Web Keys and JWK Sets ([RFC 7517]) for the
// JWS algorithms of [RFC 7518, Section 3], the JWE key-management algorithms
// of [RFC 7518, Section 4], Ed25519 and X25519 ([RFC 8037]): parsing and
// writing JWK, JWKS and PEM, key generation, and [RFC 7638] thumbprints.
//
// A key is a [*PublicKey], a [*PrivateKey] or a [*SecretKey], and each is
// bound to exactly one [Algorithm]: a token is only ever checked with the
// algorithm of the key that checks it, so an RSA public key can never serve
// as an HMAC secret and a P-256 key never verifies an ES384 signature. Most
// users get keys from [Generate], [ParseKey], [ParseSet] or [ParsePEM] and
// hand them to package jwt.
//
// # Key management
//
// Asymmetric keys default to their RFC 7638 SHA-256 thumbprint as key ID;
// secret keys have no default key ID, because a hash of a secret would leak
// information about it. [Set.MarshalJSON] writes only public keys and is
// what a JWKS endpoint serves; [MarshalPrivateSet] and
// [PrivateKey.MarshalJSON] write private material and are for files that
// are themselves kept secret. Private keys sign through [crypto.Signer], so
// HSM and KMS keys fit through [NewPrivateKey]; such keys cannot be
// exported ([ErrNotExportable]).
//
// # Compatibility
//
// Parsing is strict where the RFCs allow leniency that has caused
// vulnerabilities or ambiguity elsewhere: member names are case-sensitive
// and unique, integers are minimal canonical base64url, EC coordinates are
// at most the curve size, points are checked to be on the curve, private
// members must match the public ones, RSA moduli are [MinRSABits] to
// [MaxRSABits] bits and HMAC secrets at least as long as the hash. Some
// producers pad integers with zero octets; their keys are refused with
// [ErrMalformed] rather than guessed at. Reading is tolerant only where that
// costs no security: an EC coordinate shorter than the curve size (PyJWT
// 2.6, jjwt and Keycloak write them as minimal integers) is left-padded, and
// the point is still checked. Written keys are always canonical.
//
// Keys bound to a key-management algorithm ([KeyManagementAlgorithms]) are
// for package jwe: they never sign or verify, and a key marked "use":"sig"
// cannot be bound to one. X25519 keys are OKP keys bound to one of the
// ECDH-ES algorithms.
//
// Not supported: the "none" and "RSA1_5" algorithms, Ed448, X448, P-224
// and secp256k1, multi-prime RSA ("oth"), RSA private
// keys without their CRT members, and encrypted PEM. In a JWK Set, keys of
// an unsupported type or algorithm are skipped as [RFC 7517, Section 5]
// asks. The "x5c", "x5t", "x5t#S256" and "x5u" members are never used to
// find or trust a key.
//
// [RFC 7517]: https://www.rfc-editor.org/rfc/rfc7517
// [RFC 7517, Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
// [RFC 7518, Section 3]: https://www.rfc-editor.org/rfc/rfc7518#section-3
// [RFC 7518, Section 4]: https://www.rfc-editor.org/rfc/rfc7518#section-4
// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
// [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037
package jwk
