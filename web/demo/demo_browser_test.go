package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/wardauth/ward/internal/browsertest"
	"github.com/wardauth/ward/internal/wardtest"
	"github.com/wardauth/ward/web/demo"
)

var screenshot = flag.String("screenshot", "", "write a PNG screenshot of the signed-in demo to this file (as docs/demo.png)")

const (
	demoEmail    = "alice@example.com"
	demoPassword = "Velvet-Harbor-Lantern-42"
	// accessTTL is the shortest access token lifetime ward serve allows:
	// the page refreshes silently halfway through, 30 s after login.
	accessTTL = "1m"
)

// TestDemoInBrowser runs the demo in headless Chromium against a real ward
// serve on plain-HTTP loopback: sign up (and so log in), see the user, end
// another session, a silent refresh ahead of expiry (and the page still
// works), state changes without the CSRF token refused (403 csrf_failed,
// from the page's own context), log out, log in again with the keyboard,
// reload, and log out. At every step document.cookie shows no token; no
// login or refresh answer puts a token in its body; the page's requests
// go to its own origin only, with tokens only in the Cookie header.
func TestDemoInBrowser(t *testing.T) {
	base := wardtest.Serve(t, wardtest.Build(t), "--insecure-loopback-cookies", "--access-ttl", accessTTL).URL
	b := browsertest.New(t)
	answers := recordAnswers(t, b)
	tokens := &tokenSet{}

	// The sign-in form, served with its strict policy.
	b.MustDo(t, chromedp.Navigate(base+demo.Path), chromedp.WaitVisible(chromedp.ID("signed-out")))
	if csp := answers.header(base+demo.Path, "Content-Security-Policy"); csp != demo.ContentSecurityPolicy {
		t.Errorf("the page's Content-Security-Policy is %q", csp)
	}
	checkDocumentCookie(t, b, tokens, "on the sign-in form")
	checkLabels(t, b)

	// Sign up: the page creates the account and logs in in cookie mode.
	b.MustDo(t,
		chromedp.SendKeys(chromedp.ID("email"), demoEmail),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
		chromedp.Click(chromedp.ID("signup")),
		chromedp.WaitVisible(chromedp.ID("signed-in")),
	)
	loggedIn := time.Now()
	if got := textOf(t, b, "user-email"); got != demoEmail {
		t.Errorf("the page shows the user %q, want %q", got, demoEmail)
	}
	first := tokens.read(t, b, base)
	checkDocumentCookie(t, b, tokens, "after sign-up and login")
	waitFor(t, b, `document.querySelectorAll("#sessions li.session.current").length === 1`, 20*time.Second, "the current session listed")

	// End another session: a second login from another device.
	var other struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if st := apiCall(t, "POST", base+"/v1/auth/login", "", map[string]string{"email": demoEmail, "password": demoPassword}, &other); st != http.StatusOK || other.AccessToken == "" {
		t.Fatalf("second login: %d", st)
	}
	tokens.add(other.AccessToken, other.RefreshToken)
	b.MustDo(t, chromedp.Click(chromedp.ID("reload-sessions")))
	waitFor(t, b, `document.querySelectorAll("#sessions li.session").length === 2`, 20*time.Second, "two sessions listed")
	b.MustDo(t, chromedp.Click(chromedp.CSS("#sessions li.session:not(.current) button.end-session")))
	waitFor(t, b, `document.querySelectorAll("#sessions li.session").length === 1 && document.getElementById("status").textContent === "The session has ended."`,
		20*time.Second, "the other session ended")
	waitFor(t, b, `document.activeElement && document.activeElement.id === "sessions-heading"`, 20*time.Second, "focus on the sessions heading")
	if st := apiCall(t, "GET", base+"/v1/me", other.AccessToken, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("the ended session's access token: GET /v1/me = %d, want 401", st)
	}
	if st := apiCall(t, "POST", base+"/v1/auth/refresh", "", map[string]string{"refresh_token": other.RefreshToken}, nil); st != http.StatusUnauthorized {
		t.Errorf("the ended session's refresh token: %d, want 401", st)
	}
	checkDocumentCookie(t, b, tokens, "after ending another session")

	// A silent refresh, scheduled from expires_in (60 s: after 30 s).
	waitFor(t, b, `document.getElementById("refresh-count").textContent === "1"`, 90*time.Second, "a silent refresh")
	if !answers.has("/v1/auth/refresh", http.StatusOK, loggedIn) {
		t.Errorf("no successful POST /v1/auth/refresh after login; answers: %v", answers.summary())
	}
	if !requested(b, "POST", "/v1/auth/refresh", "X-Csrf-Token") {
		t.Errorf("the refresh request carried no X-CSRF-Token")
	}
	second := tokens.read(t, b, base)
	if second.access == first.access || second.refresh == first.refresh {
		t.Errorf("the refresh did not rotate the cookies")
	}
	checkDocumentCookie(t, b, tokens, "after the silent refresh")
	// The page still works on the new cookies.
	b.MustDo(t, chromedp.Click(chromedp.ID("reload-sessions")))
	waitFor(t, b, `document.getElementById("status").textContent === "Sessions reloaded."`, 20*time.Second, "sessions reloaded after the refresh")
	if *screenshot != "" {
		// After the refresh, with another device signed in, so that the
		// picture shows a session to end.
		if st := apiCall(t, "POST", base+"/v1/auth/login", "", map[string]string{"email": demoEmail, "password": demoPassword}, nil); st != http.StatusOK {
			t.Fatalf("login for the screenshot: %d", st)
		}
		b.MustDo(t, chromedp.EmulateViewport(900, 900), chromedp.Click(chromedp.ID("reload-sessions")))
		waitFor(t, b, `document.querySelectorAll("#sessions li.session").length === 2`, 20*time.Second, "two sessions listed")
		png := browsertest.Run(t, b, chromedp.FullScreenshot(100))
		if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// State changes without the CSRF token (or with a forged one), from
	// the page itself: 403 csrf_failed, and nothing changes.
	sid := browsertest.Eval[string](t, b, `document.querySelector("#sessions li.session.current").dataset.sessionId`)
	got := browsertest.Run(t, b, chromedp.Evaluate[map[string]string](`(async () => {
		const send = async (method, path, headers, body) => {
			const r = await fetch(path, { method, credentials: "same-origin", headers, body });
			let code = "";
			try { code = (await r.json()).error.code; } catch {}
			return r.status + " " + code;
		};
		const json = { "Content-Type": "application/json" };
		return {
			logout: await send("POST", "/v1/auth/logout"),
			endSession: await send("DELETE", "/v1/me/sessions/" + encodeURIComponent(`+jsString(sid)+`)),
			refresh: await send("POST", "/v1/auth/refresh", json, '{"mode":"cookie"}'),
			forged: await send("POST", "/v1/auth/logout", { "X-CSRF-Token": "forged" }),
			me: await send("GET", "/v1/me"),
		};
	})()`, chromedp.EvalAwaitPromise))
	for _, k := range []string{"logout", "endSession", "refresh", "forged"} {
		if got[k] != "403 csrf_failed" {
			t.Errorf("%s without the CSRF token: %q, want 403 csrf_failed", k, got[k])
		}
	}
	if got["me"] != "200 " {
		t.Errorf("after the refused state changes, GET /v1/me: %q, want 200 (still signed in)", got["me"])
	}
	checkDocumentCookie(t, b, tokens, "after the refused state changes")

	// Log out: the cookies are gone and the refresh token is dead.
	b.MustDo(t, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("signed-out")))
	waitFor(t, b, `document.getElementById("status").textContent === "You are logged out."`, 20*time.Second, "logged out")
	if left := tokens.read(t, b, base); left.access != "" || left.refresh != "" {
		t.Errorf("after logout the browser still holds session cookies")
	}
	if st := apiCall(t, "POST", base+"/v1/auth/refresh", "", map[string]string{"refresh_token": second.refresh}, nil); st != http.StatusUnauthorized {
		t.Errorf("the logged-out refresh token: %d, want 401", st)
	}
	checkDocumentCookie(t, b, tokens, "after logout")
	// A cookie-mode login is a state change too: without the CSRF token
	// it is refused before the password is looked at.
	login := browsertest.Run(t, b, chromedp.Evaluate[string](`(async () => {
		const r = await fetch("/v1/auth/login", { method: "POST", credentials: "same-origin",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ email: `+jsString(demoEmail)+`, password: `+jsString(demoPassword)+`, mode: "cookie" }) });
		let code = "";
		try { code = (await r.json()).error.code; } catch {}
		return r.status + " " + code;
	})()`, chromedp.EvalAwaitPromise))
	if login != "403 csrf_failed" {
		t.Errorf("a cookie-mode login without the CSRF token: %q, want 403 csrf_failed", login)
	}
	if left := tokens.read(t, b, base); left.access != "" || left.refresh != "" {
		t.Errorf("the refused login set session cookies")
	}

	// Log in again with the keyboard only: type, then Enter submits.
	browsertest.Eval[string](t, b, `document.getElementById("email").value = ""`)
	b.MustDo(t,
		chromedp.Focus(chromedp.ID("email")),
		chromedp.KeyEvent(demoEmail),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(demoPassword+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("signed-in")),
	)
	waitFor(t, b, `document.activeElement && document.activeElement.id === "user-heading"`, 20*time.Second, "focus on the signed-in heading")
	tokens.read(t, b, base)
	checkDocumentCookie(t, b, tokens, "after the keyboard login")
	checkLabels(t, b)

	// A reload finds the session again: a CSRF token bound to it, and a
	// refresh that says when the access token expires. (The bodies of
	// the answers so far are checked first: a navigation drops them.)
	seen := map[network.RequestID]bool{}
	checked := checkAnswerBodies(t, b, answers, tokens, seen)
	b.MustDo(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("signed-in")))
	waitFor(t, b, `document.getElementById("status").textContent === "Welcome back: you are logged in."`, 20*time.Second, "the session resumed after a reload")
	if got := textOf(t, b, "user-email"); got != demoEmail {
		t.Errorf("after a reload the page shows the user %q", got)
	}
	tokens.read(t, b, base)
	checkDocumentCookie(t, b, tokens, "after a reload")

	// Readable at phone width: nothing wider than the screen.
	b.MustDo(t, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2)))
	if !browsertest.Eval[bool](t, b, `document.documentElement.scrollWidth <= window.innerWidth`) {
		t.Errorf("at 360 px the page is %d px wide", browsertest.Eval[int](t, b, `document.documentElement.scrollWidth`))
	}
	b.MustDo(t, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("signed-out")))
	checkDocumentCookie(t, b, tokens, "after the second logout")

	checked += checkAnswerBodies(t, b, answers, tokens, seen)
	if checked < 4 { // three logins and at least one refresh
		t.Errorf("checked %d login and refresh answers, want at least 4; answers: %v", checked, answers.summary())
	}

	// Every request of the page went to the server's own origin, and a
	// token went only in the Cookie header, never in a URL, body or other
	// header. (Chromium's own background traffic, such as its update
	// checks, is the browser's, not the page's: the recording proxy
	// refuses it.)
	pageRequests := 0
	for _, r := range b.Requests() {
		if r.Source == "page" {
			pageRequests++
			if !strings.HasPrefix(r.URL, base+"/") {
				t.Errorf("the page made a request to another origin: %s", r)
			}
		}
		text := r.URL + "\n" + r.Body
		for name, vals := range r.Header {
			if !strings.EqualFold(name, "Cookie") {
				text += "\n" + name + ": " + strings.Join(vals, ", ")
			}
		}
		for _, tok := range tokens.all() {
			if strings.Contains(text, tok) {
				t.Errorf("a token outside the Cookie header: %s", r)
			}
		}
	}
	if pageRequests < 20 {
		t.Errorf("recorded only %d requests of the page", pageRequests)
	}
	for _, line := range b.Logs() {
		if strings.HasPrefix(line, "exception:") {
			t.Errorf("the page threw: %s", line)
		}
	}
}

