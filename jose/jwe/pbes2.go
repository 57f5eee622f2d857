package jwe

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

// PBES2 ([RFC 7518, Section 4.8]): PBKDF2 turns a password, the salt input
// UTF8(alg) || 0x00 || p2s and the iteration count p2c into an AES key
// wrapping key.
//
// [RFC 7518, Section 4.8]: https://www.rfc-editor.org/rfc/rfc7518#section-4.8

// Default PBES2 iteration counts used by [Encrypt]: the OWASP Password
// Storage Cheat Sheet's figures for PBKDF2-HMAC-SHA-256 and -SHA-512.
const (
	DefaultPBES2HS256Count = 600_000
	DefaultPBES2HS512Count = 210_000
)

// pbes2Params checks and decodes "p2s" and "p2c": a salt of at least
// MinPBES2SaltSize bytes, and a count written as a JSON integer (no
// fraction, exponent or sign) from MinPBES2Count to maxCount.
func pbes2Params(dst []byte, h *header, maxCount int) (salt []byte, count int, err error) {
	if h.p2s == nil {
		return nil, 0, fmt.Errorf("%w: header has no \"p2s\"", ErrInvalidPBES2)
	}
	n := base64url.DecodedLen(len(h.p2s))
	if n < MinPBES2SaltSize || n > len(dst) {
		return nil, 0, fmt.Errorf("%w: \"p2s\" of %d bytes (need %d to %d)", ErrInvalidPBES2, max(n, 0), MinPBES2SaltSize, len(dst))
	}
	if _, err := base64url.Decode(dst[:n], h.p2s); err != nil {
		return nil, 0, fmt.Errorf("%w: \"p2s\": %v", ErrInvalidPBES2, err)
	}
	if h.p2c == nil {
		return nil, 0, fmt.Errorf("%w: header has no \"p2c\"", ErrInvalidPBES2)
	}
	count, ok := plainInteger(h.p2c, maxCount)
	if !ok {
		return nil, 0, fmt.Errorf("%w: \"p2c\" %.20s is not an integer from %d to %d", ErrInvalidPBES2, h.p2c, MinPBES2Count, maxCount)
	}
	if count < MinPBES2Count {
		return nil, 0, fmt.Errorf("%w: \"p2c\" %d is below %d", ErrInvalidPBES2, count, MinPBES2Count)
	}
	return dst[:n], count, nil
}

// plainInteger parses raw as a JSON integer of decimal digits without a
// leading zero, and reports false if it is anything else or above limit.
func plainInteger(raw []byte, limit int) (int, bool) {
	if len(raw) == 0 || len(raw) > 9 || raw[0] == '0' && len(raw) > 1 {
		return 0, false
	}
	v := 0
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, v <= limit
}

// pbes2Key derives the key-wrapping key for alg from password, salt and
// count.
func pbes2Key(alg jwk.Algorithm, password, salt []byte, count int) ([]byte, error) {
	input := make([]byte, 0, len(alg)+1+len(salt))
	input = append(append(append(input, alg...), 0), salt...)
	if alg == jwk.PBES2HS256A128KW {
		return pbkdf2.Key(sha256.New, string(password), input, count, 16)
	}
	return pbkdf2.Key(sha512.New, string(password), input, count, 32)
}
