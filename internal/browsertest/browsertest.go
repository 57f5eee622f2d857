// Package browsertest runs Ward's web pages in a real headless Chromium for
// tests, and records every request the browser makes so that a test can
// assert that nothing typed into a page leaves it.
//
// It drives Debian's /usr/bin/chromium through the DevTools protocol with
// [github.com/chromedp/chromedp]. Each [Browser] is a fresh Chromium with its
// own profile directory in t.TempDir(), whose traffic all goes through a
// recording proxy on loopback: a request is recorded whichever part of the
// browser makes it (the page, a worker, a service worker), and a request to
// an HTTPS origin is recorded and refused, so that a test never reaches the
// Internet. Requests the page starts are also recorded from the DevTools
// protocol, including those the browser blocks before they reach the
// network (for instance by the page's Content-Security-Policy).
//
// When Chromium is not installed, [New] skips the test with a message
// saying so, unless WARD_REQUIRE_SERVICES=1 (as in CI), where it fails.
package browsertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// chromiumBinary is the browser binary Debian's wrapper script runs.
const chromiumBinary = "/usr/lib/chromium/chromium"

// Timeout bounds each [Browser.Run] call.
const Timeout = 60 * time.Second

// maxBody is the most of one request body the proxy records and forwards.
const maxBody = 1 << 20

// Request is one request the browser made.
type Request struct {
	// Source is "network" for a request that reached the recording proxy
	// (it left the browser) and "page" for one the page started, as the
	// DevTools protocol reported it (whether or not it left the browser).
	Source string
	// Method is the HTTP method ("CONNECT" for a tunnel to an HTTPS
	// origin, whose URL is then "https://host:port").
	Method string
	// URL is the absolute request URL, without fragment.
	URL string
	// Header holds the request headers.
	Header http.Header
	// Body is the request body, if any.
	Body string
}

// String shows r on one line, for test failure messages.
func (r Request) String() string {
	return fmt.Sprintf("%s %s %s (%d header fields, %d body bytes)", r.Source, r.Method, r.URL, len(r.Header), len(r.Body))
}

// Browser is one headless Chromium, closed when its test ends.
type Browser struct {
	ctx context.Context

	mu       sync.Mutex
	requests []Request
	logs     []string
}

// New starts a headless Chromium for t, with a fresh profile and all its
// traffic through a recording proxy. It skips t when Chromium is not
// installed (or fails it when WARD_REQUIRE_SERVICES=1).
func New(t testing.TB) *Browser {
	t.Helper()
	path := ChromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else {
			msg := fmt.Sprintf("browser test: chromium is not installed (%s: %v; apt-get install -y chromium)", ChromiumPath, err)
			if os.Getenv("WARD_REQUIRE_SERVICES") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	// Debian's /usr/bin/chromium is a shell script that sources
	// /etc/chromium.d, which sets Google API keys and turns on remote
	// extensions: the browser then talks to Google in the background
	// (sign-in, autofill, extension updates), traffic that is not the
	// page's and would hide what the page does. The binary it runs is used
	// directly when it is there, with the same profile and flags.
	if _, err := os.Stat(chromiumBinary); err == nil && path == ChromiumPath {
		path = chromiumBinary
	}
	b := &Browser{}
	proxyURL := b.startProxy(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The browser's own traffic, which Debian's wrapper turns on
		// (Google API keys, remote extensions): none of it is the page's,
		// and a test asserts that the page is the only one talking.
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"+
			"AutofillServerCommunication,CertificateTransparencyComponentUpdater,OptimizationGuideModelDownloading,"+
			"InterestFeedContentSuggestions,SigninInterceptBubble,AccountConsistency,ChromeSignin,PrivacySandboxSettings4"),
		// Every request, loopback included, goes through the proxy.
		chromedp.Flag("proxy-server", proxyURL),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.onEvent))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first call starts the browser and binds it to ctx, which has no
	// timeout (a timeout here would close the browser when it ends).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browser test: starting %s: %v", path, err)
	}
	b.ctx = ctx
	if err := b.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	})); err != nil {
		t.Fatalf("browser test: enabling network events: %v", err)
	}
	return b
}

// Context is the context of the browser's tab, for chromedp calls the
// helpers here do not cover.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs steps in the browser's tab, in order, and returns the first
// error; together they may take at most [Timeout].
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// MustDo runs steps like [Browser.Do] and fails t (showing the page's
// console) on error.
func (b *Browser) MustDo(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := b.Do(steps...); err != nil {
		t.Fatalf("browser: %v\nconsole:\n%s", err, strings.Join(b.Logs(), "\n"))
	}
}

// Run runs one action that returns a value in b's tab, failing t (showing
// the page's console) on error or after [Timeout].
func Run[T any](t testing.TB, b *Browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v\nconsole:\n%s", err, strings.Join(b.Logs(), "\n"))
	}
	return v
}