// checkAnswerBodies checks the bodies of the successful login and refresh
// answers not in seen (and adds them): only expires_in and csrf_token, no
// token. It returns how many it checked. Call it before the page
// navigates, which drops the bodies.
func checkAnswerBodies(t *testing.T, b *browsertest.Browser, answers *answerLog, tokens *tokenSet, seen map[network.RequestID]bool) int {
	t.Helper()
	checked := 0
	for _, a := range answers.list() {
		if seen[a.id] || a.status != http.StatusOK || !(strings.HasSuffix(a.url, "/v1/auth/login") || strings.HasSuffix(a.url, "/v1/auth/refresh")) {
			continue
		}
		seen[a.id] = true
		body := responseBody(t, b, a.id)
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("%s: body %q: %v", a.url, body, err)
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"csrf_token", "expires_in"}) {
			t.Errorf("%s answered the page with the members %v, want only csrf_token and expires_in", a.url, keys)
		}
		for _, tok := range tokens.all() {
			if strings.Contains(string(body), tok) {
				t.Errorf("%s put a token in its body", a.url)
			}
		}
		checked++
	}
	return checked
}

// sessionTokens are the values of the access and refresh cookies.
type sessionTokens struct{ access, refresh string }

// tokenSet holds every token value seen during a test.
type tokenSet struct {
	seen []string
}

