package demo_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/wardauth/ward/web/demo"
)

// TestHandler: the embedded files, each with the strict policy; only GET
// and HEAD.
func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET "+demo.Path, demo.Handler())
	mux.Handle("POST "+demo.Path, demo.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for _, tc := range []struct{ path, contentType string }{
		{"", "text/html; charset=utf-8"},
		{"app.js", "text/javascript; charset=utf-8"},
		{"style.css", "text/css; charset=utf-8"},
	} {
		res, err := http.Get(srv.URL + demo.Path + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", tc.path, res.StatusCode, len(body))
		}
		if got := res.Header.Get("Content-Type"); got != tc.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.contentType)
		}
		if got := res.Header.Get("Content-Security-Policy"); got != demo.ContentSecurityPolicy {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, got)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", tc.path, res.Header)
		}
	}
	res, err := http.Post(srv.URL+demo.Path, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", res.StatusCode)
	}
}

// TestContentSecurityPolicy: the policy allows no inline script, no eval
// and no other origin.
func TestContentSecurityPolicy(t *testing.T) {
	csp := demo.ContentSecurityPolicy
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "data:", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("the policy allows %q: %s", bad, csp)
		}
	}
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("the policy lacks %q: %s", want, csp)
		}
	}
}

// TestStaticFiles: the page has no inline script or style and no event
// handler attributes (the policy would block them), and its script builds
// the DOM from text only: no HTML sinks, no eval.
func TestStaticFiles(t *testing.T) {
	get := func(name string) string {
		rec := httptest.NewRecorder()
		demo.Handler().ServeHTTP(rec, httptest.NewRequest("GET", demo.Path+name, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", name, rec.Code)
		}
		return rec.Body.String()
	}
	html := get("")
	scripts := regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(html, -1)
	if len(scripts) == 0 {
		t.Errorf("index.html loads no script")
	}
	for _, m := range scripts {
		if !strings.Contains(m[1], `src="`) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("index.html has an inline script: %q", m[0])
		}
	}
	for _, re := range []string{`\son[a-z]+\s*=`, `\sstyle\s*=`, `<style`, `javascript:`, `https?://`} {
		if m := regexp.MustCompile(`(?i)` + re).FindString(html); m != "" {
			t.Errorf("index.html has %q", m)
		}
	}
	js := get("app.js")
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setTimeout(\"", "localStorage", "sessionStorage", "http://", "https://"} {
		if strings.Contains(js, sink) {
			t.Errorf("app.js uses %q", sink)
		}
	}
	if !strings.Contains(js, `credentials: "same-origin"`) || !strings.Contains(js, `"X-CSRF-Token"`) {
		t.Errorf("app.js does not send same-origin credentials and the CSRF header")
	}
}
