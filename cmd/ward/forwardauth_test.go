package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwk"
)

// TestParseForwardAuthFlags: the environment fills what the command line
// does not give, a flag wins over its variable, the secret comes from a
// file or the environment, and the defaults are those of the usage.
func TestParseForwardAuthFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	feedEnv := filepath.Join(dir, "feed.env")
	if err := os.WriteFile(feedEnv, []byte("client_id=wci_file\nclient_secret=wcs_file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(bare, []byte("wcs_bare\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard}
	envs := map[string]string{
		"WARD_FORWARD_AUTH_ISSUER":            "https://auth.example",
		"WARD_FORWARD_AUTH_AUDIENCE":          "api",
		"WARD_FORWARD_AUTH_ADDR":              "127.0.0.1:7000",
		"WARD_FORWARD_AUTH_HEALTH_ADDR":       "127.0.0.1:7001",
		"WARD_FORWARD_AUTH_CLIENT_ID":         "wci_env",
		"WARD_FORWARD_AUTH_CLIENT_SECRET":     "wcs_env",
		"WARD_FORWARD_AUTH_MAX_STALENESS":     "30s",
		"WARD_FORWARD_AUTH_REFUSE_WHEN_STALE": "true",
		"WARD_FORWARD_AUTH_CACHE":             "5",
		"WARD_FORWARD_AUTH_ALG":               "ES256, EdDSA",
		"WARD_FORWARD_AUTH_COOKIE":            "true",
		"WARD_FORWARD_AUTH_COOKIE_ORIGIN":     "https://app.example,https://www.example",
		"WARD_FORWARD_AUTH_LOG_LEVEL":         "warn",
		"WARD_FORWARD_AUTH_LOG_FORMAT":        "json",
	}
	getenv := func(k string) string { return envs[k] }

	cfg, code := parseForwardAuthFlags(e, nil, getenv)
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.Issuer != "https://auth.example" || cfg.Audience != "api" || cfg.Addr != "127.0.0.1:7000" || cfg.HealthAddr != "127.0.0.1:7001" ||
		cfg.ClientID != "wci_env" || cfg.ClientSecret != "wcs_env" || cfg.MaxStaleness != 30*time.Second || !cfg.RefuseWhenStale ||
		cfg.Cache != 5 || !slices.Equal(cfg.Algorithms, []jwk.Algorithm{jwk.ES256, jwk.EdDSA}) || !cfg.Cookie ||
		!slices.Equal(cfg.CookieOrigins, []string{"https://app.example", "https://www.example"}) || cfg.LogLevel != 4 || cfg.LogFormat != "json" {
		t.Errorf("from the environment: %+v", cfg)
	}

	// Flags win, and mean what they say: --cache 0 is off.
	cfg, code = parseForwardAuthFlags(e, []string{"--issuer", "http://127.0.0.1:8080/", "--audience", "notes", "--addr", "127.0.0.1:0",
		"--cache", "0", "--max-staleness", "2s", "--refuse-when-stale=false", "--alg", "RS256", "--client-id", "wci_file", "--client-secret-file", feedEnv}, getenv)
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.Issuer != "http://127.0.0.1:8080/" || cfg.Audience != "notes" || cfg.Addr != "127.0.0.1:0" || cfg.Cache != 0 ||
		cfg.MaxStaleness != 2*time.Second || cfg.RefuseWhenStale || !slices.Equal(cfg.Algorithms, []jwk.Algorithm{jwk.RS256}) ||
		cfg.ClientID != "wci_file" || cfg.ClientSecret != "wcs_file" {
		t.Errorf("flags over the environment: %+v", cfg)
	}
	// WARD_FORWARD_AUTH_CLIENT_ID (wci_env) other than the file's
	// client_id is a usage error, as --client-id would be.
	if _, code := parseForwardAuthFlags(e, []string{"--client-secret-file", feedEnv}, getenv); code != exitUsage {
		t.Errorf("an id in the environment other than the file's: exit %d, want %d", code, exitUsage)
	}

	// The defaults; the id and secret from the file of ward client add.
	cfg, code = parseForwardAuthFlags(e, []string{"--issuer", "https://auth.example", "--audience", "api", "--client-secret-file", feedEnv},
		func(string) string { return "" })
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.Addr != "127.0.0.1:9191" || cfg.HealthAddr != "" || cfg.ClientID != "wci_file" || cfg.ClientSecret != "wcs_file" ||
		cfg.MaxStaleness != time.Minute || cfg.RefuseWhenStale || cfg.Cache != 10000 || !slices.Equal(cfg.Algorithms, forwardAuthAlgs) ||
		cfg.Cookie || cfg.CookieOrigins != nil || cfg.LogLevel != 0 || cfg.LogFormat != "text" || cfg.InsecureSkipRevocationCheck {
		t.Errorf("defaults: %+v", cfg)
	}
	// A bare secret with the id from a flag.
	cfg, code = parseForwardAuthFlags(e, []string{"--issuer", "https://auth.example", "--audience", "api", "--client-id", "wci_1", "--client-secret-file", bare},
		func(string) string { return "" })
	if code >= 0 || cfg.ClientID != "wci_1" || cfg.ClientSecret != "wcs_bare" {
		t.Errorf("bare secret: exit %d, %+v", code, cfg)
	}
}

