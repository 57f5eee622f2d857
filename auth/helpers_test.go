package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/sqlite"
	"github.com/wardauth/ward/jose/jwk"
)

var testKEK = bytes.Repeat([]byte{0x42}, auth.KEKSize)

type env struct {
	svc   *auth.Service
	db    *sqlite.DB
	clock *clock
	logs  *bytes.Buffer
}

// clock and mustOpenStore come from auth/authtest.
type clock = authtest.Clock

var mustOpenStore = authtest.MustOpenStore

// newEnv returns a service over a fresh store, with a fake clock starting
// at a fixed instant.
func newEnv(tb testing.TB, mod func(*auth.Config)) *env {
	tb.Helper()
	e := &env{db: mustOpenStore(tb), clock: authtest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 250_000_000, time.UTC)), logs: new(bytes.Buffer)}
	e.svc = e.service(tb, mod)
	return e
}

// service returns another service over e's store and clock.
func (e *env) service(tb testing.TB, mod func(*auth.Config)) *auth.Service {
	tb.Helper()
	cfg := auth.Config{
		Issuer:   "https://auth.example.com",
		Audience: []string{"https://api.example.com"},
		Now:      e.clock.Now,
		Logger:   slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	svc, err := auth.NewService(context.Background(), e.db, testKEK, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var (
	ctx  = context.Background()
	meta = auth.RequestMeta{IP: "192.0.2.7", UserAgent: "test/1.0"}
)

const goodPassword = "correct horse battery staple"

func (e *env) signup(tb testing.TB, email string) *auth.User {
	tb.Helper()
	u, err := e.svc.Signup(ctx, email, goodPassword, meta)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func (e *env) login(tb testing.TB, email string) *auth.TokenPair {
	tb.Helper()
	p, err := e.svc.Login(ctx, email, goodPassword, meta)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func (e *env) authn(tb testing.TB, tok string) *auth.AccessClaims {
	tb.Helper()
	c, err := e.svc.Authenticate(ctx, tok)
	if err != nil {
		tb.Fatalf("Authenticate: %v", err)
	}
	return c
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := auth.ErrorCode(err); got != code {
		tb.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func (e *env) session(tb testing.TB, id string) *auth.Session {
	tb.Helper()
	var s *auth.Session
	err := e.db.View(ctx, func(tx auth.ReadTx) error {
		var err error
		s, err = tx.Session(id)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func (e *env) auditTypes(tb testing.TB, q auth.AuditQuery) map[string]int {
	tb.Helper()
	q.Limit = 1000
	evs, err := e.svc.Audit(ctx, q)
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]int{}
	for _, ev := range evs {
		m[ev.Type+"/"+ev.Outcome]++
	}
	return m
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func jwkAlg(s string) jwk.Algorithm { return jwk.Algorithm(s) }
