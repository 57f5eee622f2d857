// Package web serves Ward's token debugger: a page that decodes, verifies,
// signs and decrypts tokens and makes and converts keys, entirely in the
// browser, with Ward's own jose packages compiled to WebAssembly (so that
// its verdict is Ward's verdict; see web/ops and web/wasm).
//
// The page is private by construction. Its files are embedded in the binary
// (no CDN, no Node build step); it makes no request the user did not type:
// nothing typed or pasted is ever sent, and a key is never fetched from a
// URL a token names ("jku", "x5u"). A share link holds the token only in
// the URL fragment, which browsers do not send. Everything the token holds
// is shown as text, never as HTML, under a strict Content-Security-Policy:
// only the page's own scripts, no inline script or style, no eval
// ('wasm-unsafe-eval' lets the page compile its WebAssembly, nothing more),
// Trusted Types required for every script sink (one policy, "ward", which
// admits only the service worker's own URL), and connections to the page's
// own origin only. Once loaded, a service worker keeps it working offline.
//
// # JWKS URLs of other origins
//
// A JWKS URL the user types on another origin needs connect-src to allow
// that origin, which a policy fixed before the user types cannot name. The
// default policy allows only 'self' (so ward serve's own
// /.well-known/jwks.json works). The page offers, when the user asks for
// another origin, to reload itself with "?jwks=remote" (the token stays in
// the fragment), which is served with connect-src 'self' https:. The
// trade-off: in that mode a script running in the page could send data to
// any HTTPS origin; but the page runs only its own scripts, so the extra
// reach is only the user's own fetch, and the default stays closed.
//
// `ward serve` mounts [Debugger] at [DebuggerPath]; `ward debug --addr
// HOST:PORT` serves it alone.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// DebuggerPath is where `ward serve` and `ward debug` serve the debugger.
const DebuggerPath = "/debugger/"

//go:embed static
var static embed.FS

// Policy is the Content-Security-Policy of the debugger's responses.
const Policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self'; font-src 'none'; object-src 'none'; media-src 'none'; frame-src 'none'; " +
	"worker-src 'self'; manifest-src 'self'; connect-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types ward"

// RemoteJWKSPolicy is [Policy] with connect-src also allowing https:, served
// for "?jwks=remote", the mode the user turns on to fetch a JWKS from
// another origin.
var RemoteJWKSPolicy = strings.Replace(Policy, "connect-src 'self'", "connect-src 'self' https:", 1)

// file is one embedded file, ready to serve.
type file struct {
	name  string
	data  []byte
	etag  string
	ctype string

	gzOnce sync.Once
	gz     []byte
}

// Debugger returns the handler of the debugger page, for the paths under
// [DebuggerPath] (it strips that prefix itself; a request outside it gets
// 404). It answers GET and HEAD only.
func Debugger() http.Handler {
	files := map[string]*file{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(p, "static/")
		ctype := mime.TypeByExtension(path.Ext(name))
		switch path.Ext(name) {
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".wasm":
			ctype = "application/wasm"
		case ".html":
			ctype = "text/html; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		}
		files[name] = &file{name: name, data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: ctype}
		return nil
	})
	if err != nil {
		panic("web: reading the embedded files: " + err.Error()) // the embed is fixed at build time
	}
	return &handler{files: files}
}

type handler struct {
	files map[string]*file
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	policy := Policy
	if r.URL.Query().Get("jwks") == "remote" {
		policy = RemoteJWKSPolicy
	}
	hd.Set("Content-Security-Policy", policy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	// Revalidate every time (cheap with the ETag); the service worker
	// keeps a copy for offline use.
	hd.Set("Cache-Control", "no-cache")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, DebuggerPath)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest == "" {
		rest = "index.html"
	}
	f := h.files[rest]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	hd.Set("Content-Type", f.ctype)
	hd.Set("ETag", f.etag)
	if f.name == "sw.js" {
		// The worker controls the whole debugger path.
		hd.Set("Service-Worker-Allowed", DebuggerPath)
	}
	body := f.data
	if len(body) > 64<<10 {
		hd.Add("Vary", "Accept-Encoding")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			hd.Set("Content-Encoding", "gzip")
			hd.Set("ETag", strings.TrimSuffix(f.etag, `"`)+`-gz"`)
			body = f.gzipped()
		}
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// gzipped returns f's data compressed, computed once.
func (f *file) gzipped() []byte {
	f.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(f.data)
		zw.Close()
		f.gz = b.Bytes()
	})
	return f.gz
}
