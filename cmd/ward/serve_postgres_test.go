package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/internal/wardtest"
)

// TestServePostgres starts two real "ward serve --db postgres://…"
// processes on one PostgreSQL schema, sharing a key-encryption key: a
// user signs up and logs in on the first, refreshes on the second, logs
// out on the first; the old refresh token is then refused by the second,
// and the logged-out access token by both once they have synced.
func TestServePostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	bin := wardtest.Build(t)
	kek := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(kek, []byte(auth.NewKEK()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() *wardtest.Server {
		return wardtest.Serve(t, bin, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--kek-file", kek, "--db", dsn, "--sync-interval", "200ms",
			"--issuer", "https://auth.example.test") // one issuer for both, as behind a load balancer
	}
	a := start()
	b := start()

	creds := map[string]string{"email": "ann@example.com", "password": testPassword}
	mustCall(t, "POST", a.URL+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", a.URL+"/v1/auth/login", "", creds, 200)
	at, rt := login.str("access_token"), login.str("refresh_token")
	// Both instances sign with keys of the one keyring: each accepts the
	// other's token.
	mustCall(t, "GET", b.URL+"/v1/me", at, nil, 200)

	ref := mustCall(t, "POST", b.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": rt}, 200)
	at2, rt2 := ref.str("access_token"), ref.str("refresh_token")
	if at2 == "" || rt2 == "" || rt2 == rt {
		t.Fatalf("refresh on the second instance = %v", ref.Body)
	}
	mustCall(t, "GET", a.URL+"/v1/me", at2, nil, 200)

	mustCall(t, "POST", a.URL+"/v1/auth/logout", at2, map[string]string{"scope": "session"}, 204)
	r := mustCall(t, "POST", b.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": rt2}, 401)
	if code := r.errorCode(); code != auth.CodeSessionEnded {
		t.Errorf("refresh after logout on the other instance: %v", r.Body)
	}
	// The session's revocation reaches the second instance by its sync
	// from PostgreSQL.
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range []*wardtest.Server{a, b} {
		for statusOf(t, p.URL+"/v1/me", at2) != http.StatusUnauthorized {
			if time.Now().After(deadline) {
				t.Fatalf("%s still accepts the logged-out access token", p.URL)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