func (s *tokenSet) add(toks ...string) {
	for _, tok := range toks {
		if tok != "" && !slices.Contains(s.seen, tok) {
			s.seen = append(s.seen, tok)
		}
	}
}

func (s *tokenSet) all() []string { return s.seen }

// read returns the session cookies the browser holds for base, from
// DevTools (which sees HttpOnly cookies, as scripts cannot), checks their
// attributes and adds them to s.
func (s *tokenSet) read(t *testing.T, b *browsertest.Browser, base string) sessionTokens {
	t.Helper()
	res := browsertest.Run(t, b, chromedp.Action[*network.GetCookiesResult](func(ctx context.Context, tg *chromedp.Target) (*network.GetCookiesResult, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/", base + "/v1/auth/refresh"}})
		return &r, err
	}))
	var out sessionTokens
	for _, c := range res.Cookies {
		if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
			t.Errorf("cookie %s: HttpOnly %v, SameSite %q; want HttpOnly, Strict", c.Name, c.HTTPOnly, c.SameSite)
		}
		switch c.Name {
		case "ward-access":
			out.access = c.Value
		case "ward-refresh":
			out.refresh = c.Value
			if c.Path != "/v1/auth" {
				t.Errorf("the refresh cookie has Path %q, want /v1/auth", c.Path)
			}
		}
	}
	s.add(out.access, out.refresh)
	return out
}

