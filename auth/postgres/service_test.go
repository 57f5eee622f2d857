package postgres_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres"
	"github.com/wardauth/ward/auth/postgres/pgtest"
)

// instances returns n services ("instances") over one PostgreSQL schema,
// each with its own connection pool, sharing the key-encryption key.
func instances(t *testing.T, n int, mod func(*auth.Config)) []*auth.Service {
	t.Helper()
	return instancesOn(t, pgtest.Schema(t), n, mod)
}

// instancesOn is instances on the schema of dsn.
func instancesOn(t *testing.T, dsn string, n int, mod func(*auth.Config)) []*auth.Service {
	t.Helper()
	var out []*auth.Service
	for range n {
		svc, err := instance(t, dsn, mod)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, svc)
	}
	return out
}

// instance starts one service over its own pool on the schema of dsn; the
// pool is closed when t ends. It may be called from any goroutine.
func instance(t *testing.T, dsn string, mod func(*auth.Config)) (*auth.Service, error) {
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { db.Close() })
	cfg := auth.Config{Issuer: "https://auth.example.com", Audience: []string{"https://api.example.com"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: auth.Limits{Off: true}}
	if mod != nil {
		mod(&cfg)
	}
	return auth.NewService(context.Background(), db, bytes.Repeat([]byte{0x42}, auth.KEKSize), cfg)
}

// storm presents one refresh token 50 times at once, spread over the
// instances.
func storm(t *testing.T, svcs []*auth.Service, token string) (ok []*auth.TokenPair, errs []error) {
	t.Helper()
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range 50 {
		wg.Go(func() {
			<-start
			p, err := svcs[i%len(svcs)].Refresh(context.Background(), token, auth.RequestMeta{IP: "192.0.2.9"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				ok = append(ok, p)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, errs
}

func login(t *testing.T, svc *auth.Service) *auth.TokenPair {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.Signup(ctx, "tabs@example.com", "correct horse battery staple", auth.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Login(ctx, "tabs@example.com", "correct horse battery staple", auth.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRefreshStormGrace: with the grace window on, 50 concurrent
// refreshes of one token over three instances all get the one next token:
// the row lock serializes them, and the chain does not fork.
func TestRefreshStormGrace(t *testing.T) {
	svcs := instances(t, 3, nil)
	p := login(t, svcs[0])
	ok, errs := storm(t, svcs, p.RefreshToken)
	if len(errs) != 0 {
		t.Fatalf("%d refreshes failed, first: %v", len(errs), errs[0])
	}
	for _, q := range ok {
		if q.RefreshToken != ok[0].RefreshToken {
			t.Fatal("concurrent refreshes got different refresh tokens: the chain forked")
		}
	}
	if _, err := svcs[2].Refresh(context.Background(), ok[0].RefreshToken, auth.RequestMeta{}); err != nil {
		t.Fatalf("the chain does not continue from the converged token: %v", err)
	}
}

// TestRefreshStormNoGrace: with the grace window off, exactly one of 50
// concurrent refreshes over three instances succeeds; the others are
// reuses, which end the session.
func TestRefreshStormNoGrace(t *testing.T) {
	svcs := instances(t, 3, func(c *auth.Config) { c.RefreshGraceOff = true })
	p := login(t, svcs[0])
	ok, errs := storm(t, svcs, p.RefreshToken)
	if len(ok) != 1 {
		t.Fatalf("%d refreshes succeeded, want exactly 1", len(ok))
	}
	for _, err := range errs {
		if auth.ErrorCode(err) != auth.CodeTokenReused {
			t.Fatalf("a losing refresh: %v, want %s", err, auth.CodeTokenReused)
		}
	}
	_, err := svcs[1].Refresh(context.Background(), ok[0].RefreshToken, auth.RequestMeta{})
	if auth.ErrorCode(err) != auth.CodeTokenReused {
		t.Fatalf("the winner's token after the reuse: %v, want %s (session ended)", err, auth.CodeTokenReused)
	}
}

// TestServiceUnavailable: when the database drops the service's
// connections (as in a PostgreSQL restart), a refresh fails with
// CodeUnavailable, which the server answers with 503, not as an internal
// error or a wrong answer; and once connections are made again, it works.
func TestServiceUnavailable(t *testing.T) {
	b := make([]byte, 6)
	rand.Read(b)
	app := "ward_test_" + hex.EncodeToString(b)
	svc := instancesOn(t, pgtest.WithParam(pgtest.Schema(t), "application_name", app), 1, nil)[0]
	p := login(t, svc)
	admin := connect(t, pgtest.URL())
	if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app); err != nil {
		t.Fatal(err)
	}
	tok := p.RefreshToken
	deadline := time.Now().Add(10 * time.Second)
	sawUnavailable := false
	for {
		q, err := svc.Refresh(context.Background(), tok, auth.RequestMeta{})
		if err == nil {
			tok = q.RefreshToken
			break
		}
		if auth.ErrorCode(err) != auth.CodeUnavailable {
			t.Fatalf("refresh on dropped connections: %v (code %q), want %q", err, auth.ErrorCode(err), auth.CodeUnavailable)
		}
		sawUnavailable = true
		if time.Now().After(deadline) {
			t.Fatalf("the service did not recover: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !sawUnavailable {
		t.Log("the pool replaced the dropped connections before the first refresh (no failure seen)")
	}
	if _, err := svc.Refresh(context.Background(), tok, auth.RequestMeta{}); err != nil {
		t.Fatalf("refresh after recovery: %v", err)
	}
}

// TestConcurrentStart: instances that start at once on an empty schema
// create one signing key between them (LockKeys), and every instance signs
// with it.
func TestConcurrentStart(t *testing.T) {
	dsn := pgtest.Schema(t)
	const n = 4
	svcs := make([]*auth.Service, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { svcs[i], errs[i] = instance(t, dsn, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	kid := svcs[0].ActiveKeyID()
	for i, s := range svcs {
		if got := s.ActiveKeyID(); got == "" || got != kid {
			t.Errorf("instance %d signs with %q, instance 0 with %q", i, got, kid)
		}
	}
	keys, err := svcs[0].ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, k := range keys {
		if k.State == auth.KeyActive {
			active++
		}
	}
	if active != 1 {
		t.Errorf("%d active keys after a concurrent start, want 1: %+v", active, keys)
	}
}
