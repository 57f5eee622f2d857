package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/wardauth/ward/auth"
)

// csrfHeader is the request header that carries the CSRF token of a
// state-changing request authenticated by cookie.
const csrfHeader = "X-CSRF-Token"

// codeCSRF (403) refuses a state-changing request authenticated by cookie
// whose CSRF token or Origin is missing or wrong. The app should fetch a
// new token (GET /v1/auth/csrf) and try once more.
const codeCSRF = "csrf_failed"

var errCSRF = auth.Errorf(codeCSRF, "The request failed the cross-site request forgery check: send the CSRF token in X-CSRF-Token from an allowed origin.")

// checkCSRF checks a state-changing request that is authenticated by
// cookie (or, for a cookie-mode login, that sets cookies), as the [OWASP
// CSRF Prevention Cheat Sheet] recommends, in depth, with the one rule of
// Ward ([httpauth.CookieConfig], which the protected endpoints' middleware
// applies too):
//
//   - Sec-Fetch-Site, when the browser sends it, is same-origin or
//     same-site (never cross-site, nor none: a navigation the user typed);
//   - Origin is present and is the server's own origin (that of the
//     issuer, or the scheme and Host of the request) or one of
//     [Config.CORSOrigins];
//   - the X-CSRF-Token header equals the CSRF cookie (double submit), and
//     its signature binds it to the session sid ("" for a pre-session
//     token), so that a token of another session, or one made up, fails.
//
// [OWASP CSRF Prevention Cheat Sheet]: https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
func (s *Server) checkCSRF(r *http.Request, names cookieNames, sid string) error {
	a := s.authn
	if names == devCookies {
		a = s.authnDev
	}
	if a.CheckCSRF(r, sid) != nil {
		return errCSRF
	}
	return nil
}

// originOf returns the origin (scheme://host[:port]) of an absolute URL,
// or "".
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
