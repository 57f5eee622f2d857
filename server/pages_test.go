package server_test

import (
	"net/http"
	"testing"

	"github.com/wardauth/ward/server"
)

// TestPages: a page of Config.Pages answers GET and HEAD under its
// prefix with its own Content-Security-Policy; other methods get the
// API's JSON 405, and the API is unchanged.
func TestPages(t *testing.T) {
	const pageCSP = "default-src 'self'"
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Write([]byte("page " + r.URL.Path))
	})
	e := newEnv(t, envOptions{server: func(c *server.Config) {
		c.Pages = map[string]http.Handler{"/page/": page}
	}})

	r := e.do("GET", "/page/app.js", nil)
	expectStatus(t, r, http.StatusOK)
	if string(r.body) != "page /page/app.js" || r.header.Get("Content-Security-Policy") != pageCSP {
		t.Errorf("GET /page/app.js: %q, Content-Security-Policy %q", r.body, r.header.Get("Content-Security-Policy"))
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") == "no-store" {
		t.Errorf("GET /page/app.js: headers %v", r.header)
	}
	expectStatus(t, e.do("HEAD", "/page/", nil), http.StatusOK)
	if r := e.do("POST", "/page/", "x"); r.status != http.StatusMethodNotAllowed || r.errorCode(t) != "method_not_allowed" {
		t.Errorf("POST /page/: %d %q", r.status, r.body)
	}
	if r := e.do("GET", "/other/", nil); r.status != http.StatusNotFound || r.header.Get("Content-Security-Policy") != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("GET /other/: %d, Content-Security-Policy %q", r.status, r.header.Get("Content-Security-Policy"))
	}
	expectStatus(t, e.do("GET", "/healthz", nil), http.StatusOK)
}
