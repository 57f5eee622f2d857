package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

// Run with:
//
//	go test ./server -run '^$' -bench HTTP -benchtime 5s
//
// Each benchmark drives the real server on loopback (httptest, SQLite file
// with synchronous=FULL) from GOMAXPROCS×parallelism goroutines and reports
// requests per second and the 50th and 99th percentile latencies.

const benchParallelism = 4

func benchEnv(b *testing.B) *env {
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	return newEnv(b, envOptions{
		auth:   func(c *auth.Config) { c.Logger = discard; c.Now = nil; c.Limits.Off = true },
		server: func(c *server.Config) { c.Logger = discard },
	})
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
}

// latencies collects per-request durations from parallel goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	pct := func(p float64) float64 {
		return float64(l.all[int(float64(len(l.all)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(l.all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(len(l.all))/elapsed.Seconds()/float64(runtime.GOMAXPROCS(0)), "req/s/core")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func post(c *http.Client, u, ct, body string, header ...string) ([]byte, error) {
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ct)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", u, res.StatusCode, out)
	}
	return out, nil
}

// BenchmarkRefreshHTTP measures POST /v1/auth/refresh: each goroutine
// rotates its own session's refresh token (one durable SQLite write and
// one signature per request).
func BenchmarkRefreshHTTP(b *testing.B) {
	e := benchEnv(b)
	e.signup("bench@example.com")
	n := runtime.GOMAXPROCS(0) * benchParallelism
	sessions := make(chan string, n)
	for range n {
		tp, err := e.svc.Login(context.Background(), "bench@example.com", testPassword, auth.RequestMeta{})
		if err != nil {
			b.Fatal(err)
		}
		sessions <- tp.RefreshToken
	}
	client := benchClient()
	u := e.hs.URL + "/v1/auth/refresh"
	var lat latencies
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		rt := <-sessions
		var local []time.Duration
		for pb.Next() {
			t0 := time.Now()
			body, err := post(client, u, "application/json", `{"refresh_token":"`+rt+`"}`)
			local = append(local, time.Since(t0))
			var out struct {
				RefreshToken string `json:"refresh_token"`
			}
			if err == nil {
				err = json.Unmarshal(body, &out)
			}
			if err != nil || out.RefreshToken == "" {
				b.Errorf("refresh: %v %s", err, body)
				return
			}
			rt = out.RefreshToken
		}
		lat.add(local)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	lat.report(b, elapsed)
}

// BenchmarkClientCredentialsHTTP measures POST /oauth2/token with the
// client_credentials grant and HTTP Basic (one store read and one
// signature per request; successes are not written).
func BenchmarkClientCredentialsHTTP(b *testing.B) {
	e := benchEnv(b)
	id, secret := e.addClient("orders:read")
	basicAuth := basic(id, secret)
	client := benchClient()
	u := e.hs.URL + "/oauth2/token"
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	var lat latencies
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			t0 := time.Now()
			body, err := post(client, u, "application/x-www-form-urlencoded", form, basicAuth...)
			local = append(local, time.Since(t0))
			if err != nil || !strings.Contains(string(body), `"access_token"`) {
				b.Errorf("token endpoint: %v %s", err, body)
				return
			}
		}
		lat.add(local)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	lat.report(b, elapsed)
}

// BenchmarkLoginHTTP measures POST /v1/auth/login and, in the same run,
// the argon2id ceiling: hashes per second at the configured cost with
// every core hashing. Logins should reach most of the ceiling (each login
// is one hash plus one durable write and one signature).
func BenchmarkLoginHTTP(b *testing.B) {
	e := benchEnv(b)
	e.signup("login-bench@example.com")

	// The ceiling, measured before and after the logins so that a
	// change in the machine's load during the run shows less.
	before := hashCeiling(b, e.svc)
	client := benchClient()
	u := e.hs.URL + "/v1/auth/login"
	body := `{"email":"login-bench@example.com","password":"` + testPassword + `"}`
	var lat latencies
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			t0 := time.Now()
			out, err := post(client, u, "application/json", body)
			local = append(local, time.Since(t0))
			if err != nil || !strings.Contains(string(out), `"refresh_token"`) {
				b.Errorf("login: %v %s", err, out)
				return
			}
		}
		lat.add(local)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	ceiling := (before + hashCeiling(b, e.svc)) / 2
	lat.report(b, elapsed)
	b.ReportMetric(ceiling, "hash/s")
	if len(lat.all) > 0 {
		b.ReportMetric(100*float64(len(lat.all))/elapsed.Seconds()/ceiling, "%ceiling")
	}
}

// hashCeiling returns the argon2id hashes per second of GOMAXPROCS
// goroutines hashing for one second at the service's cost.
func hashCeiling(b *testing.B, svc *auth.Service) float64 {
	var hashes atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var wg sync.WaitGroup
	t0 := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := svc.Hasher().Hash(context.Background(), testPassword); err != nil {
					b.Error(err)
					return
				}
				hashes.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(hashes.Load()) / time.Since(t0).Seconds()
}