// checkDocumentCookie fails t if document.cookie shows a session cookie
// or any token seen so far.
func checkDocumentCookie(t *testing.T, b *browsertest.Browser, s *tokenSet, step string) {
	t.Helper()
	dc := browsertest.Eval[string](t, b, `document.cookie`)
	for _, name := range []string{"ward-access", "ward-refresh", "ward-csrf"} {
		if strings.Contains(dc, name) {
			t.Errorf("%s: document.cookie shows %s: %q", step, name, dc)
		}
	}
	for _, tok := range s.all() {
		if strings.Contains(dc, tok) {
			t.Errorf("%s: document.cookie shows a token", step)
		}
	}
	shown := browsertest.Eval[string](t, b, `document.getElementById("doc-cookie").textContent`)
	for _, tok := range s.all() {
		if strings.Contains(shown, tok) {
			t.Errorf("%s: the page shows a token", step)
		}
	}
}

// checkLabels fails t for a visible input without a label or a button
// without a name.
func checkLabels(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	bad := browsertest.Eval[[]string](t, b, `[...document.querySelectorAll("input, button")]
		.filter((e) => e.offsetParent !== null)
		.filter((e) => e.tagName === "INPUT" ? e.labels.length === 0 : !(e.getAttribute("aria-label") || e.textContent.trim()))
		.map((e) => e.outerHTML)`)
	for _, e := range bad {
		t.Errorf("a control without a label: %s", e)
	}
}

