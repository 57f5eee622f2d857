package base64url

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		enc := EncodeToString(src)
		if enc != base64.RawURLEncoding.EncodeToString(src) {
			t.Fatalf("encode mismatch for %d bytes", n)
		}
		if app := AppendEncode([]byte("x."), src); string(app) != "x."+enc {
			t.Fatalf("AppendEncode mismatch for %d bytes", n)
		}
		got, err := DecodeString(enc)
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%d bytes: got %x, %v", n, got, err)
		}
	}
}

// TestStrict covers what encoding/base64 accepts and this package refuses
// (RFC 7515, Section 2 and Appendix C: unpadded, no whitespace).
func TestStrict(t *testing.T) {
	for _, in := range []string{
		"QQ==",    // padding
		"QQ=",     // partial padding
		"Q",       // 4n+1 length
		"QR",      // non-zero trailing bits (canonical is QQ)
		"QUF",     // non-zero trailing bits (canonical is QUE)
		"QU\nE",   // LF inside
		"QUE\r\n", // CRLF at the end
		"QUE\n",   // trailing newline
		"QU E",    // space
		"QU+E",    // standard alphabet
		"QU/E",    // standard alphabet
		"QUE\x00", // NUL
		"QUJD\xff",
	} {
		if _, err := DecodeString(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeString(%q) = %v, want ErrInvalid", in, err)
		}
	}
	for in, want := range map[string]string{"": "", "QQ": "A", "QUE": "AA", "QUJD": "ABC", "-_-_": "\xfb\xff\xbf"} {
		got, err := DecodeString(in)
		if err != nil || string(got) != want {
			t.Errorf("DecodeString(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "QQ", "QUE", "QUJD", "QQ==", "QU\nE", "-_-_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if enc := EncodeToString([]byte(s)); enc != base64.RawURLEncoding.EncodeToString([]byte(s)) {
			t.Fatalf("EncodeToString(%q) = %q, stdlib says otherwise", s, enc)
		}
		got, err := DecodeString(s)
		ref, refErr := base64.RawURLEncoding.Strict().DecodeString(s)
		if err == nil {
			// Canonical: re-encoding gives the input back, and the
			// standard library agrees on the bytes.
			if EncodeToString(got) != s {
				t.Fatalf("%q decodes to %x, which encodes to %q", s, got, EncodeToString(got))
			}
			if refErr != nil || !bytes.Equal(ref, got) {
				t.Fatalf("%q: stdlib says %x, %v; we say %x", s, ref, refErr, got)
			}
		} else if got != nil {
			t.Fatalf("partial result on error")
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	src := []byte(EncodeToString(bytes.Repeat([]byte("ward"), 40)))
	dst := make([]byte, DecodedLen(len(src)))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Decode(dst, src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeStdlib(b *testing.B) {
	src := []byte(EncodeToString(bytes.Repeat([]byte("ward"), 40)))
	dst := make([]byte, DecodedLen(len(src)))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := base64.RawURLEncoding.Strict().Decode(dst, src); err != nil {
			b.Fatal(err)
		}
	}
}
