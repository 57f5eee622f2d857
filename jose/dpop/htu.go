package dpop

import (
	"errors"
	"fmt"
	"strings"
)

// target is an http or https URI cut into the parts "htu" is compared on
// ([RFC 9449, Section 4.3], check 9): each is a substring of the URI,
// not yet normalized.
//
// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
type target struct {
	https bool
	host  string
	port  int // the default port of the scheme when the URI has none
	path  string
}

var (
	errNotHTTP   = errors.New("not an absolute http or https URI")
	errUserinfo  = errors.New("userinfo is not allowed in an http or https URI")
	errNoHost    = errors.New("no host")
	errBadPort   = errors.New("invalid port")
	errBadEscape = errors.New("invalid percent-encoding")
)

// parseTarget cuts an absolute http or https URI into its scheme, host,
// port and path, dropping the query and fragment. The scheme compares
// case-insensitively and an empty or absent port is the scheme's default
// ([RFC 3986, Section 6.2.3]).
//
// [RFC 3986, Section 6.2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3
func parseTarget(uri string) (target, error) {
	var t target
	scheme, rest, ok := strings.Cut(uri, "://")
	switch {
	case !ok:
		return t, errNotHTTP
	case strings.EqualFold(scheme, "https"):
		t.https, t.port = true, 443
	case strings.EqualFold(scheme, "http"):
		t.port = 80
	default:
		return t, errNotHTTP
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if strings.IndexByte(authority, '@') >= 0 {
		// RFC 9110, Section 4.2.4: senders must not generate userinfo.
		return t, errUserinfo
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		host, port = authority[:i], authority[i+1:]
	}
	if host == "" {
		return t, errNoHost
	}
	if port != "" {
		if len(port) > 5 {
			return t, errBadPort
		}
		n := 0
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return t, errBadPort
			}
			n = n*10 + int(port[i]-'0')
		}
		if n > 65535 {
			return t, errBadPort
		}
		t.port = n
	}
	if path == "" {
		path = "/" // RFC 3986, Section 6.2.3: an empty path is "/".
	}
	t.host, t.path = host, path
	return t, nil
}

// matchTarget compares "htu" with the request's URI: scheme, host
// (case-insensitively), port and path, after the syntax-based
// normalization of [RFC 3986, Section 6.2.2] (case of percent-encodings,
// unreserved characters decoded, dot segments removed), as [RFC 9449,
// Section 4.3] recommends. The query and fragment are ignored.
//
// [RFC 3986, Section 6.2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2
// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
func matchTarget(htu string, want target) error {
	got, err := parseTarget(htu)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrURIMismatch, htu, err)
	}
	if got.https != want.https || got.port != want.port {
		return fmt.Errorf("%w: %q has another scheme or port", ErrURIMismatch, htu)
	}
	gh, err1 := normalize(got.host, false)
	wh, err2 := normalize(want.host, false)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%w: %q: %v", ErrURIMismatch, htu, errBadEscape)
	}
	if !strings.EqualFold(gh, wh) {
		return fmt.Errorf("%w: %q has another host", ErrURIMismatch, htu)
	}
	gp, err1 := normalize(got.path, true)
	wp, err2 := normalize(want.path, true)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%w: %q: %v", ErrURIMismatch, htu, errBadEscape)
	}
	if gp != wp {
		return fmt.Errorf("%w: %q has another path", ErrURIMismatch, htu)
	}
	return nil
}

// normalize applies the percent-encoding normalizations of [RFC 3986,
// Section 6.2.2] to s: escapes of unreserved characters are decoded, the
// others written in upper case; for a path, dot segments are then removed
// (Section 5.2.4). It returns s itself when there is nothing to change.
//
// [RFC 3986, Section 6.2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2
func normalize(s string, path bool) (string, error) {
	pct := strings.IndexByte(s, '%') >= 0
	if !pct && !(path && hasDotSegment(s)) {
		return s, nil
	}
	if pct {
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			if s[i] != '%' {
				b = append(b, s[i])
				continue
			}
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", errBadEscape
			}
			c := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(c) {
				b = append(b, c)
			} else {
				b = append(b, '%', upperHex(s[i+1]), upperHex(s[i+2]))
			}
			i += 2
		}
		s = string(b)
	}
	if path {
		s = removeDotSegments(s)
	}
	return s, nil
}

// hasDotSegment reports whether the path p has a "." or ".." segment.
func hasDotSegment(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// removeDotSegments is the algorithm of [RFC 3986, Section 5.2.4] for an
// absolute path.
//
// [RFC 3986, Section 5.2.4]: https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4
func removeDotSegments(p string) string {
	var out []string
	segs := strings.Split(p, "/")[1:] // p starts with "/"
	for i, seg := range segs {
		last := i == len(segs)-1
		switch seg {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

// isUnreserved reports whether c is an unreserved character ([RFC 3986,
// Section 2.3]).
//
// [RFC 3986, Section 2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-2.3
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
