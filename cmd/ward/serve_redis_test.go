package main

import (
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/limit"
)

// redisServeConfigs returns the configurations of two ward serve instances
// on one data directory (one SQLite file, one key-encryption key) and one
// Redis at redisURL, under a key prefix of the test's own that is cleaned
// up when it ends, with a login limit of 3 per account and address.
func redisServeConfigs(t *testing.T, redisURL, cleanURL string, sync time.Duration) (serveConfig, serveConfig) {
	t.Helper()
	prefix := authtest.RedisPrefix(t, cleanURL)
	a := testServeConfig(t)
	a.Redis, a.RedisPrefix, a.SyncInterval = redisURL, prefix, sync
	a.Issuer = "http://ward.test" // one issuer behind one load balancer
	a.Limits.Login, a.Limits.LoginAccount = limit.Off, limit.Rate{Burst: 3, Every: time.Hour}
	b2 := a
	return a, b2
}

// waitStatus polls GET url with bearer until it answers want.
func waitStatus(t *testing.T, url, bearer string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for statusOf(t, url, bearer) != want {
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: not %d after %v", url, want, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitReadyz polls /readyz of each instance until it answers 200 with
// status.
func waitReadyz(t *testing.T, status string, ms ...*Main) {
	t.Helper()
	for _, m := range ms {
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := mustCall(t, "GET", m.URL+"/readyz", "", nil, 200)
			if r.str("status") == status {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz: %v, want status %s", r.Body, status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// wrongLogins posts wrong passwords for email to the instances in turn
// until one answers 429, and returns how many answered 401 before.
func wrongLogins(t *testing.T, email string, urls ...string) int {
	t.Helper()
	for i := range 20 {
		r := mustCallAny(t, "POST", urls[i%len(urls)]+"/v1/auth/login", map[string]string{"email": email, "password": "not the password at all"})
		switch r.Status {
		case 429:
			return i
		case 401:
		default:
			t.Fatalf("wrong login %d: %d %v", i+1, r.Status, r.Body)
		}
	}
	t.Fatal("20 wrong logins and no 429")
	return 0
}

func mustCallAny(t *testing.T, method, url string, body any) apiResponse {
	t.Helper()
	r, err := call(http.DefaultClient, method, url, "", body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// TestServeRedis: two ward serve instances with --redis and a sync
// interval of an hour: a logout on one is refused by the other at once
// (the bus), and wrong passwords spread over both hit one limit.
func TestServeRedis(t *testing.T) {
	t.Parallel()
	ru := authtest.RedisURL(t)
	ca, cb := redisServeConfigs(t, ru, ru, time.Hour)
	a, _ := mustRunMain(t, ca)
	b, _ := mustRunMain(t, cb)
	creds := map[string]string{"email": "ann@example.com", "password": testPassword}
	mustCall(t, "POST", a.URL+"/v1/auth/signup", "", creds, 201)
	at := mustCall(t, "POST", b.URL+"/v1/auth/login", "", creds, 200).str("access_token")
	mustCall(t, "GET", a.URL+"/v1/me", at, nil, 200)
	mustCall(t, "POST", b.URL+"/v1/auth/logout", at, map[string]string{"scope": "session"}, 204)
	waitStatus(t, a.URL+"/v1/me", at, 401, 5*time.Second)
	if n := wrongLogins(t, "ann@example.com", a.URL, b.URL); n != 3 {
		t.Fatalf("%d wrong passwords over two instances before 429, want 3 (one shared limit)", n)
	}
	for _, m := range []*Main{a, b} {
		if r := mustCall(t, "GET", m.URL+"/readyz", "", nil, 200); r.str("status") != "ready" {
			t.Fatalf("/readyz: %v", r.Body)
		}
	}
}

// TestServeRedisDown: two instances whose Redis goes away (a proxy stops)
// answer /readyz 200 "degraded", still log in, and see each other's
// logouts within the sync interval; when Redis is back, /readyz is
// "ready" again.
func TestServeRedisDown(t *testing.T) {
	t.Parallel()
	ru := authtest.RedisURL(t)
	u, err := url.Parse(ru)
	if err != nil {
		t.Fatal(err)
	}
	proxy := authtest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	ca, cb := redisServeConfigs(t, u.String(), ru, 300*time.Millisecond)
	a, _ := mustRunMain(t, ca)
	b, _ := mustRunMain(t, cb)
	creds := map[string]string{"email": "bob@example.com", "password": testPassword}
	mustCall(t, "POST", a.URL+"/v1/auth/signup", "", creds, 201)

	proxy.Stop()
	waitReadyz(t, "degraded", a, b)
	at := mustCall(t, "POST", b.URL+"/v1/auth/login", "", creds, 200).str("access_token")
	mustCall(t, "GET", a.URL+"/v1/me", at, nil, 200)
	mustCall(t, "POST", b.URL+"/v1/auth/logout", at, map[string]string{"scope": "session"}, 204)
	waitStatus(t, a.URL+"/v1/me", at, 401, 5*time.Second)

	proxy.Start()
	waitReadyz(t, "ready", a, b)
}

// TestParseServeRedisFlags: --redis and --redis-prefix come from flags or
// WARD_REDIS and WARD_REDIS_PREFIX; a password goes in the environment
// only, never in a flag (the process list shows flags).
func TestParseServeRedisFlags(t *testing.T) {
	t.Parallel()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	envs := map[string]string{"WARD_REDIS": "redis://:s3cret@10.0.0.5:6379/1", "WARD_REDIS_PREFIX": "prod:"}
	cfg, code := parseServeFlags(e, nil, func(k string) string { return envs[k] })
	if code >= 0 || cfg.Redis != envs["WARD_REDIS"] || cfg.RedisPrefix != "prod:" {
		t.Fatalf("from the environment: exit %d, %q %q", code, cfg.Redis, cfg.RedisPrefix)
	}
	cfg, code = parseServeFlags(e, []string{"--redis", "redis://10.0.0.6:6379/0"}, func(k string) string { return envs[k] })
	if code >= 0 || cfg.Redis != "redis://10.0.0.6:6379/0" {
		t.Fatalf("the flag over the environment: exit %d, %q", code, cfg.Redis)
	}
	if _, code := parseServeFlags(e, []string{"--redis", "redis://:s3cret@10.0.0.6:6379/0"}, func(string) string { return "" }); code != exitUsage {
		t.Fatalf("a password in --redis: exit %d, want %d", code, exitUsage)
	}
}
