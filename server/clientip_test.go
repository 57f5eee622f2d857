package server

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies configured", "203.0.113.7:5555", []string{"198.51.100.1"}, nil, "203.0.113.7"},
		{"untrusted peer's header ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, trusted, "203.0.113.7"},
		{"trusted peer, one hop", "10.1.2.3:5555", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"spoofed left entries ignored", "10.1.2.3:5555", []string{"1.2.3.4, 198.51.100.1"}, trusted, "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:5555", []string{"1.2.3.4, 198.51.100.1, 10.9.9.9"}, trusted, "198.51.100.1"},
		{"several headers", "10.1.2.3:5555", []string{"1.2.3.4", "198.51.100.1, 10.0.0.5"}, trusted, "198.51.100.1"},
		{"all trusted", "10.1.2.3:5555", []string{"10.0.0.9"}, trusted, "10.0.0.9"},
		{"no header", "10.1.2.3:5555", nil, trusted, "10.1.2.3"},
		{"garbage entry stops the walk", "10.1.2.3:5555", []string{"198.51.100.1, bogus"}, trusted, "10.1.2.3"},
		{"IPv6 peer", "[::1]:5555", []string{"2001:db8::1"}, trusted, "2001:db8::1"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:5555", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"IPv6 untrusted", "[2001:db8::2]:5555", []string{"198.51.100.1"}, trusted, "2001:db8::2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r, tc.trusted); got != tc.want {
				t.Fatalf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}
