package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// TestParseServeOpsFlags: the operations flags and their variables.
func TestParseServeOpsFlags(t *testing.T) {
	t.Parallel()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	envs := map[string]string{
		"WARD_DATA_DIR":                 "/srv/ward",
		"WARD_MAX_REVOCATION_STALENESS": "30s",
		"WARD_AUDIT_RETENTION":          "30d",
		"WARD_METRICS_ADDR":             "127.0.0.1:9090",
	}
	cfg, code := parseServeFlags(e, nil, func(k string) string { return envs[k] })
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.MaxRevocationStaleness != 30*time.Second || cfg.AuditRetention != 30*24*time.Hour || cfg.MetricsAddr != "127.0.0.1:9090" || cfg.NoMetrics {
		t.Errorf("from the environment: %+v", cfg)
	}
	cfg, code = parseServeFlags(e, []string{"--data-dir", "/d", "--audit-retention", "0", "--no-metrics"}, func(string) string { return "" })
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.AuditRetention != 0 || !cfg.NoMetrics || cfg.MetricsAddr != "" || cfg.MaxRevocationStaleness != 0 {
		t.Errorf("flags: %+v", cfg)
	}
	cfg, code = parseServeFlags(e, []string{"--data-dir", "/d"}, func(string) string { return "" })
	if code >= 0 || cfg.AuditRetention != auth.DefaultAuditRetention || cfg.NoMetrics || cfg.MetricsAddr != "" {
		t.Errorf("defaults: exit %d, %+v", code, cfg)
	}
}

// TestServeMetricsAddr: with --metrics-addr, /metrics is served on its own
// listener and not on --addr; it counts the server's traffic and what the
// service reports (logins).
func TestServeMetricsAddr(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.MetricsAddr = "127.0.0.1:0"
	m, stderr := mustRunMain(t, cfg)
	if m.MetricsURL == "" || m.MetricsURL == m.URL {
		t.Fatalf("MetricsURL %q, URL %q", m.MetricsURL, m.URL)
	}
	if !strings.Contains(stderr.String(), "ward: metrics on "+m.MetricsURL+"/metrics\n") {
		t.Errorf("stderr does not say where the metrics are:\n%s", stderr)
	}
	creds := map[string]string{"email": "metrics@example.com", "password": testPassword}
	mustCall(t, "POST", m.URL+"/v1/auth/signup", "", creds, 201)
	mustCall(t, "POST", m.URL+"/v1/auth/login", "", creds, 200)
	res := mustGet(t, m.URL+"/metrics")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on --addr: %d", res.StatusCode)
	}
	res = mustGet(t, m.MetricsURL+"/metrics")
	body := readAll(t, res)
	for _, want := range []string{
		`ward_http_requests_total{route="POST /v1/auth/login",status="200"} 1`,
		`ward_http_requests_total{route="unmatched",status="404"} 1`, // GET /metrics on --addr
		`ward_logins_total{outcome="success"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}

}

// TestServeNoMetrics: --no-metrics serves no /metrics; --audit-retention 0
// keeps audit events forever and --max-revocation-staleness reaches the
// service.
func TestServeNoMetrics(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.NoMetrics = true
	cfg.AuditRetention = 0
	cfg.SyncInterval, cfg.MaxRevocationStaleness = time.Second, 30*time.Second
	m, _ := mustRunMain(t, cfg)
	if c := m.Service.Config(); c.AuditRetention >= 0 || c.MaxRevocationStaleness != 30*time.Second {
		t.Errorf("service config: retention %v, staleness %v", c.AuditRetention, c.MaxRevocationStaleness)
	}
	mustCall(t, "GET", m.URL+"/readyz", "", nil, 200)
	if res := mustGet(t, m.URL+"/metrics"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics with --no-metrics: %d", res.StatusCode)
	}
}

func mustGet(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
