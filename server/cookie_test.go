package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

// browser is a cookie-mode client of e: it keeps the cookies the server
// sets (honouring Path and deletion) and sends Origin and the CSRF token
// as a browser app would.
type browser struct {
	e      *env
	origin string
	jar    map[string]*http.Cookie
	csrf   string
}

func newBrowser(e *env) *browser {
	return &browser{e: e, origin: e.hs.URL, jar: map[string]*http.Cookie{}}
}

// cookieHeader returns the Cookie header a browser sends to path.
func (b *browser) cookieHeader(path string) string {
	var parts []string
	for _, c := range b.jar {
		if c.Path == "/" || path == c.Path || strings.HasPrefix(path, c.Path+"/") {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// do sends a request with the jar's cookies, Origin and X-CSRF-Token
// (each left out when empty; headers may override them), and stores the
// cookies of the answer.
func (b *browser) do(method, path string, body any, headers ...string) *response {
	b.e.t.Helper()
	h := []string{}
	if c := b.cookieHeader(path); c != "" {
		h = append(h, "Cookie", c)
	}
	if b.origin != "" {
		h = append(h, "Origin", b.origin)
	}
	if b.csrf != "" {
		h = append(h, "X-CSRF-Token", b.csrf)
	}
	r := b.e.do(method, path, body, append(h, headers...)...)
	for _, c := range setCookies(r) {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	if tok := csrfOf(r); tok != "" {
		b.csrf = tok
	}
	return r
}

func setCookies(r *response) []*http.Cookie {
	return (&http.Response{Header: r.header}).Cookies()
}

func csrfOf(r *response) string {
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "json") {
		return ""
	}
	var m struct {
		CSRFToken string `json:"csrf_token"`
	}
	json.Unmarshal(r.body, &m)
	return m.CSRFToken
}

// login fetches a pre-session CSRF token and logs in in cookie mode.
func (b *browser) login(email, password string) *response {
	b.e.t.Helper()
	expectStatus(b.e.t, b.do("GET", "/v1/auth/csrf", nil), http.StatusOK)
	return b.do("POST", "/v1/auth/login", map[string]string{"email": email, "password": password, "mode": "cookie"})
}

const (
	accessCookie  = "__Host-ward-access"
	refreshCookie = "__Secure-ward-refresh"
	csrfCookie    = "__Host-ward-csrf"
)

// TestCookieAttributes checks every attribute of cookie mode's cookies
// (RFC 6265bis §4.1.3 for the prefixes, §5.6.7 SameSite) and the bodies:
// expires_in and a CSRF token, never a token.
func TestCookieAttributes(t *testing.T) {
	e := newEnv(t)
	e.signup("cookie@example.com")
	b := newBrowser(e)

	r := b.do("GET", "/v1/auth/csrf", nil)
	expectStatus(t, r, http.StatusOK)
	cs := setCookies(r)
	if len(cs) != 1 || cs[0].Name != csrfCookie || cs[0].MaxAge != 0 || cs[0].Value != r.str(t, "csrf_token") {
		t.Fatalf("pre-session CSRF cookie %v, body %s", cs, r.body)
	}
	checkCookie(t, cs[0], "/")

	r = b.do("POST", "/v1/auth/login", map[string]string{"email": "cookie@example.com", "password": testPassword, "mode": "cookie"})
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	if m["expires_in"] != float64(600) || m["csrf_token"] == "" || m["access_token"] != nil || m["refresh_token"] != nil || len(m) != 2 {
		t.Fatalf("cookie-mode login body %s", r.body)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login Cache-Control %q", r.header.Get("Cache-Control"))
	}
	want := map[string]struct {
		path   string
		maxAge int
	}{
		accessCookie:  {"/", 600},
		refreshCookie: {"/v1/auth", int(auth.DefaultSessionAbsoluteTTL / time.Second)},
		csrfCookie:    {"/", int(auth.DefaultSessionAbsoluteTTL / time.Second)},
	}
	cs = setCookies(r)
	if len(cs) != len(want) {
		t.Fatalf("login set %d cookies: %v", len(cs), r.header.Values("Set-Cookie"))
	}
	for _, c := range cs {
		w, ok := want[c.Name]
		if !ok || c.MaxAge != w.maxAge || c.Value == "" {
			t.Fatalf("cookie %s: Max-Age %d, want %+v", c, c.MaxAge, w)
		}
		checkCookie(t, c, w.path)
	}
	if b.jar[csrfCookie].Value != m["csrf_token"] {
		t.Fatal("the CSRF cookie is not the body's token")
	}

	// The access cookie authenticates GET /v1/me without a CSRF token.
	r = b.do("GET", "/v1/me", nil, "X-CSRF-Token", "")
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "email") != "cookie@example.com" {
		t.Fatalf("%s", r.body)
	}

	// A refresh: no body, the refresh cookie, the same attributes.
	old := b.jar[refreshCookie].Value
	r = b.do("POST", "/v1/auth/refresh", nil)
	expectStatus(t, r, http.StatusOK)
	if r.json(t)["expires_in"] != float64(600) || r.json(t)["refresh_token"] != nil || b.jar[refreshCookie].Value == old {
		t.Fatalf("refresh: %s, cookies %v", r.body, r.header.Values("Set-Cookie"))
	}
	for _, c := range setCookies(r) {
		checkCookie(t, c, want[c.Name].path)
	}

	// Logout clears all three cookies and ends the session.
	r = b.do("POST", "/v1/auth/logout", nil)
	expectStatus(t, r, http.StatusNoContent)
	cs = setCookies(r)
	if len(cs) != 3 || len(b.jar) != 0 {
		t.Fatalf("logout cookies %v", r.header.Values("Set-Cookie"))
	}
	for _, c := range cs {
		if c.MaxAge != -1 || c.Value != "" {
			t.Fatalf("logout cookie %s is not a deletion", c)
		}
		checkCookie(t, c, want[c.Name].path)
	}
	if n := e.sessionCount("cookie@example.com"); n != 0 {
		t.Fatalf("%d sessions live after logout", n)
	}
	if r := e.refresh(old); r.status != http.StatusUnauthorized {
		t.Fatalf("refresh after logout: %d %s", r.status, r.body)
	}
}

// checkCookie asserts the attributes every cookie of cookie mode has:
// HttpOnly, Secure, SameSite=Strict, no Domain, and the path.
func checkCookie(tb testing.TB, c *http.Cookie, path string) {
	tb.Helper()
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Domain != "" || c.Path != path {
		tb.Fatalf("cookie %q: HttpOnly %v Secure %v SameSite %v Domain %q Path %q, want HttpOnly Secure Strict no Domain Path %s",
			c.Name, c.HttpOnly, c.Secure, c.SameSite, c.Domain, c.Path, path)
	}
	// RFC 6265bis §4.1.3.2: __Host- means Path=/; §4.1.3.1: __Secure- means Secure.
	if strings.HasPrefix(c.Name, "__Host-") && c.Path != "/" {
		tb.Fatalf("%s has Path %s", c.Name, c.Path)
	}
}

// sessionCount counts the live sessions of the user email.
func (e *env) sessionCount(email string) int {
	e.t.Helper()
	u, err := e.svc.UserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	list, err := e.svc.Sessions(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(list)
}

// TestCookieCSRF: every state change authenticated by cookie — login,
// refresh, logout, password change, ending a session — with a missing,
// forged or other session's CSRF token, a token that is not the cookie's,
// a foreign or missing Origin, or Sec-Fetch-Site cross-site, gets 403
// csrf_failed and changes nothing.
func TestCookieCSRF(t *testing.T) {
	e := newEnv(t)
	e.signup("victim@example.com")
	e.signup("attacker@example.com")
	victim := newBrowser(e)
	expectStatus(t, victim.login("victim@example.com", testPassword), http.StatusOK)
	attacker := newBrowser(e)
	expectStatus(t, attacker.login("attacker@example.com", testPassword), http.StatusOK)
	other := newBrowser(e) // a second session of the victim
	expectStatus(t, other.login("victim@example.com", testPassword), http.StatusOK)
	otherSID := sessionOf(t, other)

	pre := newBrowser(e) // a browser with a pre-session token only
	expectStatus(t, pre.do("GET", "/v1/auth/csrf", nil), http.StatusOK)

	forged := forgeCSRF(victim.csrf)
	attacks := []struct {
		name string
		mod  func(h map[string]string)
	}{
		{"no token", func(h map[string]string) { delete(h, "X-CSRF-Token") }},
		{"forged token in header and cookie", func(h map[string]string) {
			h["X-CSRF-Token"] = forged
			h["Cookie"] = strings.Replace(h["Cookie"], victim.csrf, forged, 1)
		}},
		{"other session's token in header and cookie", func(h map[string]string) {
			h["X-CSRF-Token"] = attacker.csrf
			h["Cookie"] = strings.Replace(h["Cookie"], victim.csrf, attacker.csrf, 1)
		}},
		{"pre-session token", func(h map[string]string) {
			h["X-CSRF-Token"] = pre.csrf
			h["Cookie"] = strings.Replace(h["Cookie"], victim.csrf, pre.csrf, 1)
		}},
		{"header is not the cookie", func(h map[string]string) { h["X-CSRF-Token"] = other.csrf }},
		{"foreign Origin", func(h map[string]string) { h["Origin"] = "https://evil.example" }},
		{"Origin null", func(h map[string]string) { h["Origin"] = "null" }},
		{"no Origin", func(h map[string]string) { delete(h, "Origin") }},
		{"Sec-Fetch-Site cross-site", func(h map[string]string) { h["Sec-Fetch-Site"] = "cross-site" }},
	}
	changes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/me/password", map[string]string{"current_password": testPassword, "new_password": newPassword}},
		{"DELETE", "/v1/me/sessions/" + otherSID, nil},
		{"POST", "/v1/auth/logout", map[string]string{"scope": "all"}},
		{"POST", "/v1/auth/refresh", nil},
	}
	counter := sessionCounter(t, e, sessionOf(t, victim))
	for _, ch := range changes {
		for _, a := range attacks {
			t.Run(ch.method+" "+ch.path+"/"+a.name, func(t *testing.T) {
				h := map[string]string{
					"Cookie":       victim.cookieHeader(ch.path),
					"Origin":       victim.origin,
					"X-CSRF-Token": victim.csrf,
				}
				a.mod(h)
				var hs []string
				for k, v := range h {
					hs = append(hs, k, v)
				}
				r := e.do(ch.method, ch.path, ch.body, hs...)
				expectStatus(t, r, http.StatusForbidden)
				if r.errorCode(t) != "csrf_failed" || len(setCookies(r)) != 0 {
					t.Fatalf("%s; cookies %v", r.body, r.header.Values("Set-Cookie"))
				}
			})
		}
	}
	// Nothing changed: both sessions live, the refresh counter as it was,
	// the password the old one.
	if n := e.sessionCount("victim@example.com"); n != 2 {
		t.Fatalf("%d live sessions of the victim, want 2", n)
	}
	if c := sessionCounter(t, e, sessionOf(t, victim)); c != counter {
		t.Fatalf("the session's refresh counter moved from %d to %d", counter, c)
	}
	expectStatus(t, victim.do("GET", "/v1/me", nil), http.StatusOK)

	// Login CSRF: a cookie-mode login needs a pre-session token from an
	// allowed origin; refused ones create no session and set no cookie.
	before := e.sessionCount("attacker@example.com")
	login := map[string]string{"email": "attacker@example.com", "password": testPassword, "mode": "cookie"}
	for _, a := range attacks {
		if a.name == "pre-session token" {
			continue
		}
		t.Run("login/"+a.name, func(t *testing.T) {
			h := map[string]string{"Cookie": pre.cookieHeader("/v1/auth/login"), "Origin": pre.origin, "X-CSRF-Token": pre.csrf}
			a.mod(h)
			if a.name == "other session's token in header and cookie" || a.name == "forged token in header and cookie" {
				tok := map[bool]string{true: attacker.csrf, false: forgeCSRF(pre.csrf)}[strings.HasPrefix(a.name, "other")]
				h["X-CSRF-Token"], h["Cookie"] = tok, csrfCookie+"="+tok
			}
			var hs []string
			for k, v := range h {
				hs = append(hs, k, v)
			}
			r := e.do("POST", "/v1/auth/login", login, hs...)
			expectStatus(t, r, http.StatusForbidden)
			if r.errorCode(t) != "csrf_failed" || len(setCookies(r)) != 0 {
				t.Fatalf("%s; cookies %v", r.body, r.header.Values("Set-Cookie"))
			}
		})
	}
	if n := e.sessionCount("attacker@example.com"); n != before {
		t.Fatalf("refused logins made %d sessions", n-before)
	}

	// The same requests with the right token succeed.
	expectStatus(t, victim.do("POST", "/v1/auth/refresh", nil), http.StatusOK)
	expectStatus(t, victim.do("DELETE", "/v1/me/sessions/"+otherSID, nil), http.StatusNoContent)
	expectStatus(t, victim.do("POST", "/v1/me/password", map[string]string{"current_password": testPassword, "new_password": newPassword}), http.StatusNoContent)
	expectStatus(t, pre.do("POST", "/v1/auth/login", map[string]string{"email": "victim@example.com", "password": newPassword, "mode": "cookie"}), http.StatusOK)
	expectStatus(t, victim.do("POST", "/v1/auth/logout", nil), http.StatusNoContent)
}

// forgeCSRF changes one character of a CSRF token in its tag.
func forgeCSRF(tok string) string {
	b := []byte(tok)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// sessionOf returns the session of b's access cookie.
func sessionOf(tb testing.TB, b *browser) string {
	tb.Helper()
	c, err := b.e.svc.Authenticate(context.Background(), b.jar[accessCookie].Value)
	if err != nil {
		tb.Fatal(err)
	}
	return c.SessionID
}

func sessionCounter(tb testing.TB, e *env, sid string) uint64 {
	tb.Helper()
	var counter uint64
	err := e.db.View(context.Background(), func(tx auth.ReadTx) error {
		s, err := tx.Session(sid)
		if err == nil {
			counter = s.Counter
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return counter
}

// TestCookieLogoutExpiredAccess: after the access cookie expired, logout
// still ends the session, through the refresh cookie; and refresh works
// with the refresh cookie alone.
func TestCookieLogoutExpiredAccess(t *testing.T) {
	e := newEnv(t)
	e.signup("expired@example.com")
	b := newBrowser(e)
	expectStatus(t, b.login("expired@example.com", testPassword), http.StatusOK)
	e.clock.Advance(11 * time.Minute)
	expectStatus(t, b.do("GET", "/v1/me", nil), http.StatusUnauthorized)

	// A forged CSRF token does not end the session even so.
	r := b.do("POST", "/v1/auth/logout", nil, "X-CSRF-Token", forgeCSRF(b.csrf))
	expectStatus(t, r, http.StatusForbidden)
	if n := e.sessionCount("expired@example.com"); n != 1 {
		t.Fatalf("%d live sessions, want 1", n)
	}
	rt := b.jar[refreshCookie].Value
	r = b.do("POST", "/v1/auth/logout", nil)
	expectStatus(t, r, http.StatusNoContent)
	if n := e.sessionCount("expired@example.com"); n != 0 {
		t.Fatalf("%d live sessions after logout with an expired access cookie", n)
	}
	if r := e.refresh(rt); r.status != http.StatusUnauthorized || r.errorCode(t) != "session_ended" {
		t.Fatalf("refresh after logout: %d %s", r.status, r.body)
	}

	// Refresh with the refresh cookie alone (the access cookie gone).
	b2 := newBrowser(e)
	expectStatus(t, b2.login("expired@example.com", testPassword), http.StatusOK)
	e.clock.Advance(11 * time.Minute)
	delete(b2.jar, accessCookie)
	expectStatus(t, b2.do("POST", "/v1/auth/refresh", nil), http.StatusOK)
	expectStatus(t, b2.do("GET", "/v1/me", nil), http.StatusOK)
}

// TestNoStore: the answers that carry personal data or tokens — and every
// other answer under /v1/ — send Cache-Control: no-store, in body and
// cookie mode, errors included.
func TestNoStore(t *testing.T) {
	e := newEnv(t)
	e.signup("nostore@example.com")
	tk := e.login("nostore@example.com", testPassword)
	b := newBrowser(e)
	check := func(what string, r *response) {
		t.Helper()
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d Cache-Control %q", what, r.status, r.header.Get("Cache-Control"))
		}
	}
	check("GET /v1/me", e.do("GET", "/v1/me", nil, bearer(tk.access)...))
	check("GET /v1/me/sessions", e.do("GET", "/v1/me/sessions", nil, bearer(tk.access)...))
	check("GET /v1/me without token", e.do("GET", "/v1/me", nil))
	check("signup", e.do("POST", "/v1/auth/signup", map[string]string{"email": "nostore2@example.com", "password": testPassword}))
	check("refresh", e.refresh(tk.refresh))
	check("csrf", b.do("GET", "/v1/auth/csrf", nil))
	check("cookie login", b.do("POST", "/v1/auth/login", map[string]string{"email": "nostore@example.com", "password": testPassword, "mode": "cookie"}))
	check("GET /v1/me by cookie", b.do("GET", "/v1/me", nil))
	check("GET /v1/me/sessions by cookie", b.do("GET", "/v1/me/sessions", nil))
	check("cookie refresh", b.do("POST", "/v1/auth/refresh", nil))
	if r := e.do("GET", "/.well-known/jwks.json", nil); r.header.Get("Cache-Control") == "no-store" {
		t.Errorf("the JWKS is no-store: it should be cacheable")
	}
}

// TestInsecureLoopbackCookies: only with the option, and only for a
// plain-HTTP request from and to loopback, are cookies without Secure
// (and so without the prefixes); any other Host still gets Secure ones.
func TestInsecureLoopbackCookies(t *testing.T) {
	names := func(e *env, host string) (map[string]bool, bool) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.hs.URL+"/v1/auth/csrf", nil)
		if host != "" {
			req.Host = host
		}
		res, err := e.hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		out := map[string]bool{}
		secure := true
		for _, c := range res.Cookies() {
			out[c.Name] = true
			secure = secure && c.Secure
		}
		return out, secure
	}
	off := newEnv(t)
	if n, secure := names(off, ""); !n[csrfCookie] || !secure {
		t.Fatalf("default on loopback: %v secure=%v", n, secure)
	}
	on := newEnv(t, envOptions{server: func(c *server.Config) { c.InsecureLoopbackCookies = true }})
	if n, secure := names(on, ""); !n["ward-csrf"] || secure {
		t.Fatalf("relaxed on loopback: %v secure=%v", n, secure)
	}
	if n, secure := names(on, "localhost"); !n["ward-csrf"] || secure {
		t.Fatalf("relaxed on localhost: %v secure=%v", n, secure)
	}
	if n, secure := names(on, "ward.example"); !n[csrfCookie] || !secure {
		t.Fatalf("relaxed option, public Host: %v secure=%v", n, secure)
	}

	// A whole cookie-mode round on relaxed loopback.
	on.signup("dev@example.com")
	b := newBrowser(on)
	expectStatus(t, b.login("dev@example.com", testPassword), http.StatusOK)
	if b.jar["ward-access"] == nil || b.jar["ward-refresh"] == nil || b.jar["ward-refresh"].Path != "/v1/auth" {
		t.Fatalf("relaxed cookies %v", b.jar)
	}
	expectStatus(t, b.do("GET", "/v1/me", nil), http.StatusOK)
	expectStatus(t, b.do("POST", "/v1/auth/logout", nil), http.StatusNoContent)
}

// TestCookieBearerWins: the Authorization header, when present, decides
// alone; the access cookie is read only without it.
func TestCookieBearerWins(t *testing.T) {
	e := newEnv(t)
	e.signup("cookie-user@example.com")
	e.signup("bearer-user@example.com")
	b := newBrowser(e)
	expectStatus(t, b.login("cookie-user@example.com", testPassword), http.StatusOK)
	tk := e.login("bearer-user@example.com", testPassword)

	r := b.do("GET", "/v1/me", nil, bearer(tk.access)...)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "email") != "bearer-user@example.com" {
		t.Fatalf("with both, /v1/me answered for %s", r.str(t, "email"))
	}
	r = b.do("GET", "/v1/me", nil, "Authorization", "Bearer not-a-token")
	expectStatus(t, r, http.StatusUnauthorized)
	if r.errorCode(t) != "invalid_token" {
		t.Fatalf("%s", r.body)
	}
	// A Bearer state change needs no CSRF token, even with cookies.
	r = b.do("POST", "/v1/auth/logout", nil, append(bearer(tk.access), "X-CSRF-Token", "")...)
	expectStatus(t, r, http.StatusNoContent)
	if e.sessionCount("bearer-user@example.com") != 0 || e.sessionCount("cookie-user@example.com") != 1 {
		t.Fatal("the Bearer logout ended the wrong session")
	}
}
