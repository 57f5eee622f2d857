package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wardauth/ward/internal/browsertest"
	"github.com/wardauth/ward/internal/wardtest"
	"github.com/wardauth/ward/web"
)

// newDebuggerServer serves the debugger on loopback, as "ward debug" does.
func newDebuggerServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(web.DebuggerPath, web.Debugger())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// page drives the debugger in a headless Chromium.
type page struct {
	t *testing.T
	b *browsertest.Browser
}

// openDebugger starts a browser on the debugger at url (its page URL,
// ".../debugger/") and waits until Ward's WebAssembly is ready.
func openDebugger(t *testing.T, url string) *page {
	t.Helper()
	p := &page{t: t, b: browsertest.New(t)}
	p.open(url)
	return p
}

func (p *page) open(url string) {
	p.t.Helper()
	p.b.MustDo(p.t, chromedp.Navigate(url))
	p.waitReady()
}

func (p *page) waitReady() {
	p.t.Helper()
	browsertest.Run(p.t, p.b, chromedp.Poll[bool](`document.body && document.body.dataset.ready === "true"`, chromedp.WithPollingTimeout(45*time.Second)))
}

// js returns the JavaScript literal of s.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	return browsertest.Eval[T](p.t, p.b, expr)
}

// set types value into the control id as a paste would (an input event),
// and fires change, as choosing in a select does.
func (p *page) set(id, value string) {
	p.t.Helper()
	eval[bool](p, `(() => { const el = document.getElementById(`+js(id)+`);
		el.value = `+js(value)+`;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return el.value === `+js(value)+`; })()`)
}

// click presses the button id.
func (p *page) click(id string) {
	p.t.Helper()
	eval[bool](p, `(document.getElementById(`+js(id)+`).click(), true)`)
}

// text is the text the element id shows.
func (p *page) text(id string) string {
	p.t.Helper()
	return eval[string](p, `document.getElementById(`+js(id)+`).textContent`)
}

func (p *page) value(id string) string {
	p.t.Helper()
	return eval[string](p, `document.getElementById(`+js(id)+`).value`)
}

// verdict is what the verify form shows.
type verdict struct {
	Verdict string `json:"verdict"`
	Code    string `json:"code"`
	Title   string `json:"title"`
	Reason  string `json:"reason"`
}

// verifyForm is what the user fills into the verify form.
type verifyForm struct {
	Kind, Key, Alg, Iss, Aud, Typ, Leeway, At string
}

// verify pastes tok, fills the verify form and presses Verify.
func (p *page) verify(tok string, f verifyForm) verdict {
	p.t.Helper()
	p.set("token", tok)
	p.set("verify-kind", f.Kind)
	if f.Kind == "jwks-url" {
		p.set("jwks-url", f.Key)
	} else {
		p.set("verify-key", f.Key)
	}
	p.set("verify-alg", f.Alg)
	p.set("verify-iss", f.Iss)
	p.set("verify-aud", f.Aud)
	p.set("verify-typ", f.Typ)
	p.set("verify-leeway", f.Leeway)
	p.set("verify-at", f.At)
	eval[bool](p, `(document.getElementById("verdict").dataset.verdict = "", true)`)
	p.click("verify-btn")
	raw := browsertest.Run(p.t, p.b, chromedp.Poll[[]byte](`(() => {
		const v = document.getElementById("verdict");
		if (!v.dataset.verdict || v.dataset.verdict === "working") return false;
		return {verdict: v.dataset.verdict, code: v.dataset.code,
			title: document.getElementById("verdict-title").textContent,
			reason: document.getElementById("verdict-reason").textContent};
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	var v verdict
	if err := json.Unmarshal(raw, &v); err != nil {
		p.t.Fatalf("verdict %s: %v", raw, err)
	}
	return v
}

// warnings returns the warnings the decoder shows.
func (p *page) warnings() []string {
	p.t.Helper()
	return eval[[]string](p, `Array.from(document.querySelectorAll("#warnings li"), li => li.textContent)`)
}

// ward runs the ward binary with args and returns its standard output,
// standard error and exit code.
func ward(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	stdout, stderr, code, err := runWard(wardtest.Build(t), args...)
	if err != nil {
		t.Fatalf("ward %v: %v", args, err)
	}
	return stdout, stderr, code
}

// runWard runs the ward binary bin; it may be called from any goroutine.
func runWard(bin string, args ...string) (string, string, int, error) {
	cmd := wardtest.Command(bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stdout.String(), stderr.String(), ee.ExitCode(), nil
	}
	return stdout.String(), stderr.String(), 0, err
}

// writeFile writes data to a new file in dir and returns its path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// wardServe starts "ward serve" on a free loopback port and returns its
// base URL.
func wardServe(t *testing.T) string {
	t.Helper()
	return wardtest.Serve(t, wardtest.Build(t), "--log-level", "error", "--limits", "off").URL
}

// postJSON posts v as JSON and decodes the JSON answer.
func postJSON(t *testing.T, url string, v any, want int) map[string]any {
	t.Helper()
	body, _ := json.Marshal(v)
	resp, err := http.Post(url, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d: %s", url, resp.StatusCode, want, data)
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("POST %s: %v: %s", url, err, data)
		}
	}
	return out
}
