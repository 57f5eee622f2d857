package httpauth

import (
	"net/http"
	"strings"
	"testing"
)

// TestBearerToken: RFC 6750, Section 2.1 (the scheme case-insensitively,
// one space, token68 of RFC 9110, Section 11.2).
func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header      []string
		tok         string
		present, ok bool
	}{
		{nil, "", false, false},
		{[]string{"Bearer abc"}, "abc", true, true},
		{[]string{"bearer abc"}, "abc", true, true},
		{[]string{"bEaReR a-b.c_d~e+f/g=="}, "a-b.c_d~e+f/g==", true, true},
		{[]string{"Bearer"}, "", true, false},
		{[]string{"Bearer "}, "", true, false},
		{[]string{"Bearer  abc"}, "", true, false},
		{[]string{"Bearer\tabc"}, "", true, false},
		{[]string{"Bearer abc "}, "", true, false},
		{[]string{"Bearer a=b"}, "", true, false},
		{[]string{"Bearer =abc"}, "", true, false},
		{[]string{"Bearer a,b"}, "", true, false},
		{[]string{"Bearer abc", "Bearer abc"}, "", true, false},
		{[]string{"Basic abc"}, "", false, false},
		{[]string{"Bearerabc"}, "", false, false},
		{[]string{"Bear abc"}, "", false, false},
	}
	for _, tc := range tests {
		h := http.Header{}
		for _, v := range tc.header {
			h.Add("Authorization", v)
		}
		tok, present, ok := bearerToken(h)
		if tok != tc.tok || present != tc.present || ok != tc.ok {
			t.Errorf("%q: got (%q, %v, %v), want (%q, %v, %v)", tc.header, tok, present, ok, tc.tok, tc.present, tc.ok)
		}
	}
}

// FuzzParseBearer: parseBearer never panics, and what it accepts is
// exactly "Bearer" (any case), one space and a token68 of at most
// MaxTokenSize bytes.
func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Bearer  x", "Bearer", "Basic YTpi", "Bearer a==", "Bearer =", "BEARER ~+/-._", "Bearer\tx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, present, ok := parseBearer(h)
		if ok {
			if !present || !isToken68(tok) || len(tok) > MaxTokenSize || !strings.EqualFold(h[:7], "bearer ") || h[7:] != tok {
				t.Fatalf("%q accepted as %q", h, tok)
			}
		} else if tok != "" {
			t.Fatalf("%q refused but returned %q", h, tok)
		}
		if !present && len(h) >= 7 && strings.EqualFold(h[:7], "bearer ") {
			t.Fatalf("%q is a Bearer header, reported absent", h)
		}
	})
}
