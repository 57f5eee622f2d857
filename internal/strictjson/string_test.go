package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestDecodeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      error
	}{
		// RFC 8259 §7.
		{`""`, "", nil},
		{`"abc"`, "abc", nil},
		{`"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t", nil},
		{`"\u0041\u00e9\u20AC"`, "Aé€", nil},
		{`"\ud83d\ude00!"`, "\U0001F600!", nil},
		{`"\u0000"`, "\x00", nil},
		{"\"\u00e9\"", "é", nil},
		{`"<>&"`, "<>&", nil},
		{`"a\u2028b"`, "a\u2028b", nil},
		{`1`, "", ErrType},
		{`null`, "", ErrType},
		{``, "", ErrType},
		{`"abc`, "", ErrSyntax},
		{`"a" `, "", ErrSyntax},
		{`"a""b"`, "", ErrSyntax},
		{`"\uDE00"`, "", ErrUTF8},
		{"\"\xc0\x80\"", "", ErrUTF8},
		{"\"\x1f\"", "", ErrSyntax},
	}
	for _, tt := range tests {
		got, err := DecodeString([]byte(tt.in))
		if tt.err != nil {
			checkErr(t, err, tt.err)
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("DecodeString(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		var std string
		if err := json.Unmarshal([]byte(tt.in), &std); err != nil || std != tt.want {
			t.Errorf("encoding/json disagrees on %q: %q, %v", tt.in, std, err)
		}
	}
	raw := []byte(`"abc"`)
	if got, _ := DecodeString(raw); &got[0] != &raw[1] {
		t.Error("DecodeString copied a string without escapes")
	}
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	tests := []string{
		"", "abc", "\"\\/", "\n\r\t\b\f", "\x00\x01\x1f\x7f", "<script>&amp;</script>",
		"é€\U0001F600", "\u2028\u2029", "a\u2028b\u2029c", "\ufeff", "\U0010FFFF",
		"mixed \"quote\" and \\ and \x10 and é",
	}
	for _, s := range tests {
		got, err := AppendString([]byte("prefix:"), s)
		if err != nil {
			t.Errorf("AppendString(%q): %v", s, err)
			continue
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := "prefix:" + string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if string(got) != want {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
		back, err := DecodeString(got[len("prefix:"):])
		if err != nil || string(back) != s {
			t.Errorf("round trip of %q = %q, %v", s, back, err)
		}
	}
	for _, s := range []string{"\xff", "a\xc0\x80", "\xed\xa0\x80", "ok\xe2\x82"} {
		dst := []byte("keep")
		got, err := AppendString(dst, s)
		checkErr(t, err, ErrUTF8)
		if string(got) != "keep" {
			t.Errorf("AppendString(%q) changed dst to %q", s, got)
		}
	}
	var e *Error
	if _, err := AppendString(nil, "ab\xff"); !errors.As(err, &e) || e.Offset != 2 {
		t.Errorf("offset: %v", err)
	}
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		i64    int64
		i64err error
		f64    float64
		f64err error
	}{
		// RFC 8259 §6; RFC 7519 §2 NumericDate values.
		{"0", 0, nil, 0, nil},
		{"-0", 0, nil, 0, nil},
		{"1", 1, nil, 1, nil},
		{"-1", -1, nil, -1, nil},
		{"1700000000", 1700000000, nil, 1700000000, nil},
		{"9223372036854775807", 9223372036854775807, nil, 9223372036854775807, nil},
		{"-9223372036854775808", -9223372036854775808, nil, -9223372036854775808, nil},
		{"9223372036854775808", 0, ErrNumber, 9223372036854775808, nil},
		{"-9223372036854775809", 0, ErrNumber, -9223372036854775809, nil},
		{"18446744073709551616", 0, ErrNumber, 18446744073709551616, nil},
		{"99999999999999999999", 0, ErrNumber, 1e20, nil},
		{"1.0", 1, nil, 1, nil},
		{"1.5", 0, ErrNumber, 1.5, nil},
		{"1e3", 1000, nil, 1000, nil},
		{"1E+3", 1000, nil, 1000, nil},
		{"1.5e1", 15, nil, 15, nil},
		{"150e-1", 15, nil, 15, nil},
		{"15e-1", 0, ErrNumber, 1.5, nil},
		{"0.000", 0, nil, 0, nil},
		{"0e999999999999999999999", 0, nil, 0, nil},
		{"-0.0e-5", 0, nil, 0, nil},
		{"1e18", 1e18, nil, 1e18, nil},
		{"1e19", 0, ErrNumber, 1e19, nil},
		{"9.223372036854775807e18", 9223372036854775807, nil, 9223372036854775807, nil},
		{"-9.223372036854775808e18", -9223372036854775808, nil, -9223372036854775808, nil},
		{"9.223372036854775808e18", 0, ErrNumber, 9223372036854775808, nil},
		{"100000000000000000000000e-5", 1e18, nil, 1e18, nil},
		{"0000", 0, ErrSyntax, 0, ErrSyntax},
		{"1e-400", 0, ErrNumber, 0, nil},
		{"1e400", 0, ErrNumber, 0, ErrNumber},
		{"-1e400", 0, ErrNumber, 0, ErrNumber},
		{"1.7976931348623157e308", 0, ErrNumber, 1.7976931348623157e308, nil},
		{"123456789012345678", 123456789012345678, nil, 123456789012345678, nil},
		{"0.1", 0, ErrNumber, 0.1, nil},
		{`"1"`, 0, ErrType, 0, ErrType},
		{"true", 0, ErrType, 0, ErrType},
		{"null", 0, ErrType, 0, ErrType},
		{"", 0, ErrType, 0, ErrType},
		{"01", 0, ErrSyntax, 0, ErrSyntax},
		{"1 ", 0, ErrSyntax, 0, ErrSyntax},
		{"1.", 0, ErrSyntax, 0, ErrSyntax},
		{"-", 0, ErrSyntax, 0, ErrSyntax},
		{"+1", 0, ErrType, 0, ErrType},
	}
	for _, tt := range tests {
		i, err := Int64([]byte(tt.in))
		if tt.i64err != nil {
			checkErr(t, err, tt.i64err)
		} else if err != nil || i != tt.i64 {
			t.Errorf("Int64(%q) = %d, %v; want %d", tt.in, i, err, tt.i64)
		}
		f, err := Float64([]byte(tt.in))
		if tt.f64err != nil {
			checkErr(t, err, tt.f64err)
		} else if err != nil || f != tt.f64 {
			t.Errorf("Float64(%q) = %g, %v; want %g", tt.in, f, err, tt.f64)
		}
	}
	if _, err := Uint64([]byte("-1")); !errors.Is(err, ErrNumber) {
		t.Errorf("Uint64(-1): %v", err)
	}
	if u, err := Uint64([]byte("18446744073709551615")); err != nil || u != 1<<64-1 {
		t.Errorf("Uint64(max) = %d, %v", u, err)
	}
	if u, err := Uint64([]byte("1.8446744073709551615e19")); err != nil || u != 1<<64-1 {
		t.Errorf("Uint64(max exp) = %d, %v", u, err)
	}
}

func TestPlainRun(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		for pos := range 20 {
			buf := bytes.Repeat([]byte("a"), 24)
			buf[pos] = byte(c)
			want := len(buf)
			if !strPlain[c] {
				want = pos
			}
			if got := plainRun(buf, 0); got != want {
				t.Fatalf("plainRun with %#x at %d = %d, want %d", c, pos, got, want)
			}
			// Special bytes below the first one must not hide it.
			buf[pos+1] = 0
			buf[pos+2] = '"'
			if got := plainRun(buf, 0); !strPlain[c] && got != pos {
				t.Fatalf("plainRun with %#x at %d then specials = %d", c, pos, got)
			}
		}
	}
}
