package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/wardauth/ward/web"
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// TestHandler checks what the debugger's handler serves: the page and its
// files with their types, the strict policy on every response (and the
// https: key URLs only in the mode the user asks for), nothing else.
func TestHandler(t *testing.T) {
	h := web.Debugger()
	for path, ctype := range map[string]string{
		"/debugger/":             "text/html; charset=utf-8",
		"/debugger/index.html":   "text/html; charset=utf-8",
		"/debugger/app.js":       "text/javascript; charset=utf-8",
		"/debugger/wasm_exec.js": "text/javascript; charset=utf-8",
		"/debugger/sw.js":        "text/javascript; charset=utf-8",
		"/debugger/style.css":    "text/css; charset=utf-8",
		"/debugger/ward.wasm":    "application/wasm",
	} {
		resp := get(t, h, "GET", path, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype {
			t.Errorf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), ctype)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != web.Policy {
			t.Errorf("GET %s: CSP %q", path, got)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if resp.Header.Get(k) != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, resp.Header.Get(k), v)
			}
		}
	}
	for _, want := range []string{"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval';", "connect-src 'self';", "style-src 'self';", "object-src 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'"} {
		if !strings.Contains(web.Policy, want) {
			t.Errorf("the policy lacks %q: %s", want, web.Policy)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval'", "*", "data:", "http:"} {
		if strings.Contains(strings.ReplaceAll(web.Policy, "wasm-unsafe-eval", ""), bad) {
			t.Errorf("the policy allows %q: %s", bad, web.Policy)
		}
	}
	resp := get(t, h, "GET", "/debugger/?jwks=remote", nil)
	if got := resp.Header.Get("Content-Security-Policy"); got != web.RemoteJWKSPolicy || !strings.Contains(got, "connect-src 'self' https:;") {
		t.Errorf("remote mode CSP %q", got)
	}
	for _, path := range []string{"/debugger/nope.js", "/debugger/../web.go", "/other/", "/debugger/static/app.js"} {
		if resp := get(t, h, "GET", path, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp := get(t, h, "POST", "/debugger/", nil); resp.StatusCode != 405 {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	// The WebAssembly goes out compressed to a browser that accepts it.
	resp = get(t, h, "GET", "/debugger/ward.wasm", map[string]string{"Accept-Encoding": "gzip, deflate"})
	zr, err := gzip.NewReader(resp.Body)
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("wasm: %v, encoding %q", err, resp.Header.Get("Content-Encoding"))
	}
	wasm, _ := io.ReadAll(zr)
	if len(wasm) < 1<<20 || string(wasm[:4]) != "\x00asm" {
		t.Errorf("the gzipped wasm is %d bytes, %q", len(wasm), wasm[:4])
	}
	// Revalidation by ETag.
	etag := get(t, h, "GET", "/debugger/app.js", nil).Header.Get("ETag")
	if resp := get(t, h, "GET", "/debugger/app.js", map[string]string{"If-None-Match": etag}); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
}

// TestNoInlineScript checks the page's own files: no inline script or
// style, no event-handler attributes, no innerHTML/outerHTML/document.write
// or eval in its JavaScript, and nothing loaded from another origin.
func TestNoInlineScript(t *testing.T) {
	h := web.Debugger()
	read := func(path string) string {
		resp := get(t, h, "GET", path, nil)
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	html := read("/debugger/")
	if m := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]+</script>|<style|\son[a-z]+=|\sstyle=|javascript:`).FindString(html); m != "" {
		t.Errorf("index.html has inline script or style: %q", m)
	}
	if m := regexp.MustCompile(`(?i)(?:src|href)="(?:https?:)?//`).FindString(html); m != "" {
		t.Errorf("index.html loads from another origin: %q", m)
	}
	for _, js := range []string{"/debugger/app.js", "/debugger/sw.js"} {
		src := read(js)
		if m := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setTimeout\("`).FindString(src); m != "" {
			t.Errorf("%s uses %q", js, m)
		}
	}
}
