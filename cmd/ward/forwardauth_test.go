package main

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
// (Envoy).
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
	r = httptest.NewRequest("GET", "/?ward_scope=a"+strings.Repeat(",s", maxRequirements), nil)
	if _, _, ok := requirements(r); ok {
		t.Errorf("requirements past %d accepted", maxRequirements)
	}
}
