// Package demo is a small browser app that signs in to Ward in cookie mode
// (see the cookie mode section of package server's doc), served by ward
// serve at [Path]: sign up, log in, the current user and their sessions
// (ending one), a silent refresh ahead of the access token's expiry, and
// log out.
//
// It shows the browser flow done right. The tokens live only in HttpOnly
// cookies, so no script on the page (the demo's own, or one injected) can
// read them; every state change sends the CSRF token of [OWASP's signed
// double-submit cookie] in X-CSRF-Token; the page runs under a strict
// Content-Security-Policy (its own scripts and styles only, no inline
// script, no eval, requests only to its own origin) and renders every
// text the server sends with textContent, never as HTML.
//
// The files are embedded with go:embed: no CDN, no build step.
//
// [OWASP's signed double-submit cookie]: https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#signed-double-submit-cookie-recommended
package demo

import (
	"embed"
	"io/fs"
	"net/http"
)

// Path is where ward serve mounts the demo: [Handler] answers the paths
// under it.
const Path = "/demo/"

// ContentSecurityPolicy is the policy of every answer of [Handler]: the
// page loads only its own scripts, styles and images, connects only to
// its own origin (the auth server's API), and cannot be framed.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

//go:embed static
var static embed.FS

// Handler returns the demo's handler, to mount at [Path] on the server
// whose /v1/ API the page calls (it calls it on its own origin). It serves
// the embedded files for GET and HEAD, each with [ContentSecurityPolicy];
// other methods get 405.
func Handler() http.Handler {
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	fileServer := http.StripPrefix(Path, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		fileServer.ServeHTTP(w, r)
	})
}
