package httpauth

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Default names of [CookieConfig]: those of Ward's cookie mode.
const (
	DefaultAccessCookie = "__Host-ward-access"
	DefaultCSRFCookie   = "__Host-ward-csrf"
	DefaultCSRFHeader   = "X-CSRF-Token"
)

// CookieConfig makes the authenticator accept the access token from the
// access cookie of Ward's cookie mode, for a request without an
// Authorization header. A state-changing request (any method but GET, HEAD
// and OPTIONS, [RFC 9110, Section 9.2.1]) authenticated by the cookie must
// then pass the server's CSRF rule, as the [OWASP CSRF Prevention Cheat
// Sheet] recommends, in depth:
//
//   - Sec-Fetch-Site, when the browser sends it, is same-origin or
//     same-site;
//   - Origin is present and is the request's own origin (the scheme of
//     the connection and the Host header) or one of AllowedOrigins;
//   - the CSRF header equals the CSRF cookie (double submit: a page of
//     another site can neither read the cookie nor set a __Host- cookie);
//   - and, if VerifyCSRFToken is set, the token is bound to the access
//     token's session.
//
// A resource server does not hold the auth server's CSRF secret, so it
// cannot check the binding itself: it gets the first three checks, which
// are what the binding protects in depth (the __Host- prefix already keeps
// a sibling subdomain from planting a CSRF cookie). The auth server plugs
// its signed check into VerifyCSRFToken.
//
// [RFC 9110, Section 9.2.1]: https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
// [OWASP CSRF Prevention Cheat Sheet]: https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
type CookieConfig struct {
	// Name is the access cookie. Empty: [DefaultAccessCookie].
	Name string
	// CSRFCookie is the cookie holding the CSRF token. Empty:
	// [DefaultCSRFCookie].
	CSRFCookie string
	// CSRFHeader is the request header carrying the CSRF token. Empty:
	// [DefaultCSRFHeader].
	CSRFHeader string
	// AllowedOrigins are origins ("https://app.example": scheme, host and
	// port, exactly as browsers send Origin) from which a
	// cookie-authenticated request may change state, besides the
	// request's own. Behind a TLS-terminating proxy the request's own
	// origin is seen as http://, so list the public origin here. Empty:
	// only the request's own origin.
	AllowedOrigins []string
	// VerifyCSRFToken, if set, reports whether token is a CSRF token bound
	// to the session sid; it is called after the other checks pass. Nil:
	// the double submit is not bound to the session.
	VerifyCSRFToken func(sid, token string) bool
}

// cookieRule is a checked [CookieConfig] with its defaults applied.
type cookieRule struct {
	name, csrfCookie, csrfHeader string
	origins                      map[string]bool
	verify                       func(sid, token string) bool
}

func newCookieRule(c *CookieConfig) (*cookieRule, error) {
	r := &cookieRule{
		name:       orDefault(c.Name, DefaultAccessCookie),
		csrfCookie: orDefault(c.CSRFCookie, DefaultCSRFCookie),
		csrfHeader: http.CanonicalHeaderKey(orDefault(c.CSRFHeader, DefaultCSRFHeader)),
		origins:    make(map[string]bool),
		verify:     c.VerifyCSRFToken,
	}
	for _, n := range []string{r.name, r.csrfCookie} {
		if !isHTTPToken(n) {
			return nil, fmt.Errorf("%w: cookie name %q is not an HTTP token", errConfig, n)
		}
	}
	if r.name == r.csrfCookie {
		return nil, fmt.Errorf("%w: the access and CSRF cookies have the same name %q", errConfig, r.name)
	}
	if !isHTTPToken(r.csrfHeader) {
		return nil, fmt.Errorf("%w: CSRF header %q is not an HTTP token", errConfig, r.csrfHeader)
	}
	for _, o := range c.AllowedOrigins {
		if !isOrigin(o) {
			return nil, fmt.Errorf("%w: allowed origin %q is not an origin (scheme://host[:port], lower case, no path)", errConfig, o)
		}
		r.origins[o] = true
	}
	return r, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// isHTTPToken reports whether s is a token ([RFC 9110, Section 5.6.2]),
// as cookie and header names must be.
//
// [RFC 9110, Section 5.6.2]: https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// isOrigin reports whether s is a serialized origin as browsers send it:
// http or https, a host, an optional port, nothing else, in lower case.
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil && u.Opaque == "" &&
		s == u.Scheme+"://"+u.Host && s == strings.ToLower(s)
}

// check applies the CSRF rule to a request authenticated by the cookie
// whose token names session sid: to a state-changing one.
func (c *cookieRule) check(r *http.Request, sid string) error {
	if isSafeMethod(r.Method) {
		return nil
	}
	return c.checkAlways(r, sid)
}

// checkAlways is check for a request of any method.
func (c *cookieRule) checkAlways(r *http.Request, sid string) error {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "same-site":
	default:
		return ErrCSRF
	}
	if !c.allowedOrigin(r, r.Header.Get("Origin")) {
		return ErrCSRF
	}
	vals := r.Header.Values(c.csrfHeader)
	if len(vals) != 1 || vals[0] == "" {
		return ErrCSRF
	}
	tok, cookie := vals[0], cookieValue(r, c.csrfCookie)
	if subtle.ConstantTimeCompare([]byte(tok), []byte(cookie)) != 1 {
		return ErrCSRF
	}
	if c.verify != nil && !c.verify(sid, tok) {
		return ErrCSRF
	}
	return nil
}

// CheckCSRF applies the CSRF rule of [CookieConfig] to r, whatever its
// method, as a request authenticated by a cookie of the session sid ("" for
// a request before any session, such as a login form's, if
// VerifyCSRFToken accepts that). It is for an auth server's own cookie
// endpoints (login, refresh, logout), which change state with cookies other
// than the access cookie; the middleware applies the rule itself. It
// returns nil or [ErrCSRF], which it also returns when [Config.Cookie] is
// nil.
func (a *Authenticator) CheckCSRF(r *http.Request, sid string) error {
	if a.cookie == nil {
		return ErrCSRF
	}
	return a.cookie.checkAlways(r, sid)
}

// allowedOrigin reports whether origin may change state with cookies.
// "null" and a missing Origin never may.
func (c *cookieRule) allowedOrigin(r *http.Request, origin string) bool {
	if origin == "" || origin == "null" {
		return false
	}
	if c.origins[origin] {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return r.Host != "" && strings.EqualFold(origin, scheme+"://"+r.Host)
}

// isSafeMethod reports whether a request with method changes no state
// ([RFC 9110, Section 9.2.1]).
//
// [RFC 9110, Section 9.2.1]: https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
func isSafeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
