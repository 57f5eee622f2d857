package server

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wardauth/ward/auth"
)

// cookieNames are the names of cookie mode's three cookies, and whether
// they carry Secure.
//
// The access and CSRF cookies have the __Host- prefix: Secure, Path=/, no
// Domain, so that no other host (a sibling subdomain) can set or shadow
// them ([RFC 6265bis, Section 4.1.3.2]). The refresh cookie is scoped to
// Path=/v1/auth, so that only refresh and logout ever receive it; __Host-
// requires Path=/, so it has the __Secure- prefix instead, and no Domain
// (a host-only cookie).
//
// [RFC 6265bis, Section 4.1.3.2]: https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3.2
type cookieNames struct {
	access, refresh, csrf string
	secure                bool
}

var (
	secureCookies = cookieNames{access: "__Host-ward-access", refresh: "__Secure-ward-refresh", csrf: "__Host-ward-csrf", secure: true}
	// devCookies are used, only with [Config.InsecureLoopbackCookies],
	// for plain-HTTP requests from and to loopback: without Secure, and
	// so without the prefixes, which require it.
	devCookies = cookieNames{access: "ward-access", refresh: "ward-refresh", csrf: "ward-csrf"}
)

// refreshCookiePath is the Path of the refresh cookie: refresh and logout
// both lie under it.
const refreshCookiePath = "/v1/auth"

// cookies returns the cookie names r is answered and read with.
func (s *Server) cookies(r *http.Request) cookieNames {
	if s.cfg.InsecureLoopbackCookies && r.TLS == nil && isLoopbackHost(r.Host) && isLoopbackPeer(r.RemoteAddr) {
		return devCookies
	}
	return secureCookies
}

// isLoopbackHost reports whether a Host header names loopback:
// "localhost" (or a name under it) or a loopback IP address, with or
// without a port.
func isLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func isLoopbackPeer(remoteAddr string) bool {
	h, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// cookieValue returns the value of the cookie name in r, or "" if there
// is none or more than one (a second cookie of the same name can only
// come from someone trying to shadow Ward's).
func cookieValue(r *http.Request, name string) string {
	cs := r.CookiesNamed(name)
	if len(cs) != 1 {
		return ""
	}
	return cs[0].Value
}

// newCookie returns a cookie of cookie mode: HttpOnly, SameSite=Strict,
// Secure unless names are the loopback development names.
func newCookie(names cookieNames, name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		HttpOnly: true,
		Secure:   names.secure,
		SameSite: http.SameSiteStrictMode,
	}
	switch {
	case maxAge > 0:
		c.MaxAge = int(maxAge / time.Second)
	case maxAge < 0:
		c.MaxAge = -1 // Max-Age=0: delete
	}
	return c
}

// setSessionCookies sets the access, refresh and CSRF cookies of a login
// or refresh. The access cookie lives as long as the access token, the
// refresh and CSRF cookies as long as a session can.
func (s *Server) setSessionCookies(w http.ResponseWriter, names cookieNames, tp *auth.TokenPair, csrf string) {
	life := s.svc.Config().SessionAbsoluteTTL
	http.SetCookie(w, newCookie(names, names.access, tp.AccessToken, "/", time.Duration(tp.ExpiresIn)*time.Second))
	http.SetCookie(w, newCookie(names, names.refresh, tp.RefreshToken, refreshCookiePath, life))
	http.SetCookie(w, newCookie(names, names.csrf, csrf, "/", life))
}

// clearSessionCookies deletes the three cookies.
func clearSessionCookies(w http.ResponseWriter, names cookieNames) {
	http.SetCookie(w, newCookie(names, names.access, "", "/", -1))
	http.SetCookie(w, newCookie(names, names.refresh, "", refreshCookiePath, -1))
	http.SetCookie(w, newCookie(names, names.csrf, "", "/", -1))
}

// cookieTokenJSON is the body of a login or refresh in cookie mode: no
// token, only when the access token expires (so that the app can refresh
// ahead of time) and the CSRF token to send in [csrfHeader].
type cookieTokenJSON struct {
	ExpiresIn int    `json:"expires_in"`
	CSRFToken string `json:"csrf_token"`
}

// Token modes: how login and refresh deliver tokens.
const (
	modeBody   = "body"
	modeCookie = "cookie"
)

func checkMode(mode string) (cookie bool, err error) {
	switch mode {
	case "", modeBody:
		return false, nil
	case modeCookie:
		return true, nil
	}
	return false, auth.Errorf(auth.CodeInvalidRequest, `Unknown mode %q: use "body" or "cookie".`, truncate(mode, 32))
}

