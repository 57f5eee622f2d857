package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wardauth/ward/internal/browsertest"
)

const page = `<!doctype html><title>t</title><p id=out>loading</p>
<script src="/app.js"></script>`

const script = `
fetch("/echo?q=visible", {method: "POST", body: "secret-in-body", headers: {"X-Test": "h1"}})
  .then(r => r.text())
  .then(t => { document.getElementById("out").textContent = "done " + t; });
fetch("https://other.invalid/x").catch(() => {});
`

// TestRecordsRequests shows that the browser's requests are recorded with
// their method, URL, headers and body, including one to another origin
// (which is refused), and that CheckRequests reports what it should.
func TestRecordsRequests(t *testing.T) {
	b := browsertest.New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Write([]byte(page))
		case "/app.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(script))
		case "/echo":
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()

	b.MustDo(t, chromedp.Navigate(srv.URL+"/#fragment-secret"))
	got := browsertest.Run(t, b, chromedp.Poll[string](`document.getElementById("out").textContent.startsWith("done") && document.getElementById("out").textContent`, chromedp.WithPollingTimeout(20*time.Second)))
	if got != "done ok" {
		t.Fatalf("page shows %q", got)
	}
	// The refused request to another origin may still be on its way.
	deadline := time.Now().Add(10 * time.Second)
	var sawPost, sawOther bool
	for time.Now().Before(deadline) && !(sawPost && sawOther) {
		sawPost, sawOther = false, false
		for _, r := range b.Requests() {
			if r.Source == "network" && r.Method == "POST" && strings.HasSuffix(r.URL, "/echo?q=visible") &&
				r.Body == "secret-in-body" && r.Header.Get("X-Test") == "h1" {
				sawPost = true
			}
			if strings.Contains(r.URL, "other.invalid") {
				sawOther = true
			}
			if strings.Contains(r.URL, "fragment-secret") {
				t.Errorf("a recorded URL keeps its fragment: %s", r)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !sawPost || !sawOther {
		t.Fatalf("recorded POST with body and header: %v, request to other origin: %v; requests:\n%v", sawPost, sawOther, b.Requests())
	}

	// CheckRequests must flag both the secret and the other origin.
	ft := &fakeT{TB: t}
	b.CheckRequests(ft, srv.URL, "secret-in-body", "fragment-secret")
	if !strings.Contains(ft.msgs, "secret") || !strings.Contains(ft.msgs, "other.invalid") {
		t.Errorf("CheckRequests reported:\n%s", ft.msgs)
	}
	if strings.Contains(ft.msgs, "fragment-sec") {
		t.Errorf("the fragment was reported as sent:\n%s", ft.msgs)
	}
}

type fakeT struct {
	testing.TB
	msgs string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.msgs += strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n"
}
