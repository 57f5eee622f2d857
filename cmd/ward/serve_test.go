package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/authtest"
)

// syncBuffer is the concurrency-safe buffer of auth/authtest.
type syncBuffer = authtest.Buffer

// testServeConfig returns the defaults with a fresh data directory and a
// free loopback port.
func testServeConfig(t *testing.T) serveConfig {
	cfg := newServeConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.LogLevel = 8 // errors only
	return cfg
}

// mustRunMain runs ward serve in-process on cfg and stops it when the test
// ends.
func mustRunMain(t *testing.T, cfg serveConfig) (*Main, *syncBuffer) {
	t.Helper()
	stderr := new(syncBuffer)
	m := &Main{Config: cfg}
	if err := m.Run(context.Background(), &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr}); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m, stderr
}

// apiResponse is a decoded JSON response.
type apiResponse struct {
	Status int
	Body   map[string]any
}

func (r apiResponse) str(name string) string {
	s, _ := r.Body[name].(string)
	return s
}

// errorCode returns the code of an app API error body.
func (r apiResponse) errorCode() string {
	if e, ok := r.Body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return r.str("error")
}

// call sends a JSON request (body nil: none) with an optional bearer
// token. It returns an error only if no response came.
func call(client *http.Client, method, url, bearer string, body any) (apiResponse, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return apiResponse{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return apiResponse{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := client.Do(req)
	if err != nil {
		return apiResponse{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return apiResponse{}, err
	}
	out := apiResponse{Status: res.StatusCode}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out.Body); err != nil {
			return out, errors.New("response is not JSON: " + string(data))
		}
	}
	return out, nil
}

func mustCall(t testing.TB, method, url, bearer string, body any, want int) apiResponse {
	t.Helper()
	r, err := call(http.DefaultClient, method, url, bearer, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %v", method, url, r.Status, want, r.Body)
	}
	return r
}

const testPassword = "correct horse battery staple"

func TestServeZeroConfig(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	m, stderr := mustRunMain(t, cfg)
	if !strings.HasPrefix(m.URL, "http://127.0.0.1:") || strings.HasSuffix(m.URL, ":0") {
		t.Fatalf("URL = %q", m.URL)
	}
	res := mustCall(t, "GET", m.URL+"/healthz", "", nil, 200)
	if res.str("status") != "ok" {
		t.Errorf("/healthz = %v", res.Body)
	}
	out := stderr.String()
	for _, want := range []string{
		"ward: listening on " + m.URL + "\n",
		"ward: issuer " + m.URL + "\n",
		"ward: data directory " + cfg.DataDir + " (database sqlite:" + filepath.Join(cfg.DataDir, "ward.db") + ")\n",
		"ward: generated a key-encryption key in " + filepath.Join(cfg.DataDir, "kek") + ":",
		"any other --addr needs your own key",
		"ward: hint: no users yet: sign up through POST " + m.URL + "/v1/auth/signup, or create one with: ward user add --data-dir " + cfg.DataDir + " EMAIL\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	fi, err := os.Stat(filepath.Join(cfg.DataDir, "kek"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("kek: %v, %v; want mode 0600", fi, err)
	}
	// The metadata names the issuer the server chose.
	md := mustCall(t, "GET", m.URL+"/.well-known/oauth-authorization-server", "", nil, 200)
	if md.str("issuer") != m.URL || md.str("jwks_uri") != m.URL+"/.well-known/jwks.json" {
		t.Errorf("metadata = %v", md.Body)
	}
	// Metrics are on, on the same address.
	if r, err := http.Get(m.URL + "/metrics"); err != nil || r.StatusCode != 200 {
		t.Errorf("/metrics: %v %v", r, err)
	} else {
		r.Body.Close()
	}
}

// TestServeFlow runs the app API on an in-process server, and checks that
// nothing secret is logged.
func TestServeFlow(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.LogLevel = -4 // debug: everything
	cfg.LogFormat = "json"
	m, stderr := mustRunMain(t, cfg)
	u := m.URL
	creds := map[string]string{"email": "ann@example.com", "password": testPassword}
	mustCall(t, "POST", u+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", u+"/v1/auth/login", "", creds, 200)
	at, rt := login.str("access_token"), login.str("refresh_token")
	me := mustCall(t, "GET", u+"/v1/me", at, nil, 200)
	if me.str("email") != "ann@example.com" {
		t.Errorf("/v1/me = %v", me.Body)
	}
	ref := mustCall(t, "POST", u+"/v1/auth/refresh", "", map[string]string{"refresh_token": rt}, 200)
	at2 := ref.str("access_token")
	mustCall(t, "POST", u+"/v1/auth/logout", at2, map[string]string{"scope": "session"}, 204)
	mustCall(t, "GET", u+"/v1/me", at2, nil, 401)
	mustCall(t, "GET", u+"/v1/me", at, nil, 401)

	logs := stderr.String()
	for _, secret := range []string{testPassword, at, rt, at2, ref.str("refresh_token")} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret was logged: %.20s…", secret)
		}
	}
	if !strings.Contains(logs, `"msg":"http request"`) {
		t.Errorf("no JSON access log:\n%s", logs)
	}
}