// cookieSession returns the session the request's cookies name: that of
// a valid access cookie, else that of a refresh cookie with a valid MAC,
// else "". The access claims are returned when the access cookie is valid.
func (s *Server) cookieSession(r *http.Request, names cookieNames) (string, *auth.AccessClaims) {
	if tok := cookieValue(r, names.access); tok != "" {
		if c, err := s.authenticator(r).Verify(r.Context(), tok); err == nil && c.SessionID != "" {
			return c.SessionID, accessClaims(c)
		}
	}
	if tok := cookieValue(r, names.refresh); tok != "" {
		if sid, ok := s.svc.RefreshSessionID(tok); ok {
			return sid, nil
		}
	}
	return "", nil
}

// handleCSRF: GET /v1/auth/csrf → {"csrf_token":"…"}, and the same token
// in the CSRF cookie: bound to the session of the request's cookies, or a
// pre-session token for a login.
func (s *Server) handleCSRF(w http.ResponseWriter, r *http.Request) {
	names := s.cookies(r)
	sid, _ := s.cookieSession(r, names)
	tok, err := s.svc.CSRFToken(sid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var life time.Duration // pre-session: until the browser closes
	if sid != "" {
		life = s.svc.Config().SessionAbsoluteTTL
	}
	http.SetCookie(w, newCookie(names, names.csrf, tok, "/", life))
	writeJSON(w, http.StatusOK, map[string]string{"csrf_token": tok})
}

// loginCookie completes a cookie-mode login: the CSRF check (a
// pre-session token, or one bound to the session the request's cookies
// already name) before the password is even looked at, then the login.
func (s *Server) loginCookie(w http.ResponseWriter, r *http.Request, req *loginRequest) {
	names := s.cookies(r)
	sid, _ := s.cookieSession(r, names)
	if err := s.checkCSRF(r, names, ""); err != nil {
		if sid == "" || s.checkCSRF(r, names, sid) != nil {
			s.writeError(w, r, err)
			return
		}
	}
	tp, err := s.svc.Login(r.Context(), req.Email, req.Password, meta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeCookieTokens(w, r, names, tp)
}

func (s *Server) writeCookieTokens(w http.ResponseWriter, r *http.Request, names cookieNames, tp *auth.TokenPair) {
	csrf, err := s.svc.CSRFToken(tp.SessionID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSessionCookies(w, names, tp, csrf)
	writeJSON(w, http.StatusOK, cookieTokenJSON{ExpiresIn: tp.ExpiresIn, CSRFToken: csrf})
}

// refreshCookie completes a cookie-mode refresh: the refresh cookie's
// session must match the CSRF token. A refresh token the service refuses
// (ended session, reuse, bad MAC) clears the cookies.
func (s *Server) refreshCookie(w http.ResponseWriter, r *http.Request) {
	names := s.cookies(r)
	rt := cookieValue(r, names.refresh)
	if rt == "" {
		s.writeError(w, r, auth.Errorf(auth.CodeInvalidToken, "There is no refresh cookie."))
		return
	}
	sid, ok := s.svc.RefreshSessionID(rt)
	if !ok {
		clearSessionCookies(w, names)
		s.writeError(w, r, auth.Errorf(auth.CodeInvalidToken, "The refresh token is invalid."))
		return
	}
	if err := s.checkCSRF(r, names, sid); err != nil {
		s.writeError(w, r, err)
		return
	}
	tp, err := s.svc.Refresh(r.Context(), rt, meta(r))
	if err != nil {
		switch auth.ErrorCode(err) {
		case auth.CodeInvalidToken, auth.CodeSessionEnded, auth.CodeTokenReused:
			clearSessionCookies(w, names)
		}
		s.writeError(w, r, err)
		return
	}
	s.writeCookieTokens(w, r, names, tp)
}

// hasSessionCookie reports whether r carries an access or refresh cookie.
func hasSessionCookie(r *http.Request, names cookieNames) bool {
	return cookieValue(r, names.access) != "" || cookieValue(r, names.refresh) != ""
}

// logoutCookie ends the session of a cookie-authenticated request: with
// the access cookie's claims while it is valid, else with the refresh
// cookie, so that a logout after the access cookie expired still ends the
// session. The cookies are cleared.
func (s *Server) logoutCookie(w http.ResponseWriter, r *http.Request) {
	names := s.cookies(r)
	sid, claims := s.cookieSession(r, names)
	if sid == "" {
		clearSessionCookies(w, names)
		s.invalidToken(w, r)
		return
	}
	if err := s.checkCSRF(r, names, sid); err != nil {
		s.writeError(w, r, err)
		return
	}
	var req logoutRequest
	if err := s.decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	var err error
	if claims != nil {
		err = s.svc.Logout(r.Context(), claims, auth.LogoutScope(req.Scope), meta(r))
	} else {
		err = s.svc.LogoutRefresh(r.Context(), cookieValue(r, names.refresh), auth.LogoutScope(req.Scope), meta(r))
	}
	if err != nil && !auth.IsCode(err, auth.CodeInvalidToken) {
		s.writeError(w, r, err)
		return
	}
	clearSessionCookies(w, names)
	w.WriteHeader(http.StatusNoContent)
}
