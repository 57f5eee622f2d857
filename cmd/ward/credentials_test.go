package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// wardRun runs the ward command line in-process and fails the test unless
// it exits 0; it returns standard output.
func wardRun(t testing.TB, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("ward %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

// jwksKids returns the sorted kids of the server's JWKS.
func jwksKids(t *testing.T, base string) []string {
	t.Helper()
	res, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	slices.Sort(kids)
	return kids
}

// clientCredentialsStatus runs the client_credentials grant.
func clientCredentialsStatus(t *testing.T, base, id, secret string) int {
	t.Helper()
	res, err := http.PostForm(base+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestRewrapThenServe: after ward keys rewrap, ward serve starts with the
// new key-encryption key and not with the old one, and nothing was lost:
// users, sessions (their refresh tokens), signing keys (the JWKS, and the
// access tokens they signed) and clients.
func TestRewrapThenServe(t *testing.T) {
	t.Parallel()
	keys := t.TempDir()
	oldKEK, newKEK := filepath.Join(keys, "old.kek"), filepath.Join(keys, "new.kek")
	wardRun(t, "keys", "new-kek", oldKEK)
	wardRun(t, "keys", "new-kek", newKEK)
	cfg := testServeConfig(t)
	cfg.KEKFile = oldKEK
	cfg.Issuer = "https://auth.example.com" // the same across restarts (the default names the port)

	m := &Main{Config: cfg}
	if err := m.Run(context.Background(), &env{stdout: io.Discard, stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{"email": "kept@example.com", "password": testPassword}
	mustCall(t, "POST", m.URL+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", m.URL+"/v1/auth/login", "", creds, 200)
	added := wardRun(t, "client", "add", "--data-dir", cfg.DataDir, "--kek-file", oldKEK, "kept")
	id, secret := envValue(added, "client_id"), envValue(added, "client_secret")
	if code := clientCredentialsStatus(t, m.URL, id, secret); code != 200 {
		t.Fatalf("client_credentials before the rewrap: %d", code)
	}
	kids := jwksKids(t, m.URL)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	out := wardRun(t, "keys", "rewrap", "--data-dir", cfg.DataDir, "--kek-file", oldKEK, "--new-kek-file", newKEK)
	if !strings.Contains(out, "(signing keys: 2, secrets: 1)") {
		t.Fatalf("rewrap: %s", out)
	}

	// Not with the old key.
	err := (&Main{Config: cfg}).Run(context.Background(), &env{stdout: io.Discard, stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "wrong key-encryption key") {
		t.Fatalf("ward serve with the old key: %v", err)
	}
	// With the new one, everything is there.
	cfg.KEKFile = newKEK
	m2, _ := mustRunMain(t, cfg)
	if got := jwksKids(t, m2.URL); !slices.Equal(got, kids) {
		t.Fatalf("JWKS kids %v after the rewrap, want %v", got, kids)
	}
	me := mustCall(t, "GET", m2.URL+"/v1/me", login.str("access_token"), nil, 200)
	if me.str("email") != "kept@example.com" {
		t.Fatalf("/v1/me = %v", me.Body)
	}
	mustCall(t, "POST", m2.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": login.str("refresh_token")}, 200)
	mustCall(t, "POST", m2.URL+"/v1/auth/login", "", creds, 200)
	if code := clientCredentialsStatus(t, m2.URL, id, secret); code != 200 {
		t.Fatalf("client_credentials after the rewrap: %d", code)
	}
}

// TestServeSeesRevokedCredentials: a running server sees what ward keys
// revoke and ward client disable / rotate-secret wrote from another
// process: the revoked key leaves the JWKS and its tokens are refused
// within the sync interval; the client's old secret is refused at once.
func TestServeSeesRevokedCredentials(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	cfg.SyncInterval = 50 * time.Millisecond
	m, _ := mustRunMain(t, cfg)
	creds := map[string]string{"email": "rev@example.com", "password": testPassword}
	mustCall(t, "POST", m.URL+"/v1/auth/signup", "", creds, 201)
	at := mustCall(t, "POST", m.URL+"/v1/auth/login", "", creds, 200).str("access_token")
	kids := jwksKids(t, m.URL)

	var active string
	for line := range strings.Lines(wardRun(t, "keys", "list", "--data-dir", cfg.DataDir)) {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "active" {
			active = f[0]
		}
	}
	if !slices.Contains(kids, active) {
		t.Fatalf("active key %q not in the JWKS %v", active, kids)
	}
	wardRun(t, "keys", "revoke", "--data-dir", cfg.DataDir, "--", active)
	deadline := time.Now().Add(5 * time.Second)
	for statusOf(t, m.URL+"/v1/me", at) != 401 || slices.Contains(jwksKids(t, m.URL), active) {
		if time.Now().After(deadline) {
			t.Fatal("the server still trusts a revoked key after 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A new active key signs.
	at = mustCall(t, "POST", m.URL+"/v1/auth/login", "", creds, 200).str("access_token")
	mustCall(t, "GET", m.URL+"/v1/me", at, nil, 200)

	added := wardRun(t, "client", "add", "--data-dir", cfg.DataDir, "svc")
	id, secret := envValue(added, "client_id"), envValue(added, "client_secret")
	if code := clientCredentialsStatus(t, m.URL, id, secret); code != 200 {
		t.Fatalf("client_credentials: %d", code)
	}
	rotated := envValue(wardRun(t, "client", "rotate-secret", "--data-dir", cfg.DataDir, id), "client_secret")
	if code := clientCredentialsStatus(t, m.URL, id, secret); code != 401 {
		t.Fatalf("the old secret after rotate-secret: %d, want 401", code)
	}
	if code := clientCredentialsStatus(t, m.URL, id, rotated); code != 200 {
		t.Fatalf("the new secret: %d", code)
	}
	wardRun(t, "client", "disable", "--data-dir", cfg.DataDir, id)
	if code := clientCredentialsStatus(t, m.URL, id, rotated); code != 401 {
		t.Fatalf("a disabled client: %d, want 401", code)
	}
}

// envValue returns the value of NAME=value in the lines of s.
func envValue(s, name string) string {
	for line := range strings.Lines(s) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+"="); ok {
			return v
		}
	}
	return ""
}
