// Package base64url implements the strict, unpadded base64url encoding that
// JOSE uses ([RFC 7515, Section 2] and [RFC 7515, Appendix C]).
//
// Decoding is canonical: the alphabet is exactly A–Z a–z 0–9 '-' '_', there is
// no padding, no whitespace (Go's [encoding/base64] silently skips CR and LF,
// which this package refuses), no length of the form 4n+1, and the unused
// bits of the last character must be zero, so every byte string has exactly
// one accepted encoding.
//
// [RFC 7515, Section 2]: https://www.rfc-editor.org/rfc/rfc7515#section-2
// [RFC 7515, Appendix C]: https://www.rfc-editor.org/rfc/rfc7515#appendix-C
package base64url

import (
	"encoding/base64"
	"errors"
)

// ErrInvalid is returned for input that is not canonical unpadded base64url.
var ErrInvalid = errors.New("base64url: invalid or non-canonical encoding")

var enc = base64.RawURLEncoding.Strict()

// DecodedLen returns the number of bytes n encoded characters decode to. It
// returns -1 if no canonical encoding has that length.
func DecodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n * 6 / 8
}

// EncodedLen returns the length of the encoding of n bytes.
func EncodedLen(n int) int { return enc.EncodedLen(n) }

// Decode decodes src into dst, which must have room for DecodedLen(len(src))
// bytes, and returns the number of bytes written.
func Decode(dst, src []byte) (int, error) {
	if DecodedLen(len(src)) < 0 {
		return 0, ErrInvalid
	}
	// encoding/base64 skips '\r' and '\n' anywhere in its input; every other
	// byte outside the alphabet is already an error there, and Strict makes
	// it check the trailing bits.
	for _, c := range src {
		if c == '\r' || c == '\n' {
			return 0, ErrInvalid
		}
	}
	n, err := enc.Decode(dst, src)
	if err != nil {
		return 0, ErrInvalid
	}
	return n, nil
}

// DecodeString decodes s into a new byte slice.
func DecodeString(s string) ([]byte, error) {
	n := DecodedLen(len(s))
	if n < 0 {
		return nil, ErrInvalid
	}
	dst := make([]byte, n)
	m, err := Decode(dst, []byte(s))
	if err != nil {
		return nil, err
	}
	return dst[:m], nil
}

// Encode writes the encoding of src to dst, which must have room for
// EncodedLen(len(src)) bytes.
func Encode(dst, src []byte) { enc.Encode(dst, src) }

// AppendEncode appends the encoding of src to dst.
func AppendEncode(dst, src []byte) []byte { return enc.AppendEncode(dst, src) }

// EncodeToString returns the encoding of src.
func EncodeToString(src []byte) string { return enc.EncodeToString(src) }
