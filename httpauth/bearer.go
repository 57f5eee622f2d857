package httpauth

import (
	"net/http"
	"strings"
)

// MaxTokenSize is the largest access token, in bytes, the authenticator
// reads from a header or cookie; a longer one is invalid. It is the
// default maximum of package jwt.
const MaxTokenSize = 16 << 10

// bearerToken reads the token of "Authorization: Bearer <token>" ([RFC
// 6750, Section 2.1]). present reports that the request carries an
// Authorization header meant as Bearer credentials (so that a malformed
// one is an invalid token, not a missing one); ok that token is well
// formed. Another scheme ("Basic …") is no Bearer credential at all.
// Two Authorization headers are malformed.
//
// [RFC 6750, Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
func bearerToken(h http.Header) (token string, present, ok bool) {
	vals := h.Values("Authorization")
	if len(vals) == 0 {
		return "", false, false
	}
	if len(vals) > 1 {
		return "", true, false
	}
	return parseBearer(vals[0])
}

// parseBearer is [bearerToken] for one header value.
func parseBearer(v string) (token string, present, ok bool) {
	const scheme = "bearer"
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", false, false
	}
	if len(v) == len(scheme) || v[len(scheme)] != ' ' {
		// "Bearer" alone, "Bearer\t…": a malformed Bearer header; or
		// "Bearerx…": another scheme that starts with "Bearer".
		return "", len(v) == len(scheme) || v[len(scheme)] == '\t', false
	}
	tok := v[len(scheme)+1:]
	if len(tok) > MaxTokenSize || !isToken68(tok) {
		return "", true, false
	}
	return tok, true, true
}

// isToken68 reports whether s matches token68 ([RFC 9110, Section 11.2]):
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
//
// [RFC 9110, Section 11.2]: https://www.rfc-editor.org/rfc/rfc9110#section-11.2
func isToken68(s string) bool {
	i := 0
	for i < len(s) && token68Char[s[i]] {
		i++
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// token68Char[c] reports whether c may appear in a token68 before its
// trailing "=" padding.
var token68Char = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/") {
		t[c] = true
	}
	return t
}()

// cookieValue returns the value of the cookie name in r, or "" if there
// is none or more than one (a second cookie of the same name can only
// come from someone trying to shadow the real one).
func cookieValue(r *http.Request, name string) string {
	cs := r.CookiesNamed(name)
	if len(cs) != 1 {
		return ""
	}
	return cs[0].Value
}
