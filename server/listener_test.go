package server_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/server"
)

// runOnLoopback serves e's server with Server.Run on 127.0.0.1:0 until
// the test ends and returns its address.
func runOnLoopback(t *testing.T, e *env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawExchange writes req on conn and reads one response.
func rawExchange(t *testing.T, conn net.Conn, req string) (*http.Response, []byte) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %.40q: %v", req, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// expectJSONError asserts a JSON error answer with status and code.
func expectJSONError(t *testing.T, res *http.Response, body []byte, status int, code string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if res.StatusCode != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal(body, &e) != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("answer %d %v %q, want %d JSON error %q", res.StatusCode, res.Header, body, status, code)
	}
}

// TestPreHandlerErrorsJSON sends, over raw TCP on loopback, the requests
// net/http itself answers before any handler runs (plain text without
// NewListener), and the ones Ward's header limit answers; every answer is
// a JSON error with a stable code (RFC 9110 §15.5.1 400, RFC 6585 §5 431,
// RFC 9110 §15.6.2 501, §15.6.6 505, §15.5.18 417).
func TestPreHandlerErrorsJSON(t *testing.T) {
	e := newEnv(t)
	addr := runOnLoopback(t, e)
	big := strings.Repeat("a", 100<<10)
	tests := []struct {
		name   string
		req    string
		status int
		code   string
	}{
		{"100 KB Authorization header", "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + big + "\r\n\r\n", 431, "headers_too_large"},
		{"20 KB header, under net/http's limit", "GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: " + big[:20<<10] + "\r\n\r\n", 431, "headers_too_large"},
		{"header line without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400, "invalid_request"},
		{"space before the colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400, "invalid_request"},
		{"malformed request line", "GARBAGE\r\n\r\n", 400, "invalid_request"},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "invalid_request"},
		{"two Host headers", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "invalid_request"},
		{"unknown Transfer-Encoding", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: rot13\r\n\r\n", 501, "not_implemented"},
		{"HTTP/3.0", "GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"},
		{"unknown Expect", "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 417, "expectation_failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			res, body := rawExchange(t, conn, tc.req)
			expectJSONError(t, res, body, tc.status, tc.code)
		})
	}

	// Handler answers pass untouched, several on one connection, errors
	// included.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, body := rawExchange(t, conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if res.StatusCode != 200 || string(body) != "{\"status\":\"ok\"}\n" {
		t.Fatalf("/healthz: %d %q", res.StatusCode, body)
	}
	res, body = rawExchange(t, conn, "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n{")
	expectJSONError(t, res, body, 400, "invalid_request")
	if res.Header.Get("Date") == "" || res.Close {
		t.Fatalf("a handler's 400 was rewritten: %v", res.Header)
	}
	res, body = rawExchange(t, conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if res.StatusCode != 200 {
		t.Fatalf("third request on the connection: %d %q", res.StatusCode, body)
	}
}

// testCert returns a certificate for 127.0.0.1 and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return ts.TLS.Certificates[0], pool
}

// TestTLSAndHSTS: with Config.TLS, Run serves HTTPS, handlers see the TLS
// state and every answer carries Strict-Transport-Security; net/http's
// own errors are JSON over TLS too, and a plain-HTTP request to the TLS
// port gets a JSON 400. Without TLS there is no HSTS unless Config.HSTS
// asks for it (a TLS-terminating proxy in front).
func TestTLSAndHSTS(t *testing.T) {
	cert, pool := testCert(t)
	e := newEnv(t, envOptions{server: func(c *server.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}})
	addr := runOnLoopback(t, e)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, path := range []string{"/healthz", "/v1/me", "/nope"} {
		res, err := client.Get("https://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=63072000" || res.TLS == nil {
			t.Fatalf("%s over TLS: Strict-Transport-Security %q", path, got)
		}
	}

	// A cookie-mode login over TLS: the server sees r.TLS, so the
	// request's own https origin passes the Origin check.
	e.signup("tls@example.com")
	req, _ := http.NewRequest("GET", "https://"+addr+"/v1/auth/csrf", nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var csrf struct {
		CSRFToken string `json:"csrf_token"`
	}
	json.NewDecoder(res.Body).Decode(&csrf)
	res.Body.Close()
	req, _ = http.NewRequest("POST", "https://"+addr+"/v1/auth/login",
		strings.NewReader(`{"email":"tls@example.com","password":"`+testPassword+`","mode":"cookie"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://"+addr)
	req.Header.Set("X-CSRF-Token", csrf.CSRFToken)
	req.Header.Set("Cookie", csrfCookie+"="+csrf.CSRFToken)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("cookie login over TLS: %d", res.StatusCode)
	}

	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r, body := rawExchange(t, conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n")
	expectJSONError(t, r, body, 400, "invalid_request")

	plain, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	r, body = rawExchange(t, plain, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	expectJSONError(t, r, body, 400, "invalid_request")

	off := newEnv(t)
	if got := off.do("GET", "/healthz", nil).header.Get("Strict-Transport-Security"); got != "" {
		t.Fatalf("plain HTTP sends Strict-Transport-Security %q", got)
	}
	proxied := newEnv(t, envOptions{server: func(c *server.Config) { c.HSTS = true }})
	if got := proxied.do("GET", "/v1/me", nil).header.Get("Strict-Transport-Security"); got != "max-age=63072000" {
		t.Fatalf("Config.HSTS: Strict-Transport-Security %q", got)
	}
}
