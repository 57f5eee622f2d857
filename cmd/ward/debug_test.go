package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/web"
)

// TestDebugServesDebugger runs "ward debug" on a free port: it prints the
// page's URL, serves the page with its policy and sends "/" there, and
// stops when its context ends.
func TestDebugServesDebugger(t *testing.T) {
	stdout := new(syncBuffer)
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: new(syncBuffer)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveDebugger(ctx, e, "127.0.0.1:0") }()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		url = strings.TrimSpace(stdout.String())
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, web.DebuggerPath) {
		t.Fatalf("ward debug printed %q", url)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != web.Policy {
		t.Errorf("GET %s: %d, CSP %q", url, resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	root := strings.TrimSuffix(url, web.DebuggerPath) + "/"
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.Get(root)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != web.DebuggerPath {
		t.Errorf("GET /: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveDebugger: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ward debug did not stop")
	}
	if code := run([]string{"debug", "extra"}, strings.NewReader(""), new(syncBuffer), new(syncBuffer)); code != exitUsage {
		t.Errorf("ward debug extra: exit %d, want %d", code, exitUsage)
	}
}

// TestServeMountsDebugger checks that ward serve serves the debugger at
// /debugger/ with the page's own policy, beside its API.
func TestServeMountsDebugger(t *testing.T) {
	t.Parallel()
	m, _ := mustRunMain(t, testServeConfig(t))
	for path, ctype := range map[string]string{"/debugger/": "text/html; charset=utf-8", "/debugger/ward.wasm": "application/wasm"} {
		resp, err := http.Get(m.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype || resp.Header.Get("Content-Security-Policy") != web.Policy {
			t.Errorf("GET %s: %d %q, CSP %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
		}
	}
}

func TestServePages(t *testing.T) {
	t.Parallel()
	for list, want := range map[string]map[string]int{
		"none":     {"/debugger/": 404, "/demo/": 404},
		"debugger": {"/debugger/": 200, "/demo/": 404},
		"demo":     {"/debugger/": 404, "/demo/": 200},
	} {
		cfg := testServeConfig(t)
		cfg.Pages = list
		m, _ := mustRunMain(t, cfg)
		for path, code := range want {
			resp, err := http.Get(m.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != code {
				t.Errorf("--pages %s: GET %s: %d, want %d", list, path, resp.StatusCode, code)
			}
		}
	}
}