// TestServeSeesAdminChanges checks that the server learns, through the
// store, of what the admin commands of another process wrote: a disabled
// user's access token is refused within the sync interval.
func TestServeSeesAdminChanges(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.SyncInterval = 50 * time.Millisecond
	m, _ := mustRunMain(t, cfg)
	creds := map[string]string{"email": "bob@example.com", "password": testPassword}
	mustCall(t, "POST", m.URL+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", m.URL+"/v1/auth/login", "", creds, 200)
	at := login.str("access_token")
	mustCall(t, "GET", m.URL+"/v1/me", at, nil, 200)

	var out, errb bytes.Buffer
	if code := run([]string{"user", "disable", "--data-dir", cfg.DataDir, "bob@example.com"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("user disable: exit %d: %s", code, errb.String())
	}
	// The refresh token fails at once: refreshes read the store.
	r := mustCall(t, "POST", m.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": login.str("refresh_token")}, 401)
	if r.errorCode() != "session_ended" {
		t.Errorf("refresh after disable: %v", r.Body)
	}
	// The access token fails once the server has reloaded its revocations.
	deadline := time.Now().Add(5 * time.Second)
	for statusOf(t, m.URL+"/v1/me", at) != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the access token of a disabled user is still accepted after 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustCall(t, "POST", m.URL+"/v1/auth/login", "", creds, 401)
}

func statusOf(t *testing.T, url, bearer string) int {
	t.Helper()
	r, err := call(http.DefaultClient, "GET", url, bearer, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

// TestServeNonLoopback: any address but loopback needs the operator's own
// KEK, outside the data directory.
func TestServeNonLoopback(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.Addr = "0.0.0.0:0"
	cfg.Issuer = "https://auth.example.com"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")

	var ce *cmdError
	err := (&Main{Config: cfg}).Run(context.Background(), &env{stdout: io.Discard, stderr: io.Discard})
	if !errors.As(err, &ce) || ce.code != exitUsage || !strings.Contains(ce.msg, "refusing to listen on 0.0.0.0:0") {
		t.Fatalf("Run with a generated KEK on 0.0.0.0: %v", err)
	}
	if _, err := os.Stat(cfg.DataDir); !os.IsNotExist(err) {
		t.Errorf("the refused start created the data directory: %v", err)
	}

	kekFile := filepath.Join(t.TempDir(), "kek")
	var out, errb bytes.Buffer
	if code := run([]string{"keys", "new-kek", kekFile}, nil, &out, &errb); code != 0 {
		t.Fatalf("keys new-kek: %s", errb.String())
	}
	cfg.KEKFile = kekFile
	m, stderr := mustRunMain(t, cfg)
	port := m.URL[strings.LastIndexByte(m.URL, ':')+1:]
	res := mustCall(t, "GET", "http://127.0.0.1:"+port+"/.well-known/oauth-authorization-server", "", nil, 200)
	if res.str("issuer") != "https://auth.example.com" {
		t.Errorf("issuer = %q", res.str("issuer"))
	}
	if s := stderr.String(); !strings.Contains(s, "ward: warning: serving plain HTTP on 0.0.0.0:0") || strings.Contains(s, "generated") {
		t.Errorf("stderr:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "kek")); !os.IsNotExist(err) {
		t.Errorf("a KEK was generated although one was given: %v", err)
	}
}

// TestParseServeFlags checks the flags, their environment variables and
// which wins.
func TestParseServeFlags(t *testing.T) {
	t.Parallel()
	envs := map[string]string{
		"WARD_DATA_DIR":                  "/srv/ward",
		"WARD_ADDR":                      "127.0.0.1:9000",
		"WARD_ISSUER":                    "https://env.example",
		"WARD_AUDIENCE":                  "api, billing",
		"WARD_ACCESS_TTL":                "5m",
		"WARD_REFRESH_GRACE":             "0s",
		"WARD_SIGNING_ALG":               "EdDSA",
		"WARD_TRUSTED_PROXY":             "10.0.0.0/8,192.0.2.1",
		"WARD_ENABLE_PASSWORD_GRANT":     "true",
		"WARD_SYNC_INTERVAL":             "1s",
		"WARD_LOG_LEVEL":                 "warn",
		"WARD_LOG_FORMAT":                "json",
		"WARD_KEK":                       "WARD-KEK-1:from-env",
		"WARD_CORS_ORIGIN":               "https://app.example, http://localhost:3000/",
		"WARD_HSTS":                      "true",
		"WARD_INSECURE_LOOPBACK_COOKIES": "true",
		"WARD_JWKS_CACHE_TTL":            "2m",
		"WARD_FEED_HEARTBEAT":            "1s",
	}
	getenv := func(k string) string { return envs[k] }
	e := &env{stdout: io.Discard, stderr: io.Discard}

	cfg, code := parseServeFlags(e, nil, getenv)
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.DataDir != "/srv/ward" || cfg.dsn() != "sqlite:/srv/ward/ward.db" || cfg.Addr != "127.0.0.1:9000" ||
		cfg.Issuer != "https://env.example" || !slices.Equal(cfg.Audience, []string{"api", "billing"}) ||
		cfg.AccessTTL != 5*time.Minute || cfg.RefreshGrace != 0 || cfg.SigningAlg != "EdDSA" ||
		!cfg.EnablePasswordGrant || cfg.SyncInterval != time.Second || cfg.LogLevel != 4 || cfg.LogFormat != "json" ||
		cfg.KEK != "WARD-KEK-1:from-env" || cfg.KEKFile != "" {
		t.Errorf("from the environment: %+v", cfg)
	}
	if cfg.JWKSCacheTTL != 2*time.Minute || cfg.FeedHeartbeat != time.Second {
		t.Errorf("JWKSCacheTTL %v FeedHeartbeat %v", cfg.JWKSCacheTTL, cfg.FeedHeartbeat)
	}
	wantProxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	if !slices.Equal(cfg.TrustedProxies, wantProxies) {
		t.Errorf("TrustedProxies = %v", cfg.TrustedProxies)
	}
	if !slices.Equal(cfg.CORSOrigins, []string{"https://app.example", "http://localhost:3000"}) || !cfg.HSTS || !cfg.InsecureLoopbackCookies {
		t.Errorf("CORSOrigins %v HSTS %v InsecureLoopbackCookies %v", cfg.CORSOrigins, cfg.HSTS, cfg.InsecureLoopbackCookies)
	}
	for _, bad := range []string{"app.example", "https://app.example/path", "ftp://app.example", "https://", "https://app.example?x=1"} {
		var stderr strings.Builder
		if _, code := parseServeFlags(&env{stdout: io.Discard, stderr: &stderr}, []string{"--cors-origin", bad}, getenv); code != exitUsage {
			t.Errorf("--cors-origin %q: exit %d, want %d", bad, code, exitUsage)
		} else if !strings.Contains(stderr.String(), "is not an origin") {
			t.Errorf("--cors-origin %q: %s", bad, stderr.String())
		}
	}

	// Flags win; a repeated flag replaces the variable's list.
	cfg, code = parseServeFlags(e, []string{"--addr", "127.0.0.1:0", "--audience", "a", "--audience", "b,c",
		"--refresh-grace", "3s", "--kek-file", "k", "--data-dir", "rel", "--db", "sqlite:/x.db"}, getenv)
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.Addr != "127.0.0.1:0" || !slices.Equal(cfg.Audience, []string{"a", "b", "c"}) || cfg.RefreshGrace != 3*time.Second ||
		cfg.KEKFile != "k" || cfg.KEK != "" || !filepath.IsAbs(cfg.DataDir) || cfg.dsn() != "sqlite:/x.db" {
		t.Errorf("flags over the environment: %+v", cfg)
	}

	// The defaults.
	cfg, code = parseServeFlags(e, nil, func(k string) string {
		return map[string]string{"XDG_DATA_HOME": "/xdg"}[k]
	})
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.DataDir != "/xdg/ward" || cfg.AccessTTL != 10*time.Minute ||
		cfg.RefreshGrace != 10*time.Second || cfg.SigningAlg != "ES256" || cfg.SyncInterval != 5*time.Second ||
		cfg.LogLevel != 0 || cfg.LogFormat != "text" || cfg.Issuer != "" || cfg.EnablePasswordGrant ||
		cfg.CORSOrigins != nil || cfg.HSTS || cfg.InsecureLoopbackCookies || cfg.JWKSCacheTTL != 5*time.Minute || cfg.FeedHeartbeat != 15*time.Second {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:0": true, "[::1]:8080": true, "localhost:8080": true, "LOCALHOST:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.0.2.1:80": false, "auth.example.com:443": false,
		"127.0.0.1": false,
	} {
		if got := isLoopbackAddr(addr); got != want {
			t.Errorf("isLoopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestServeTLS serves HTTPS with --tls-cert and --tls-key; the issuer
// defaults to an https URL.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)

	cfg := testServeConfig(t)
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	m, _ := mustRunMain(t, cfg)
	if !strings.HasPrefix(m.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %q", m.URL)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	r, err := call(client, "GET", m.URL+"/.well-known/oauth-authorization-server", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.str("issuer") != m.URL {
		t.Errorf("metadata over TLS: %d %v", r.Status, r.Body)
	}
	// HTTPS answers carry HSTS.
	res, err := client.Get(m.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") != "max-age=63072000" {
		t.Errorf("Strict-Transport-Security over TLS: %q", res.Header.Get("Strict-Transport-Security"))
	}
	// Plain HTTP on the TLS port gets a JSON 400 and nothing useful.
	r, err = call(http.DefaultClient, "GET", "http"+strings.TrimPrefix(m.URL, "https")+"/healthz", "", nil)
	if err != nil || r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("plain HTTP on the TLS port: %v %+v", err, r)
	}
}

// TestServeConfigApplies checks that the flags reach the service and the
// server: the access token lifetime, the audience, the signing algorithm,
// the password grant and --refresh-grace 0s.
func TestServeConfigApplies(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.AccessTTL = 5 * time.Minute
	cfg.RefreshGrace = 0
	cfg.Audience = []string{"api", "billing"}
	cfg.SigningAlg = "EdDSA"
	cfg.EnablePasswordGrant = true
	m, _ := mustRunMain(t, cfg)
	u := m.URL

	md := mustCall(t, "GET", u+"/.well-known/oauth-authorization-server", "", nil, 200)
	if grants, _ := json.Marshal(md.Body["grant_types_supported"]); !strings.Contains(string(grants), `"password"`) {
		t.Errorf("grant_types_supported = %s, want password too", grants)
	}
	creds := map[string]string{"email": "cy@example.com", "password": testPassword}
	mustCall(t, "POST", u+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", u+"/v1/auth/login", "", creds, 200)
	if login.Body["expires_in"] != float64(300) {
		t.Errorf("expires_in = %v, want 300", login.Body["expires_in"])
	}
	var out, errb bytes.Buffer
	at := login.str("access_token")
	if code := run([]string{"decode", "--json", at}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("decode: %s", errb.String())
	}
	var dec struct {
		Header map[string]any `json:"header"`
		Claims map[string]any `json:"claims"`
	}
	if err := json.Unmarshal(out.Bytes(), &dec); err != nil {
		t.Fatalf("decode --json: %v\n%s", err, out.String())
	}
	if dec.Header["alg"] != "EdDSA" || dec.Header["typ"] != "at+jwt" {
		t.Errorf("header = %v", dec.Header)
	}
	if aud, _ := json.Marshal(dec.Claims["aud"]); string(aud) != `["api","billing"]` {
		t.Errorf("aud = %s", aud)
	}

	// No grace window: the previous refresh token is a reuse at once, and
	// ends the session.
	rt := login.str("refresh_token")
	ref := mustCall(t, "POST", u+"/v1/auth/refresh", "", map[string]string{"refresh_token": rt}, 200)
	r := mustCall(t, "POST", u+"/v1/auth/refresh", "", map[string]string{"refresh_token": rt}, 401)
	if r.errorCode() != "token_reused" {
		t.Errorf("second use of a refresh token with --refresh-grace 0s: %v", r.Body)
	}
	mustCall(t, "GET", u+"/v1/me", ref.str("access_token"), nil, 401)
}

// TestServeTrustedProxy: with --trusted-proxy, the client address in the
// logs comes from X-Forwarded-For; without it, never.
func TestServeTrustedProxy(t *testing.T) {
	t.Parallel()
	for _, trusted := range []bool{false, true} {
		cfg := testServeConfig(t)
		cfg.LogLevel = 0
		if trusted {
			cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		}
		m, stderr := mustRunMain(t, cfg)
		req, _ := http.NewRequest("GET", m.URL+"/healthz", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// The access log line is written after the response.
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stderr.String(), "path=/healthz") && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		if got := strings.Contains(stderr.String(), "ip=203.0.113.7"); got != trusted {
			t.Errorf("trusted proxy %v: X-Forwarded-For logged = %v\n%s", trusted, got, stderr)
		}
	}
}
