package strictjson

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// strPlain[c] is true for bytes that may appear unescaped in a JSON string
// and need no further attention while scanning: printable ASCII other than
// '"' and '\\'.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun returns the offset of the first byte at or after i that is not
// plain (see strPlain), or len(data). It looks at eight bytes at a time.
func plainRun(data []byte, i int) int {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	for i+8 <= len(data) {
		x := binary.LittleEndian.Uint64(data[i:])
		q := x ^ (lo * '"')
		b := x ^ (lo * '\\')
		// High bit set in a byte that is < 0x20, '"', '\\' or >= 0x80.
		// Borrows can only mark bytes above a marked one, so the
		// lowest mark is exact.
		m := ((x - lo*0x20) | ((q - lo) &^ q) | ((b - lo) &^ b) | x) & hi
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(data) && strPlain[data[i]] {
		i++
	}
	return i
}

// scanString scans the string starting at i ('"') and returns the offset
// just past its closing quote and whether it contains escapes.
func scanString(data []byte, i int) (end int, esc bool, err error) {
	i++
	for {
		i = plainRun(data, i)
		if i >= len(data) {
			return i, esc, newError(ErrSyntax, i, "unexpected end of input in string")
		}
		switch c := data[i]; {
		case c == '"':
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			if i, err = scanEscape(data, i); err != nil {
				return i, esc, err
			}
		case c < 0x20:
			return i, esc, newError(ErrSyntax, i, "invalid control character "+quoteChar(c)+" in string")
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return i, esc, newError(ErrUTF8, i, "invalid UTF-8 in string")
			}
			i += size
		}
	}
}

// scanEscape scans the escape sequence starting at i ('\\') and returns the
// offset just past it. A \u escape of a high surrogate must be followed by
// one of a low surrogate.
func scanEscape(data []byte, i int) (int, error) {
	if i+1 >= len(data) {
		return i + 1, newError(ErrSyntax, i+1, "unexpected end of input in string escape")
	}
	switch c := data[i+1]; c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, nil
	case 'u':
		r, err := hex4(data, i+2)
		if err != nil {
			return i + 2, err
		}
		switch {
		case r < 0xD800 || r > 0xDFFF:
			return i + 6, nil
		case r >= 0xDC00:
			return i, newError(ErrUTF8, i, "unpaired surrogate escape in string")
		}
		if i+7 >= len(data) || data[i+6] != '\\' || data[i+7] != 'u' {
			return i, newError(ErrUTF8, i, "unpaired surrogate escape in string")
		}
		r2, err := hex4(data, i+8)
		if err != nil {
			return i + 8, err
		}
		if r2 < 0xDC00 || r2 > 0xDFFF {
			return i, newError(ErrUTF8, i, "unpaired surrogate escape in string")
		}
		return i + 12, nil
	default:
		return i + 1, newError(ErrSyntax, i+1, "invalid escape character "+quoteChar(c)+" in string")
	}
}

// hex4 decodes the four hexadecimal digits at data[i:i+4].
func hex4(data []byte, i int) (rune, error) {
	var r rune
	for j := i; j < i+4; j++ {
		if j >= len(data) {
			return 0, newError(ErrSyntax, j, "unexpected end of input in string escape")
		}
		c := data[j]
		var v byte
		switch {
		case c-'0' <= 9:
			v = c - '0'
		case c-'a' <= 5:
			v = c - 'a' + 10
		case c-'A' <= 5:
			v = c - 'A' + 10
		default:
			return 0, newError(ErrSyntax, j, "invalid character "+quoteChar(c)+" in \\u escape")
		}
		r = r<<4 | rune(v)
	}
	return r, nil
}

// unescape appends the decoded form of s, the validated contents of a JSON
// string without its quotes, to dst.
func unescape(dst, s []byte) []byte {
	if dst == nil {
		dst = make([]byte, 0, len(s))
	}
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != '\\' {
			j++
		}
		dst = append(dst, s[i:j]...)
		if j >= len(s) {
			break
		}
		c := s[j+1]
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(s, j+2)
			if r >= 0xD800 && r < 0xDC00 {
				r2, _ := hex4(s, j+8)
				r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				j += 6
			}
			dst = utf8.AppendRune(dst, r)
			i = j + 6
			continue
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
		i = j + 2
	}
	return dst
}

// DecodeString returns the contents of raw, which must be exactly one JSON
// string token including its quotes. The result aliases raw when the string
// has no escapes and is a fresh slice otherwise. It returns an error wrapping
// [ErrType] if raw is not a string, and [ErrSyntax] or [ErrUTF8] if it is
// not a valid one.
func DecodeString(raw []byte) ([]byte, error) {
	if len(raw) == 0 || raw[0] != '"' {
		return nil, typeError(raw, "string")
	}
	end, esc, err := scanString(raw, 0)
	if err != nil {
		return nil, err
	}
	if end != len(raw) {
		return nil, newError(ErrSyntax, end, "invalid character "+quoteChar(raw[end])+" after string")
	}
	if !esc {
		return raw[1 : end-1], nil
	}
	return unescape(nil, raw[1:end-1]), nil
}

func typeError(raw []byte, want string) error {
	return newError(ErrType, -1, "cannot use "+KindOf(raw).String()+" as "+want)
}

// strSafe[c] is true for bytes that AppendString copies as they are.
var strSafe = strPlain

const hexDigits = "0123456789abcdef"

// AppendString appends s to dst as a quoted JSON string. It escapes '"', '\\'
// and control characters (as \n, \r, \t, \b, \f or \u00XX), and U+2028 and
// U+2029 as \u2028 and \u2029, and does not escape '<', '>' and '&'. If s is
// not valid UTF-8, AppendString returns dst unchanged and an error wrapping
// [ErrUTF8] whose Offset is that of the first invalid byte in s.
func AppendString(dst []byte, s string) ([]byte, error) {
	orig := len(dst)
	dst = append(dst, '"')
	start := 0
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	for i := 0; i < len(s); {
		i = plainRun(b, i) // skip plain ASCII, eight bytes at a time
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if strSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return dst[:orig], newError(ErrUTF8, i, "invalid UTF-8 in string")
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}

// ValidString returns the contents of raw, a JSON value that this package
// has already validated: one passed to the callback of [ForEachMember] or
// [ForEachElement]. It reports false if raw is not a string. Unlike
// [DecodeString] it does not scan raw again, so it must never be given
// input that has not been validated. The result aliases raw when the string
// has no escapes.
func ValidString(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return body, true
	}
	return unescape(nil, body), true
}