// Eval evaluates the JavaScript expression js in b's page and decodes its
// value into T, failing t on error. (A test may evaluate script; the
// page's own Content-Security-Policy does not apply to DevTools.)
func Eval[T any](t testing.TB, b *Browser, js string) T {
	t.Helper()
	return Run(t, b, chromedp.Evaluate[T](js))
}

// Requests returns the requests recorded so far.
func (b *Browser) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.requests...)
}

// Logs returns the console messages and uncaught exceptions of the page
// so far, one a line.
func (b *Browser) Logs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.logs...)
}

// CheckRequests fails t for every recorded request that goes to an origin
// other than origin (scheme://host:port) or that carries one of secrets
// anywhere in its URL, headers or body (also percent-encoded). Chromium's
// own background requests to Google's update and account hosts, which no
// flag turns off, are not counted as the page's when the page itself
// started no request to that origin. It reports how many requests it
// checked.
func (b *Browser) CheckRequests(t testing.TB, origin string, secrets ...string) int {
	t.Helper()
	reqs := b.Requests()
	pageOrigins := map[string]bool{}
	for _, r := range reqs {
		if r.Source == "page" {
			pageOrigins[originOf(r.URL)] = true
		}
	}
	for _, r := range reqs {
		got := originOf(r.URL)
		if r.Source == "network" && isBrowserNoise(r) && !pageOrigins[got] && !pageOrigins[strings.TrimSuffix(got, ":443")] {
			// Chromium's own background traffic, not the page's: its
			// secrets are still checked below.
		} else if got != origin {
			t.Errorf("request to another origin %q (want only %q): %s", got, origin, r)
		}
		text := r.URL + "\n" + r.Body
		for name, vals := range r.Header {
			text += "\n" + name + ": " + strings.Join(vals, ", ")
		}
		for _, s := range secrets {
			if s == "" {
				continue
			}
			if strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s)) || strings.Contains(text, url.PathEscape(s)) {
				t.Errorf("request carries a secret (%.12s…): %s", s, r)
			}
		}
	}
	return len(reqs)
}

// Reset forgets the requests and logs recorded so far.
func (b *Browser) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests, b.logs = nil, nil
}

// browserHosts are the hosts Chromium itself talks to in the background
// even with every flag of [New] (its component updater and account
// services). A request to one of them that reaches the proxy but that no
// page started (the DevTools record of the page has no request to that
// origin) is the browser's, not the page's, and does not count as a
// request to another origin.
var browserHosts = []string{"update.googleapis.com", "clients2.google.com", "accounts.google.com",
	"content-autofill.googleapis.com", "optimizationguide-pa.googleapis.com", "clientservices.googleapis.com",
	"edgedl.me.gvt1.com", "redirector.gvt1.com", "safebrowsing.googleapis.com"}

func isBrowserNoise(r Request) bool {
	u, err := url.Parse(r.URL)
	if err != nil {
		return false
	}
	for _, h := range browserHosts {
		if u.Hostname() == h {
			return true
		}
	}
	return false
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

func (b *Browser) record(r Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests = append(b.requests, r)
}

func (b *Browser) log(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.logs = append(b.logs, line)
}

func (b *Browser) onEvent(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r := ev.Request
		if strings.HasPrefix(r.URL, "data:") || strings.HasPrefix(r.URL, "blob:") {
			return
		}
		h := http.Header{}
		for k, v := range r.Headers {
			h.Add(k, fmt.Sprint(v))
		}
		var body strings.Builder
		for _, e := range r.PostDataEntries {
			body.Write(e.Bytes)
		}
		b.record(Request{Source: "page", Method: r.Method, URL: r.URL, Header: h, Body: body.String()})
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		b.log(fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.log("exception: " + msg)
	}
}

// startProxy starts the recording proxy and returns its URL.
func (b *Browser) startProxy(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("browser test: proxy: %v", err)
	}
	transport := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	forward := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.Out.URL = r.In.URL; r.Out.Host = r.In.Host },
		Transport: transport,
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodConnect {
				b.record(Request{Source: "network", Method: r.Method, URL: "https://" + r.Host, Header: r.Header.Clone()})
				http.Error(w, "browsertest: no tunnels", http.StatusForbidden)
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			u := *r.URL
			u.Fragment = ""
			b.record(Request{Source: "network", Method: r.Method, URL: u.String(), Header: r.Header.Clone(), Body: string(body)})
			if !isLoopback(r.URL.Hostname()) {
				http.Error(w, "browsertest: only loopback origins are reachable", http.StatusForbidden)
				return
			}
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			r.RequestURI = ""
			forward.ServeHTTP(w, r)
		}),
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	return "http://" + ln.Addr().String()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
