package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

// scrape fetches /metrics from base and parses it with the Prometheus text
// parser.
func scrape(tb testing.TB, client *http.Client, url string) map[string]*dto.MetricFamily {
	tb.Helper()
	res, err := client.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		tb.Fatalf("Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return fams
}

// value returns the value of the series of family name whose labels
// include labels (name, value pairs), or NaN if there is none. A
// histogram's value is its sample count.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return math.NaN()
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return math.NaN()
}

func wantValue(tb testing.TB, fams map[string]*dto.MetricFamily, want float64, name string, labels ...string) {
	tb.Helper()
	if got := value(fams, name, labels...); got != want {
		tb.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// metricsEnv is a server whose service reports to the server's metrics.
func metricsEnv(t *testing.T, mod func(*server.Config)) (*env, *server.Metrics) {
	m := server.NewMetrics()
	e := newEnv(t, envOptions{
		auth: func(c *auth.Config) { c.Observer = m },
		server: func(c *server.Config) {
			if mod != nil {
				mod(c)
			}
		},
	})
	if e.srv.Metrics() != m {
		t.Fatal("the server does not use the service's Metrics")
	}
	return e, m
}

// TestMetrics: /metrics is on by default, parses with the Prometheus text
// parser, counts requests by route pattern (never the raw path) and
// status, and its counters move with traffic: logins by outcome,
// refreshes, reuse, revocations by kind, answers rate_limited, hashing
// waits, the replica's size and age, store errors.
func TestMetrics(t *testing.T) {
	e, _ := metricsEnv(t, nil)
	client := e.hs.Client()
	url := e.hs.URL + "/metrics"
	fams := scrape(t, client, url)
	for _, name := range []string{"ward_logins_total", "ward_refreshes_total", "ward_revocations_total", "ward_store_errors_total",
		"ward_refresh_reuse_total", "ward_password_hash_wait_seconds", "ward_revocation_replica_entries", "ward_revocation_replica_age_seconds", "go_goroutines"} {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	wantValue(t, fams, 0, "ward_logins_total", "outcome", "success")
	wantValue(t, fams, 0, "ward_revocation_replica_entries")

	e.do("GET", "/healthz", nil)
	e.do("GET", "/healthz", nil)
	e.do("GET", "/v1/me", nil)
	e.do("DELETE", "/v1/me/sessions/some-id", nil)
	e.do("GET", "/no/such/path", nil)
	e.signup("metrics@example.com")
	tk := e.login("metrics@example.com", testPassword)
	expectStatus(t, e.do("POST", "/v1/auth/login", map[string]string{"email": "metrics@example.com", "password": "Wrong-Password-123"}), http.StatusUnauthorized)
	r := e.refresh(tk.refresh)
	expectStatus(t, r, http.StatusOK)
	e.clock.Advance(time.Minute) // past the grace window
	expectStatus(t, e.refresh(tk.refresh), http.StatusUnauthorized)
	tk2 := e.login("metrics@example.com", testPassword)
	expectStatus(t, e.do("POST", "/oauth2/revoke", formOf(map[string]string{"token": tk2.access, "client_id": "ward"})), http.StatusOK)
	// An answer with the code rate_limited, from whichever handler.
	limited := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/v1/auth/login", nil)
	req.Pattern = "POST /v1/auth/login"
	e.srv.WriteError(limited, req, auth.Errorf(auth.CodeRateLimited, "Slow down."))
	if limited.Code != http.StatusTooManyRequests {
		t.Fatalf("rate_limited answered %d", limited.Code)
	}
	e.clock.Advance(90 * time.Second) // the replica was loaded 150 s ago

	fams = scrape(t, client, url)
	wantValue(t, fams, 2, "ward_http_requests_total", "route", "GET /healthz", "status", "200")
	wantValue(t, fams, 1, "ward_http_requests_total", "route", "GET /v1/me", "status", "401")
	wantValue(t, fams, 1, "ward_http_requests_total", "route", "DELETE /v1/me/sessions/{id}", "status", "401")
	wantValue(t, fams, 1, "ward_http_requests_total", "route", "unmatched", "status", "404")
	wantValue(t, fams, 2, "ward_http_request_duration_seconds", "route", "GET /healthz")
	wantValue(t, fams, 2, "ward_logins_total", "outcome", "success")
	wantValue(t, fams, 1, "ward_logins_total", "outcome", "failure")
	wantValue(t, fams, 1, "ward_refreshes_total", "outcome", "success")
	wantValue(t, fams, 1, "ward_refresh_reuse_total")
	wantValue(t, fams, 1, "ward_revocations_total", "kind", "session") // the reuse
	wantValue(t, fams, 1, "ward_revocations_total", "kind", "token")   // RFC 7009
	wantValue(t, fams, 1, "ward_rate_limited_total", "route", "POST /v1/auth/login")
	wantValue(t, fams, 4, "ward_password_hash_wait_seconds") // signup, 3 logins
	wantValue(t, fams, 2, "ward_revocation_replica_entries")
	wantValue(t, fams, 150, "ward_revocation_replica_age_seconds")
	wantValue(t, fams, 0, "ward_store_errors_total")
	for name := range fams {
		for _, m := range fams[name].GetMetric() {
			for _, lp := range m.GetLabel() {
				if strings.Contains(lp.GetValue(), "some-id") || strings.Contains(lp.GetValue(), "/no/such") {
					t.Errorf("%s has a raw path in a label: %q", name, lp.GetValue())
				}
			}
		}
	}

	// A 429 of the OAuth endpoints is counted too.
	oauthLimited := httptest.NewRecorder()
	req = httptest.NewRequest("POST", "/oauth2/token", nil)
	req.Pattern = "POST /oauth2/token"
	e.srv.WriteError(oauthLimited, req, auth.Errorf(auth.CodeRateLimited, "Slow down."))
	// Store errors.
	e.db.Close()
	e.do("GET", "/readyz", nil)
	fams = scrape(t, client, url)
	wantValue(t, fams, 1, "ward_rate_limited_total", "route", "POST /oauth2/token")
	if v := value(fams, "ward_store_errors_total"); !(v >= 1) {
		t.Errorf("ward_store_errors_total = %v after the store closed", v)
	}
}

// TestMetricsOff: DisableMetrics serves no /metrics and records nothing;
// SeparateMetrics keeps /metrics off the API.
func TestMetricsOff(t *testing.T) {
	off := newEnv(t, envOptions{server: func(c *server.Config) { c.DisableMetrics = true }})
	r := off.do("GET", "/metrics", nil)
	expectStatus(t, r, http.StatusNotFound)
	if r.errorCode(t) != "not_found" || off.srv.Metrics() != nil {
		t.Fatalf("metrics off: %s", r.body)
	}
	sep := newEnv(t, envOptions{server: func(c *server.Config) { c.SeparateMetrics = true }})
	expectStatus(t, sep.do("GET", "/metrics", nil), http.StatusNotFound)
	rec := httptest.NewRecorder()
	sep.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `ward_http_requests_total{route="unmatched",status="404"} 1`) {
		t.Fatalf("MetricsHandler: %d %s", rec.Code, rec.Body)
	}
}

// TestServeMetricsListener: Serve answers /metrics on the metrics
// listener only, both on real loopback listeners, and stops both when its
// context ends.
func TestServeMetricsListener(t *testing.T) {
	e, _ := metricsEnv(t, func(c *server.Config) { c.SeparateMetrics = true })
	api, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, server.Listeners{API: api, Metrics: mln}) }()
	apiURL, metricsURL := "http://"+api.Addr().String(), "http://"+mln.Addr().String()
	res, err := http.Get(apiURL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res, err = http.Get(apiURL + "/metrics"); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("the API serves /metrics: %d", res.StatusCode)
	}
	fams := scrape(t, http.DefaultClient, metricsURL+"/metrics")
	wantValue(t, fams, 1, "ward_http_requests_total", "route", "GET /healthz", "status", "200")
	if res, err = http.Get(metricsURL + "/healthz"); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"code":"not_found"`) {
		t.Fatalf("the metrics listener serves the API: %d %s", res.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	for _, u := range []string{apiURL, metricsURL} {
		if _, err := http.Get(u + "/healthz"); err == nil {
			t.Fatalf("%s still answers after Serve returned", u)
		}
	}
}

// BenchmarkMetricsRequest measures what the metrics add to one request
// (route and status counters, duration histogram): no allocation once
// the route and status have been seen.
//
//	go test ./server -run '^$' -bench MetricsRequest -benchmem
func BenchmarkMetricsRequest(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			discard := slog.New(slog.NewTextHandler(io.Discard, nil))
			e := newEnv(b, envOptions{
				auth:   func(c *auth.Config) { c.Logger = discard },
				server: func(c *server.Config) { c.Logger, c.DisableMetrics = discard, !on },
			})
			req := httptest.NewRequest("GET", "/healthz", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				w.Body.Reset()
				e.srv.ServeHTTP(w, req)
			}
		})
	}
}
