package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// FuzzClientIP: clientIP never panics and always returns either the
// peer's address or an address from X-Forwarded-For.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:1", "198.51.100.1, 10.0.0.2")
	f.Add("[::1]:1", "bogus, 2001:db8::1")
	f.Add("garbage", "")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		ip := clientIP(r, trusted)
		if ip == "" && remote != "" {
			t.Fatalf("empty address for %q %q", remote, xff)
		}
	})
}

// FuzzDecodeJSON: decoding never panics, and a body it accepts is one
// JSON object with only known members.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"email":"a@b.c","password":"x"}`, `{"email":1}`, `{}`, `[]`, `{"email":"a","email":"b"}`, `{"x":1}`, "{\"email\":\"\\ud800\"}"} {
		f.Add(s)
	}
	s := &Server{cfg: Config{}.withDefaults()}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v struct {
			Email    string `json:"email"`
			Password string `json:"password"`
		}
		err := s.decodeJSON(httptest.NewRecorder(), r, &v, false)
		if err == nil && !strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "{") {
			t.Fatalf("accepted %q", body)
		}
	})
}

// FuzzPreHandlerAnswer: recognizing net/http's own answers never panics,
// and rewrites only what has their exact form: a 4xx or 5xx status line
// followed by net/http's fixed text/plain headers, or its bodiless 417.
func FuzzPreHandlerAnswer(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 431 Request Header Fields Too Large" + preHandlerHeaders + "431 Request Header Fields Too Large",
		"HTTP/1.1 400 Bad Request: missing required Host header" + preHandlerHeaders + "400 Bad Request: missing required Host header",
		"HTTP/1.1 501 Not Implemented" + preHandlerHeaders + "Unsupported transfer encoding",
		"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nDate: x\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := preHandlerAnswer(b)
		if out == nil {
			return
		}
		s := string(b)
		if !strings.HasPrefix(s, "HTTP/1.1 ") {
			t.Fatalf("rewrote %q", b)
		}
		if strings.HasPrefix(s, "HTTP/1.1 417 ") {
			return
		}
		line := strings.IndexByte(s, '\r')
		if s[9] != '4' && s[9] != '5' || line < 0 || !strings.HasPrefix(s[line:], preHandlerHeaders) {
			t.Fatalf("rewrote %q", b)
		}
		if !strings.HasPrefix(string(out), "HTTP/1.1 "+s[9:12]+" ") {
			t.Fatalf("%q rewritten with another status: %q", b, out)
		}
	})
}
