package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/sqlite"
	"github.com/wardauth/ward/server"
)

const (
	testIssuer   = "https://ward.example"
	testPassword = "Velvet-Harbor-Lantern-42"
	newPassword  = "Quiet-Meadow-Compass-87"
)

func newClock() *clock { return authtest.NewClock(time.Now().Truncate(time.Second)) }

// clock and mustOpenStore come from auth/authtest.
type clock = authtest.Clock

var mustOpenStore = authtest.MustOpenStore

// env is a server on loopback over a service over a SQLite file.
type env struct {
	t     testing.TB
	db    *sqlite.DB
	svc   *auth.Service
	srv   *server.Server
	hs    *httptest.Server
	clock *clock
	logs  *syncBuffer
	kek   []byte
}

type envOptions struct {
	auth   func(*auth.Config)
	server func(*server.Config)
}

// syncBuffer is the concurrency-safe buffer of auth/authtest.
type syncBuffer = authtest.Buffer

func newEnv(tb testing.TB, opts ...envOptions) *env {
	tb.Helper()
	e := &env{t: tb, db: mustOpenStore(tb), clock: newClock(), logs: &syncBuffer{}}
	kek, err := auth.ParseKEK(auth.NewKEK())
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	acfg := auth.Config{Issuer: testIssuer, Now: e.clock.Now, Logger: logger}
	scfg := server.Config{Logger: logger}
	for _, o := range opts {
		if o.auth != nil {
			o.auth(&acfg)
		}
		if o.server != nil {
			o.server(&scfg)
		}
	}
	e.kek = kek
	e.svc, err = auth.NewService(context.Background(), e.db, kek, acfg)
	if err != nil {
		tb.Fatal(err)
	}
	e.srv = server.New(e.svc, scfg)
	e.hs = httptest.NewServer(e.srv)
	tb.Cleanup(e.hs.Close)
	return e
}

// response is a decoded HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		tb.Fatalf("response body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// errorCode returns the app API error code of the response.
func (r *response) errorCode(tb testing.TB) string {
	tb.Helper()
	m := r.json(tb)
	e, ok := m["error"].(map[string]any)
	if !ok {
		tb.Fatalf("response %s has no app API error", r.body)
	}
	code, _ := e["code"].(string)
	return code
}

func (r *response) str(tb testing.TB, key string) string {
	tb.Helper()
	v, _ := r.json(tb)[key].(string)
	return v
}

// do sends a request. body is sent as is when it is a string, else as
// JSON; headers are name, value pairs.
func (e *env) do(method, path string, body any, headers ...string) *response {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd = strings.NewReader(b.Encode())
		ct = "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		ct = "application/json"
	}
	req, err := http.NewRequest(method, e.hs.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.hs.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func expectStatus(tb testing.TB, r *response, want int) {
	tb.Helper()
	if r.status != want {
		tb.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

func (e *env) signup(email string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/auth/signup", map[string]string{"email": email, "password": testPassword})
	expectStatus(e.t, r, http.StatusCreated)
	return r.str(e.t, "id")
}

type tokens struct {
	access, refresh string
}

func (e *env) login(email, password string) tokens {
	e.t.Helper()
	r := e.do("POST", "/v1/auth/login", map[string]string{"email": email, "password": password})
	expectStatus(e.t, r, http.StatusOK)
	return tokens{r.str(e.t, "access_token"), r.str(e.t, "refresh_token")}
}

func (e *env) refresh(rt string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": rt})
}

// userCount counts the accounts in the store.
func (e *env) userCount() int {
	e.t.Helper()
	us, err := e.svc.ListUsers(context.Background(), "", 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(us)
}

// auditCount counts the audit events in the store.
func (e *env) auditCount() int {
	e.t.Helper()
	evs, err := e.svc.Audit(context.Background(), auth.AuditQuery{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(evs)
}

// addClient registers an OAuth client and returns its ID and secret.
func (e *env) addClient(scopes ...string) (string, string) {
	e.t.Helper()
	c, secret, err := e.svc.AddClient(context.Background(), auth.ClientSpec{Name: "test client", Scopes: scopes, Introspect: true, IntrospectEmail: true}, auth.RequestMeta{})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID, secret
}

// basic returns an Authorization header with the client's credentials,
// form-urlencoded first as RFC 6749, Section 2.3.1 asks.
func basic(id, secret string) []string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return []string{"Authorization", req.Header.Get("Authorization")}
}

func formOf(m map[string]string) url.Values {
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v
}