func textOf(t *testing.T, b *browsertest.Browser, id string) string {
	t.Helper()
	return browsertest.Run(t, b, chromedp.TextContent(chromedp.ID(id)))
}

// waitFor evaluates the JavaScript condition cond in the page until it
// holds, failing t after timeout.
func waitFor(t *testing.T, b *browsertest.Browser, cond string, timeout time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if browsertest.Eval[bool](t, b, "Boolean("+cond+")") {
			return
		}
		if time.Now().After(deadline) {
			status := browsertest.Eval[string](t, b, `document.getElementById("status").textContent + " / " + document.getElementById("error").textContent`)
			t.Fatalf("waiting for %s: not after %v (page status: %q)\nconsole:\n%s", what, timeout, status, strings.Join(b.Logs(), "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// requested reports whether the page sent method path with header set.
func requested(b *browsertest.Browser, method, path, header string) bool {
	for _, r := range b.Requests() {
		if r.Method == method && strings.HasSuffix(r.URL, path) && r.Header.Get(header) != "" {
			return true
		}
	}
	return false
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// answer is one response the page received.
type answer struct {
	id     network.RequestID
	url    string
	status int
	header network.Headers
	at     time.Time
}

// answerLog records the responses the page receives, from DevTools.
type answerLog struct {
	mu      sync.Mutex
	answers []answer
}

func recordAnswers(t *testing.T, b *browsertest.Browser) *answerLog {
	t.Helper()
	l := &answerLog{}
	err := chromedp.Listen(b.Context(), func(ev any) {
		if ev, ok := ev.(*network.EventResponseReceived); ok && ev.Response != nil {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.answers = append(l.answers, answer{id: ev.RequestID, url: ev.Response.URL, status: int(ev.Response.Status), header: ev.Response.Headers, at: time.Now()})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *answerLog) list() []answer {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.answers)
}

// has reports whether an answer to a URL ending in path came with status
// after since.
func (l *answerLog) has(path string, status int, since time.Time) bool {
	for _, a := range l.list() {
		if strings.HasSuffix(a.url, path) && a.status == status && a.at.After(since) {
			return true
		}
	}
	return false
}

// header returns the header name of the last answer for url.
func (l *answerLog) header(url, name string) string {
	var v string
	for _, a := range l.list() {
		if a.url != url {
			continue
		}
		for k, val := range a.header {
			if strings.EqualFold(k, name) {
				v, _ = val.(string)
			}
		}
	}
	return v
}

func (l *answerLog) summary() []string {
	var out []string
	for _, a := range l.list() {
		out = append(out, a.url+" "+http.StatusText(a.status))
	}
	return out
}

// responseBody returns the body of the response to the request id.
func responseBody(t *testing.T, b *browsertest.Browser, id network.RequestID) []byte {
	t.Helper()
	return browsertest.Run(t, b, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, tg, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
		return r.Body, err
	}))
}

// apiCall sends a JSON request to url as a client that is not the
// browser (another device of the same user), and decodes a JSON answer
// into out (if not nil). It returns the status.
func apiCall(t *testing.T, method, url, bearer string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "ward-demo-test (another device)")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, url, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode
}
