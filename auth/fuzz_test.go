package auth

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseRefreshToken: parsing never panics, and a token that parses is
// exactly the token made from what it parsed to (no malleability).
func FuzzParseRefreshToken(f *testing.F) {
	mac := bytes.Repeat([]byte{9}, 32)
	f.Add(makeRefreshToken(mac, newID(sessionIDLen), 0))
	f.Add(makeRefreshToken(mac, newID(sessionIDLen), 1<<63))
	f.Add("wrt_")
	f.Add("wrt_AQ")
	f.Fuzz(func(t *testing.T, tok string) {
		rt, ok := parseRefreshToken(mac, tok)
		if !ok {
			return
		}
		if again := makeRefreshToken(mac, rt.sessionID, rt.counter); again != tok {
			t.Fatalf("token %q parses but re-encodes as %q", tok, again)
		}
	})
}

// FuzzNormalizeEmail: normalization is idempotent and its output has no
// surrounding space and a lower-case domain.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{" Ann@Example.COM ", "a@b", "ü@ÄÖ.de", "a@@b", "x+y@sub.example.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		again, err := NormalizeEmail(n)
		if err != nil || again != n {
			t.Fatalf("NormalizeEmail(%q) = %q, then %q, %v", s, n, again, err)
		}
		if strings.TrimSpace(n) != n {
			t.Fatalf("%q has surrounding space", n)
		}
		_, domain, _ := strings.Cut(n, "@")
		if strings.ToLower(domain) != domain {
			t.Fatalf("domain of %q is not lower-case", n)
		}
	})
}