// TestCheckedRequest: the method of the request being checked comes from
// the proxy's header (Traefik, then nginx), else from the check itself
// (Envoy), and a state-changing one among them wins.
func TestCheckedRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method  string
		headers map[string]string
		want    string
	}{
		{"GET", nil, "GET"},
		{"POST", nil, "POST"}, // Envoy
		{"GET", map[string]string{"X-Forwarded-Method": "DELETE"}, "DELETE"},
		{"GET", map[string]string{"X-Original-Method": "PUT"}, "PUT"},
		{"GET", map[string]string{"X-Forwarded-Method": "PATCH", "X-Original-Method": "PUT"}, "PATCH"},
		// A forged header never makes a request look safe.
		{"GET", map[string]string{"X-Forwarded-Method": "GET", "X-Original-Method": "POST"}, "POST"},
		{"DELETE", map[string]string{"X-Forwarded-Method": "GET"}, "DELETE"},
		{"GET", map[string]string{"X-Forwarded-Method": "HEAD"}, "HEAD"},
	} {
		r := httptest.NewRequest(tc.method, "/", nil)
		for k, v := range tc.headers {
			r.Header.Set(k, v)
		}
		if got := checkedRequest(r).Method; got != tc.want {
			t.Errorf("%s %v: method %s, want %s", tc.method, tc.headers, got, tc.want)
		}
	}
	r := httptest.NewRequest("GET", "/?ward_scope=a+b&ward_scope=c&ward_role=x,y", nil)
	scopes, roles, ok := requirements(r)
	if !ok || !slices.Equal(scopes, []string{"a", "b", "c"}) || !slices.Equal(roles, []string{"x", "y"}) {
		t.Errorf("requirements: %v %v %v", scopes, roles, ok)
	}
	r = httptest.NewRequest("GET", "/?ward_scope=a"+strings.Repeat(",s", 32), nil)
	if _, _, ok := requirements(r); ok {
		t.Errorf("33 scopes accepted")
	}
}

