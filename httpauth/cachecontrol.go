package httpauth

import (
	"strings"
	"time"
)

// maxAgeCeiling is the largest max-age read, in seconds: [RFC 9111,
// Section 1.2.2] has caches treat anything larger as 2^31.
//
// [RFC 9111, Section 1.2.2]: https://www.rfc-editor.org/rfc/rfc9111#section-1.2.2
const maxAgeCeiling = 1 << 31

// cacheLifetime returns how long a response with the Cache-Control header
// values vals may be used, and whether the header said so: "max-age=N"
// gives N seconds; "no-store" or "no-cache" give zero; a header without
// either, or a malformed max-age (not digits, or given twice with
// different values, [RFC 9111, Section 4.2.1]) gives ok false. Directive
// names are case-insensitive; other directives are ignored.
//
// [RFC 9111, Section 4.2.1]: https://www.rfc-editor.org/rfc/rfc9111#section-4.2.1
func cacheLifetime(vals []string) (d time.Duration, ok bool) {
	var (
		maxAge   int64 = -1
		noCache  bool
		conflict bool
	)
	for _, v := range vals {
		for dir := range strings.SplitSeq(v, ",") {
			name, arg, hasArg := strings.Cut(strings.TrimSpace(dir), "=")
			name = strings.TrimSpace(name)
			switch {
			case strings.EqualFold(name, "no-store"), strings.EqualFold(name, "no-cache"):
				noCache = true
			case strings.EqualFold(name, "max-age"):
				n, valid := deltaSeconds(strings.TrimSpace(arg))
				if !hasArg || !valid || maxAge >= 0 && maxAge != n {
					conflict = true
					continue
				}
				maxAge = n
			}
		}
	}
	switch {
	case noCache:
		return 0, true
	case conflict:
		return 0, true // an invalid max-age means stale (Section 4.2.1)
	case maxAge < 0:
		return 0, false
	}
	return time.Duration(maxAge) * time.Second, true
}

// deltaSeconds parses delta-seconds ([RFC 9111, Section 1.2.2]), also in
// the quoted form RFC 9111 asks recipients to accept, capped at
// [maxAgeCeiling].
//
// [RFC 9111, Section 1.2.2]: https://www.rfc-editor.org/rfc/rfc9111#section-1.2.2
func deltaSeconds(s string) (int64, bool) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < maxAgeCeiling {
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, maxAgeCeiling), true
}
