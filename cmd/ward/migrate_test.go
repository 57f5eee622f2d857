package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/migrate"
	"github.com/wardauth/ward/auth/postgres"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/auth/sqlite"
)

// TestMigrate populates a SQLite store through the real service (users,
// refreshed and ended sessions, a client, rotated and revoked keys,
// revocations of every kind, the audit events all this writes), runs
// "ward migrate" into a new PostgreSQL schema, and then, on a service
// over that schema with the same key-encryption key: every user logs in,
// every live session refreshes with its last refresh token, every
// revocation holds, the client authenticates, tokens signed before the
// migration verify, and new revocations follow the copied sequence. A
// second run into the same schema is refused.
func TestMigrate(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	kek := bytes.Repeat([]byte{0x42}, auth.KEKSize)
	clock := authtest.NewClock(time.Now().Add(-time.Hour).Truncate(time.Second))
	cfg := auth.Config{Issuer: "https://auth.example.test", Audience: []string{"https://api.example.test"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: auth.Limits{Off: true},
		AccessTTL: auth.MaxAccessTTL, Now: clock.Now}
	meta := auth.RequestMeta{IP: "192.0.2.7", UserAgent: "migrate-test"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// The source, populated through the service.
	path := filepath.Join(t.TempDir(), "ward.db")
	src, err := sqlite.Open(path)
	must(err)
	svc, err := auth.NewService(ctx, src, kek, cfg)
	must(err)
	emails := []string{"ann@example.test", "bob@example.test", "cat@example.test", "dan@example.test", "eve@example.test"}
	pw := func(email string) string { return testPassword + " no. " + strconv.Itoa(int(email[0])) }
	login := map[string]*auth.TokenPair{}
	for _, e := range emails {
		_, err := svc.Signup(ctx, e, pw(e), meta)
		must(err)
	}
	logIn := func(e string) *auth.TokenPair {
		t.Helper()
		p, err := svc.Login(ctx, e, pw(e), meta)
		must(err)
		return p
	}
	for _, e := range []string{"ann", "bob", "dan", "eve"} {
		login[e] = logIn(e + "@example.test") // signed by the first key
	}
	firstKey := svc.ActiveKeyID()
	clock.Advance(auth.DefaultJWKSCacheTTL + time.Minute)
	rot, err := svc.RotateKeys(ctx)
	must(err)
	if !rot.Rotated {
		t.Fatalf("rotation: %+v", rot)
	}
	login["cat"] = logIn("cat@example.test") // signed by the second key
	clock.Advance(auth.DefaultJWKSCacheTTL + time.Minute)
	if rot, err = svc.RotateKeys(ctx); err != nil || !rot.Rotated {
		t.Fatalf("rotation: %+v, %v", rot, err)
	}
	must(svc.RevokeKey(ctx, kid(t, login["cat"].AccessToken), meta)) // kind "key": cat's access token
	if svc.ActiveKeyID() == firstKey {
		t.Fatal("the first key still signs")
	}

	// Refreshes: ann once, bob twice; bob's first new access token is
	// revoked (kind "token").
	last := map[string]string{} // the last refresh token of each live session
	for _, e := range []string{"ann", "bob", "bob"} {
		rt := login[e].RefreshToken
		if r, ok := last[e]; ok {
			rt = r
		}
		p, err := svc.Refresh(ctx, rt, meta)
		must(err)
		last[e] = p.RefreshToken
		if e == "bob" && login["bob1"] == nil {
			login["bob1"] = p
		} else if e == "bob" {
			login["bob2"] = p
		}
	}
	last["cat"] = login["cat"].RefreshToken
	must(svc.RevokeToken(ctx, login["bob1"].AccessToken, meta))
	// dan logs out (kind "session"); eve's sessions are all ended by an
	// administrator (kind "user").
	danClaims, err := svc.Authenticate(ctx, login["dan"].AccessToken)
	must(err)
	must(svc.Logout(ctx, danClaims, auth.LogoutSession, meta))
	eve, err := svc.UserByEmail(ctx, "eve@example.test")
	must(err)
	must(svc.EndUserSessions(ctx, eve.ID, meta))
	client, secret, err := svc.AddClient(ctx, auth.ClientSpec{Name: "reports", Scopes: []string{"read"}}, meta)
	must(err)
	_, err = svc.ClientCredentials(ctx, client.ID, secret, []string{"read"}, meta)
	must(err)
	srcRevs, _, err := svc.RevocationsSince(ctx, 0)
	must(err)
	kinds := map[string]bool{}
	for _, r := range srcRevs {
		kinds[r.Kind] = true
	}
	for _, k := range []string{auth.RevokeToken, auth.RevokeSession, auth.RevokeUser, auth.RevokeKey} {
		if !kinds[k] {
			t.Fatalf("no revocation of kind %q in the source: %+v", k, srcRevs)
		}
	}

	// ward migrate, while the source is open (its service idle).
	code, stdout, stderr := runWard("migrate", "--from", "sqlite:"+path, "--to", dsn)
	if code != 0 {
		t.Fatalf("ward migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	want, err := migrate.Sum(ctx, src)
	must(err)
	if stdout != want.String() {
		t.Errorf("ward migrate printed\n%s\nthe source's summary is\n%s", stdout, want)
	}
	if want.Users != 5 || want.Sessions != 5 || want.Clients != 1 || want.Keys < 3 || want.AuditEvents == 0 || want.Secrets == 0 {
		t.Errorf("source summary: %+v", want)
	}
	if !strings.Contains(stderr, "verified the copy") {
		t.Errorf("stderr: %s", stderr)
	}
	must(src.Close())

	// A second run into the now populated schema is refused.
	code, _, stderr = runWard("migrate", "--from", "sqlite:"+path, "--to", dsn)
	if code != exitInvalid || !strings.Contains(stderr, "target store is not empty") {
		t.Errorf("second migrate: exit %d, %s", code, stderr)
	}

	// The target, served.
	dst, err := postgres.Open(ctx, dsn)
	must(err)
	defer dst.Close()
	got, err := migrate.Sum(ctx, dst)
	must(err)
	if got != want {
		t.Fatalf("target summary %+v, want %+v", got, want)
	}
	pg, err := auth.NewService(ctx, dst, kek, cfg)
	must(err)
	for _, e := range emails {
		if _, err := pg.Login(ctx, e, pw(e), meta); err != nil {
			t.Errorf("login of %s on PostgreSQL: %v", e, err)
		}
	}
	for e, rt := range last {
		if _, err := pg.Refresh(ctx, rt, meta); err != nil {
			t.Errorf("refresh of %s's session on PostgreSQL: %v", e, err)
		}
	}
	for _, e := range []string{"dan", "eve"} {
		if _, err := pg.Refresh(ctx, login[e].RefreshToken, meta); auth.ErrorCode(err) != auth.CodeSessionEnded {
			t.Errorf("refresh of %s's ended session on PostgreSQL: %v", e, err)
		}
	}
	for name, ok := range map[string]bool{"ann": true, "bob2": true, "bob1": false, "cat": false, "dan": false, "eve": false} {
		_, err := pg.Authenticate(ctx, login[name].AccessToken)
		if ok && err != nil {
			t.Errorf("the access token of %s, signed before the migration, is refused: %v", name, err)
		}
		if !ok && err == nil {
			t.Errorf("the revoked access token of %s is accepted", name)
		}
	}
	if kid(t, login["ann"].AccessToken) != firstKey {
		t.Errorf("ann's token is signed by %s, not the first key", kid(t, login["ann"].AccessToken))
	}
	// Every key record is authentic under the same key-encryption key.
	keys, err := pg.ListKeys(ctx)
	must(err)
	if len(keys) != want.Keys {
		t.Errorf("%d keys on PostgreSQL, %d copied", len(keys), want.Keys)
	}
	for _, k := range keys {
		if k.State == auth.KeyRefused {
			t.Errorf("key %+v is refused on PostgreSQL", k)
		}
	}
	if _, err := pg.ClientCredentials(ctx, client.ID, secret, []string{"read"}, meta); err != nil {
		t.Errorf("the client on PostgreSQL: %v", err)
	}

	// New revocations follow the copied sequence, and new audit events
	// the copied IDs.
	annClaims, err := pg.Authenticate(ctx, login["ann"].AccessToken)
	must(err)
	must(pg.Logout(ctx, annClaims, auth.LogoutSession, meta))
	revs, _, err := pg.RevocationsSince(ctx, want.RevocationSeq)
	must(err)
	if len(revs) != 1 || revs[0].Seq <= want.RevocationSeq {
		t.Errorf("revocations after seq %d on PostgreSQL: %+v", want.RevocationSeq, revs)
	}
	evs, err := pg.Audit(ctx, auth.AuditQuery{Limit: 1})
	must(err)
	if len(evs) != 1 || evs[0].ID <= want.LastAuditID {
		t.Errorf("newest audit event %+v, the copied ones end at id %d", evs, want.LastAuditID)
	}
}

// TestMigrateServe runs the real binaries: "ward migrate" copies the
// store of a "ward serve" that keeps running on SQLite, and a "ward serve
// --db postgres://…" with the same key-encryption key then logs the user
// in, refreshes their session with its last refresh token, and accepts
// the access token the SQLite server signed.
func TestMigrateServe(t *testing.T) {
	dsn := pgtest.Schema(t)
	bin := buildWard(t)
	dir := t.TempDir()
	kek := filepath.Join(dir, "kek")
	if err := os.WriteFile(kek, []byte(auth.NewKEK()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const iss = "https://auth.example.test"
	a := startWard(t, bin, "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--kek-file", kek, "--issuer", iss)
	creds := map[string]string{"email": "ann@example.com", "password": testPassword}
	mustCall(t, "POST", a.URL+"/v1/auth/signup", "", creds, 201)
	login := mustCall(t, "POST", a.URL+"/v1/auth/login", "", creds, 200)
	ref := mustCall(t, "POST", a.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": login.str("refresh_token")}, 200)
	at, rt := ref.str("access_token"), ref.str("refresh_token")

	cmd := exec.Command(bin, "migrate", "--from", "sqlite:"+filepath.Join(dir, "data", "ward.db"), "--to", dsn)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ward migrate: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "users 1\nsessions 1\n") || !strings.Contains(stdout.String(), "sha256 ") {
		t.Errorf("ward migrate printed\n%s", stdout.String())
	}

	b := startWard(t, bin, "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data-pg"), "--kek-file", kek, "--issuer", iss, "--db", dsn)
	mustCall(t, "GET", b.URL+"/v1/me", at, nil, 200)
	mustCall(t, "POST", b.URL+"/v1/auth/refresh", "", map[string]string{"refresh_token": rt}, 200)
	mustCall(t, "POST", b.URL+"/v1/auth/login", "", creds, 200)
}