// runForwardAuthMain runs ward forward-auth in-process on cfg and stops it
// when the test ends.
func runForwardAuthMain(t *testing.T, cfg forwardAuthConfig) *forwardAuthMain {
	t.Helper()
	stderr := new(syncBuffer)
	m := &forwardAuthMain{Config: cfg}
	if err := m.Run(t.Context(), &env{stdout: io.Discard, stderr: stderr}); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

// TestForwardAuthAnswers: the answers of the checks, as a proxy sees
// them: 200 with the identity headers for any path and method, 401 and
// 403 with their challenges, the scope and role requirements of the check
// URL, the cookie CSRF rule on the method the proxy reports, and the
// health endpoints on their own address only.
func TestForwardAuthAnswers(t *testing.T) {
	t.Parallel()
	srv, _ := mustRunMain(t, testServeConfig(t))
	creds := map[string]string{"email": "fa@example.com", "password": testPassword}
	mustCall(t, "POST", srv.URL+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", srv.URL+"/v1/auth/login", "", creds, 200)
	tok := login.str("access_token")
	me := mustCall(t, "GET", srv.URL+"/v1/me", tok, nil, 200)
	claims := tokenClaims(t, tok)

	m := runForwardAuthMain(t, forwardAuthConfig{
		Issuer: srv.URL, Audience: srv.URL, Addr: "127.0.0.1:0", HealthAddr: "127.0.0.1:0",
		Algorithms: forwardAuthAlgs, InsecureSkipRevocationCheck: true, MaxStaleness: time.Minute, Cache: 100,
		Cookie: true, CookieOrigins: []string{"https://app.example"}, LogLevel: 8, LogFormat: "text", ShutdownTimeout: time.Second,
	})
	check := func(method, path string, headers map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, m.URL+path, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	bearer := map[string]string{"Authorization": "Bearer " + tok}
	for _, tc := range []struct {
		method, path string
		headers      map[string]string
		status       int
		challenge    string
	}{
		{"GET", "/", bearer, 200, ""},
		{"POST", "/any/path?x=1", bearer, 200, ""}, // Envoy: the request's own method and path
		{"GET", "/healthz", nil, 401, "Bearer"},    // every path is a check
		{"GET", "/", nil, 401, "Bearer"},           // no credentials: no error code
		{"GET", "/", map[string]string{"Authorization": "Bearer x.y.z"}, 401, `error="invalid_token"`},
		{"GET", "/?ward_scope=notes:write", bearer, 403, `error="insufficient_scope"`},
		{"GET", "/?ward_role=admin", bearer, 403, `error="insufficient_scope"`},
		{"GET", "/?ward_role=admin&ward_role=editor", bearer, 403, `error="insufficient_scope"`},
		{"GET", "/?ward_scope=%22x%22", bearer, 400, ""},
	} {
		res := check(tc.method, tc.path, tc.headers)
		ch := res.Header.Get("WWW-Authenticate")
		if res.StatusCode != tc.status || !strings.Contains(ch, tc.challenge) || (tc.challenge == "Bearer" && strings.Contains(ch, "error=")) {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, res.StatusCode, ch, tc.status, tc.challenge)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: Cache-Control %q", tc.method, tc.path, res.Header.Get("Cache-Control"))
		}
		if tc.status == 200 {
			want := map[string]string{headerSubject: me.str("id"), headerScope: "", headerRoles: "",
				headerSession: claims["sid"].(string), headerClient: claims["client_id"].(string)}
			for k, v := range want {
				if got, ok := res.Header[k]; !ok || got[0] != v {
					t.Errorf("%s %s: %s = %v, want %q", tc.method, tc.path, k, got, v)
				}
			}
		}
	}

	// The access cookie: a safe method passes; a state-changing one (as the
	// proxy reports it) needs the double submit and an allowed Origin.
	cookie := "__Host-ward-access=" + tok + "; __Host-ward-csrf=c5rf"
	for _, tc := range []struct {
		headers map[string]string
		status  int
	}{
		{map[string]string{"Cookie": cookie, "X-Forwarded-Method": "GET"}, 200},
		{map[string]string{"Cookie": cookie, "X-Forwarded-Method": "POST", "Origin": "https://app.example"}, 403},
		{map[string]string{"Cookie": cookie, "X-Original-Method": "DELETE", "Origin": "https://evil.example", "X-CSRF-Token": "c5rf"}, 403},
		{map[string]string{"Cookie": cookie, "X-Forwarded-Method": "POST", "Origin": "https://app.example", "X-CSRF-Token": "c5rf"}, 200},
		{map[string]string{"Cookie": cookie, "X-Original-Method": "PUT", "Origin": "https://app.example", "X-CSRF-Token": "c5rf"}, 200},
	} {
		if res := check("GET", "/", tc.headers); res.StatusCode != tc.status {
			t.Errorf("cookie %v: %d, want %d", tc.headers, res.StatusCode, tc.status)
		}
	}

	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(m.HealthURL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
}

// FuzzParseSecretFile: a client secret file either parses into a
// non-empty secret (and an id) that hold no line break, or fails with
// nothing.
func FuzzParseSecretFile(f *testing.F) {
	for _, s := range []string{"wcs_x\n", "client_id=wci_1\nclient_secret=wcs_2\n", "# feed\nclient_secret=wcs_3", "a=b\n", "", "client_id=x\nclient_id=y\n", "\r\nwcs_4\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, err := parseSecretFile(s)
		if err != nil {
			if id != "" || secret != "" {
				t.Fatalf("error %v with id %q secret %q", err, id, secret)
			}
			return
		}
		if secret == "" || strings.ContainsAny(secret+id, "\r\n") {
			t.Fatalf("id %q secret %q from %q", id, secret, s)
		}
	})
}

// FuzzRequirements: the ward_scope and ward_role of a check URL are
// either refused or names that RequireScope and RequireRole take (they
// panic on others), at most 32 of each.
func FuzzRequirements(f *testing.F) {
	for _, q := range []string{"ward_scope=a+b&ward_role=x,y", "ward_scope=%22", "ward_role=", "ward_scope=a%5Cb", "x=1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = q
		scopes, roles, ok := requirements(r)
		if !ok {
			if scopes != nil || roles != nil {
				t.Fatalf("refused with %q %q", scopes, roles)
			}
			return
		}
		if len(scopes) > 32 || len(roles) > 32 {
			t.Fatalf("%d scopes, %d roles", len(scopes), len(roles))
		}
		if len(scopes) > 0 {
			httpauth.RequireScope(scopes...)
		}
		if len(roles) > 0 {
			httpauth.RequireRole(roles...)
		}
	})
}
