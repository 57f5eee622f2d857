package auth

import (
	"bytes"
	"encoding/base64"
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

// FuzzCheckCSRFToken: checking never panics; a token is accepted only for
// the binding it was made for, and only in its one canonical encoding
// (no malleability).
func FuzzCheckCSRFToken(f *testing.F) {
	key := csrfKey(bytes.Repeat([]byte{7}, 32))
	const sid = "0123456789abcdef0123456789abcdef"
	nonce := bytes.Repeat([]byte{1}, csrfNonceLen)
	f.Add(makeCSRFToken(key, sid, nonce))
	f.Add(makeCSRFToken(key, "", nonce))
	f.Add("cw")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		for _, binding := range []string{"", sid} {
			if !checkCSRFToken(key, binding, tok) {
				continue
			}
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil || makeCSRFToken(key, binding, raw[1:1+csrfNonceLen]) != tok {
				t.Fatalf("token %q accepted for %q but is not the token made from its nonce", tok, binding)
			}
			other := map[string]string{"": sid, sid: ""}[binding]
			if checkCSRFToken(key, other, tok) {
				t.Fatalf("token %q accepted for two bindings", tok)
			}
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
