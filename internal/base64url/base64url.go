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
	"encoding/binary"
	"errors"
	"slices"
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

// decodeMap maps an alphabet byte to its 6-bit value and every other byte
// to 0xFF.
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = 0xFF
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(alphabet) {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// Decode decodes src into dst, which must have room for DecodedLen(len(src))
// bytes, and returns the number of bytes written. Unlike encoding/base64 it
// skips nothing: CR, LF, '=' and every other byte outside the alphabet are
// errors, and so are non-zero unused bits in the last character.
func Decode(dst, src []byte) (int, error) {
	n := DecodedLen(len(src))
	if n < 0 || len(dst) < n {
		return 0, ErrInvalid
	}
	di, si := 0, 0
	// Eight characters at a time into one 64-bit word, of which six bytes
	// are used: this needs two spare bytes in dst.
	for len(src)-si >= 8 && len(dst)-di >= 8 {
		s := src[si : si+8 : si+8]
		n1, n2, n3, n4 := decodeMap[s[0]], decodeMap[s[1]], decodeMap[s[2]], decodeMap[s[3]]
		n5, n6, n7, n8 := decodeMap[s[4]], decodeMap[s[5]], decodeMap[s[6]], decodeMap[s[7]]
		if (n1|n2|n3|n4|n5|n6|n7|n8)&0xC0 != 0 {
			return 0, ErrInvalid
		}
		binary.BigEndian.PutUint64(dst[di:], uint64(n1)<<58|uint64(n2)<<52|uint64(n3)<<46|uint64(n4)<<40|
			uint64(n5)<<34|uint64(n6)<<28|uint64(n7)<<22|uint64(n8)<<16)
		di += 6
		si += 8
	}
	for ; len(src)-si >= 4; si += 4 {
		a, b, c, d := decodeMap[src[si]], decodeMap[src[si+1]], decodeMap[src[si+2]], decodeMap[src[si+3]]
		if (a|b|c|d)&0xC0 != 0 {
			return 0, ErrInvalid
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		_ = dst[di+2]
		dst[di], dst[di+1], dst[di+2] = byte(v>>16), byte(v>>8), byte(v)
		di += 3
	}
	switch len(src) - si {
	case 2:
		a, b := decodeMap[src[si]], decodeMap[src[si+1]]
		if (a|b)&0xC0 != 0 || b&0x0F != 0 {
			return 0, ErrInvalid
		}
		dst[di] = a<<2 | b>>4
		di++
	case 3:
		a, b, c := decodeMap[src[si]], decodeMap[src[si+1]], decodeMap[src[si+2]]
		if (a|b|c)&0xC0 != 0 || c&0x03 != 0 {
			return 0, ErrInvalid
		}
		v := uint32(a)<<10 | uint32(b)<<4 | uint32(c)>>2
		dst[di], dst[di+1] = byte(v>>8), byte(v)
		di += 2
	}
	return di, nil
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

// InAlphabet reports whether s holds only characters of the base64url
// alphabet (no padding, no whitespace). Callers use it to tell a segment of
// the wrong alphabet (malformed) from one of the wrong length.
func InAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// alphabet is the base64url alphabet of RFC 4648, Section 5.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// Encode writes the encoding of src to dst, which must have room for
// EncodedLen(len(src)) bytes.
func Encode(dst, src []byte) {
	_ = dst[:EncodedLen(len(src))]
	di, si := 0, 0
	// Six bytes at a time from one 64-bit load, which reads two bytes
	// more than it uses.
	for len(src)-si >= 8 {
		v := binary.BigEndian.Uint64(src[si:])
		d := dst[di : di+8 : di+8]
		d[0], d[1], d[2], d[3] = alphabet[v>>58], alphabet[v>>52&0x3F], alphabet[v>>46&0x3F], alphabet[v>>40&0x3F]
		d[4], d[5], d[6], d[7] = alphabet[v>>34&0x3F], alphabet[v>>28&0x3F], alphabet[v>>22&0x3F], alphabet[v>>16&0x3F]
		si += 6
		di += 8
	}
	for ; len(src)-si >= 3; si += 3 {
		v := uint32(src[si])<<16 | uint32(src[si+1])<<8 | uint32(src[si+2])
		d := dst[di : di+4 : di+4]
		d[0], d[1], d[2], d[3] = alphabet[v>>18], alphabet[v>>12&0x3F], alphabet[v>>6&0x3F], alphabet[v&0x3F]
		di += 4
	}
	switch len(src) - si {
	case 1:
		v := uint32(src[si])
		dst[di], dst[di+1] = alphabet[v>>2], alphabet[v<<4&0x3F]
	case 2:
		v := uint32(src[si])<<8 | uint32(src[si+1])
		dst[di], dst[di+1], dst[di+2] = alphabet[v>>10], alphabet[v>>4&0x3F], alphabet[v<<2&0x3F]
	}
}

// AppendEncode appends the encoding of src to dst.
func AppendEncode(dst, src []byte) []byte {
	n := EncodedLen(len(src))
	dst = slices.Grow(dst, n)
	Encode(dst[len(dst):len(dst)+n], src)
	return dst[:len(dst)+n]
}

// EncodeToString returns the encoding of src.
func EncodeToString(src []byte) string {
	b := make([]byte, EncodedLen(len(src)))
	Encode(b, src)
	return string(b)
}
