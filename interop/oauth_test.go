package interop

// Real OAuth 2.0 clients against a running Ward server (issue 3, "Real
// clients"): golang.org/x/oauth2 runs the client_credentials,
// refresh_token and password grants against `ward serve`'s handler,
// served on loopback over a SQLite file. oidc_test.go points
// coreos/go-oidc's RemoteKeySet at the same server.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/server"
)

// srvPassword passes Ward's password policy.
const srvPassword = "Velvet-Harbor-Lantern-42"

// srvClock is the settable clock of auth/authtest.
type srvClock = authtest.Clock

// wardServer is a Ward server on loopback: a service over a fresh SQLite
// file, its HTTP API served by httptest, and an issuer equal to the
// server's base URL so that the metadata URLs are the ones clients reach.
type wardServer struct {
	t     testing.TB
	URL   string
	svc   *auth.Service
	clock *srvClock
	hs    *httptest.Server
	// jwksFetches counts GET /.well-known/jwks.json.
	jwksMu      sync.Mutex
	jwksFetches int
}

type wardServerOptions struct {
	auth   func(*auth.Config)
	server func(*server.Config)
}

func startWard(tb testing.TB, opts ...wardServerOptions) *wardServer {
	tb.Helper()
	db := authtest.MustOpenStore(tb)
	kek, err := auth.ParseKEK(auth.NewKEK())
	if err != nil {
		tb.Fatal(err)
	}
	// The listener first: the issuer is the address it got.
	hs := httptest.NewUnstartedServer(nil)
	ws := &wardServer{t: tb, URL: "http://" + hs.Listener.Addr().String(), hs: hs,
		clock: authtest.NewClock(time.Now().Truncate(time.Second))}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	acfg := auth.Config{Issuer: ws.URL, Now: ws.clock.Now, Logger: discard}
	scfg := server.Config{Logger: discard}
	for _, o := range opts {
		if o.auth != nil {
			o.auth(&acfg)
		}
		if o.server != nil {
			o.server(&scfg)
		}
	}
	if ws.svc, err = auth.NewService(context.Background(), db, kek, acfg); err != nil {
		hs.Listener.Close()
		tb.Fatal(err)
	}
	srv := server.New(ws.svc, scfg)
	hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/jwks.json" {
			ws.jwksMu.Lock()
			ws.jwksFetches++
			ws.jwksMu.Unlock()
		}
		srv.ServeHTTP(w, r)
	})
	hs.Start()
	tb.Cleanup(hs.Close)
	return ws
}

func (ws *wardServer) fetches() int {
	ws.jwksMu.Lock()
	defer ws.jwksMu.Unlock()
	return ws.jwksFetches
}

func (ws *wardServer) tokenURL() string { return ws.URL + "/oauth2/token" }

// addUser creates a user with srvPassword and returns its email.
func (ws *wardServer) addUser(email string) string {
	ws.t.Helper()
	if _, err := ws.svc.AddUser(context.Background(), email, srvPassword, nil, auth.RequestMeta{}); err != nil {
		ws.t.Fatal(err)
	}
	return email
}

// addClient registers an OAuth client and returns its ID and secret.
func (ws *wardServer) addClient(scopes ...string) (id, secret string) {
	ws.t.Helper()
	c, secret, err := ws.svc.AddClient(context.Background(), auth.ClientSpec{Name: "interop", Scopes: scopes, Introspect: true, IntrospectEmail: true}, auth.RequestMeta{})
	if err != nil {
		ws.t.Fatal(err)
	}
	return c.ID, secret
}

// srvTokens is a token response (RFC 6749, Section 5.1).
type srvTokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// login runs POST /v1/auth/login over HTTP.
func (ws *wardServer) login(email string) srvTokens {
	ws.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": srvPassword})
	res, err := http.Post(ws.URL+"/v1/auth/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		ws.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		ws.t.Fatalf("login: %d %s", res.StatusCode, raw)
	}
	var tp srvTokens
	if err := json.Unmarshal(raw, &tp); err != nil || tp.AccessToken == "" || tp.RefreshToken == "" {
		ws.t.Fatalf("login: %v %s", err, raw)
	}
	return tp
}

// introspect asks POST /oauth2/introspect (RFC 7662) about token, as the
// client id.
func (ws *wardServer) introspect(id, secret, token string) map[string]any {
	ws.t.Helper()
	req, _ := http.NewRequest("POST", ws.URL+"/oauth2/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ws.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &m) != nil {
		ws.t.Fatalf("introspect: %d %s", res.StatusCode, raw)
	}
	return m
}

// me calls GET /v1/me with client (which adds the Bearer token) and returns
// the status.
func (ws *wardServer) me(client *http.Client) int {
	ws.t.Helper()
	res, err := client.Get(ws.URL + "/v1/me")
	if err != nil {
		ws.t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// appConfig is the oauth2 configuration of Ward's public app client
// ("ward", no secret), which owns every session.
func (ws *wardServer) appConfig(style oauth2.AuthStyle) *oauth2.Config {
	return &oauth2.Config{
		ClientID: auth.DefaultAppClientID,
		Endpoint: oauth2.Endpoint{TokenURL: ws.tokenURL(), AuthStyle: style},
	}
}

// retrieveError returns err as an *oauth2.RetrieveError, failing the test
// if it is not one.
func retrieveError(tb testing.TB, err error) *oauth2.RetrieveError {
	tb.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		tb.Fatalf("error %v (%T) is not an *oauth2.RetrieveError", err, err)
	}
	return re
}

func bgCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// RFC 6749, Section 4.4: the client_credentials grant, with the client
// authenticating by HTTP Basic (Section 2.3.1, client_secret_basic) and by
// the request body (client_secret_post).
func TestOAuth2ClientCredentials(t *testing.T) {
	ws := startWard(t)
	id, secret := ws.addClient("reports:read", "reports:write")
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"AuthStyleInHeader", oauth2.AuthStyleInHeader},
		{"AuthStyleInParams", oauth2.AuthStyleInParams},
		{"AuthStyleAutoDetect", oauth2.AuthStyleAutoDetect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := bgCtx(t)
			cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: ws.tokenURL(),
				Scopes: []string{"reports:read"}, AuthStyle: tc.style}
			tok, err := cfg.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "Bearer" || tok.RefreshToken != "" || !tok.Valid() {
				t.Fatalf("token: type %q, refresh %q, valid %v", tok.TokenType, tok.RefreshToken, tok.Valid())
			}
			if d := time.Until(tok.Expiry); d < 9*time.Minute || d > 11*time.Minute {
				t.Errorf("expiry in %v, want the default 10m", d)
			}
			if s, _ := tok.Extra("scope").(string); s != "reports:read" {
				t.Errorf("scope %q, want reports:read", s)
			}
			in := ws.introspect(id, secret, tok.AccessToken)
			if in["active"] != true || in["client_id"] != id || in["scope"] != "reports:read" {
				t.Errorf("introspection: %v", in)
			}
			checkAccessClaims(t, ws, tok.AccessToken, id, id, "reports:read", false)
		})
	}

	t.Run("AllScopes", func(t *testing.T) {
		cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: ws.tokenURL()}
		tok, err := cfg.Token(bgCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		checkAccessClaims(t, ws, tok.AccessToken, id, id, "reports:read reports:write", false)
	})

	// The TokenSource a service would use: its client sends the token as
	// Bearer (RFC 6750, Section 2.1). /v1/me is for users, so a client
	// token is refused there, with a challenge and not a crash.
	t.Run("BearerClient", func(t *testing.T) {
		cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: ws.tokenURL()}
		if got := ws.me(cfg.Client(bgCtx(t))); got != http.StatusUnauthorized && got != http.StatusForbidden {
			t.Errorf("GET /v1/me with a client token: %d, want 401 or 403", got)
		}
	})

	for _, tc := range []struct {
		name, secret string
		scopes       []string
		code         string
	}{
		{"WrongSecret", secret + "x", nil, "invalid_client"},            // RFC 6749, Section 5.2
		{"ScopeNotAllowed", secret, []string{"admin"}, "invalid_scope"}, // RFC 6749, Section 5.2
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := clientcredentials.Config{ClientID: id, ClientSecret: tc.secret, TokenURL: ws.tokenURL(),
				Scopes: tc.scopes, AuthStyle: oauth2.AuthStyleInHeader}
			_, err := cfg.Token(bgCtx(t))
			if re := retrieveError(t, err); re.ErrorCode != tc.code {
				t.Errorf("error code %q, want %q (%v)", re.ErrorCode, tc.code, err)
			}
		})
	}
}

// RFC 6749, Section 6: the refresh_token grant through oauth2.TokenSource,
// for the public app client, rotating the refresh token on each use.
func TestOAuth2RefreshToken(t *testing.T) {
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
		name := map[oauth2.AuthStyle]string{oauth2.AuthStyleInParams: "InParams", oauth2.AuthStyleInHeader: "InHeader"}[style]
		t.Run(name, func(t *testing.T) {
			ws := startWard(t, wardServerOptions{auth: func(c *auth.Config) { c.RefreshGraceOff = true }})
			email := ws.addUser("ann@example.com")
			login := ws.login(email)
			ctx := bgCtx(t)
			cfg := ws.appConfig(style)

			// An expired token: the TokenSource refreshes at once.
			tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: login.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.RefreshToken == "" || tok.RefreshToken == login.RefreshToken {
				t.Fatalf("refresh token not rotated: %q", tok.RefreshToken)
			}
			if tok.AccessToken == "" || tok.AccessToken == login.AccessToken || !tok.Valid() {
				t.Fatalf("new access token: %+v", tok)
			}
			if got := ws.me(cfg.Client(ctx, tok)); got != http.StatusOK {
				t.Fatalf("GET /v1/me with the refreshed access token: %d", got)
			}
			u, err := ws.svc.UserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			checkAccessClaims(t, ws, tok.AccessToken, u.ID, auth.DefaultAppClientID, "", true)

			// Twice more: each rotation gives a new token.
			seen := map[string]bool{login.RefreshToken: true, tok.RefreshToken: true}
			cur := tok
			for range 2 {
				next, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: cur.RefreshToken}).Token()
				if err != nil {
					t.Fatal(err)
				}
				if seen[next.RefreshToken] {
					t.Fatalf("refresh token %q seen before", next.RefreshToken)
				}
				seen[next.RefreshToken] = true
				cur = next
			}

			// The grace window is off: the first refresh token, now stale,
			// is a reuse. invalid_grant (RFC 6749, Section 5.2), and the
			// session ends with all its tokens (DESIGN §3).
			_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: login.RefreshToken}).Token()
			if re := retrieveError(t, err); re.ErrorCode != "invalid_grant" || re.Response.StatusCode != http.StatusBadRequest {
				t.Fatalf("stale refresh token: %d %q, want 400 invalid_grant", re.Response.StatusCode, re.ErrorCode)
			}
			_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: cur.RefreshToken}).Token()
			if re := retrieveError(t, err); re.ErrorCode != "invalid_grant" {
				t.Fatalf("current refresh token after a reuse: %q, want invalid_grant", re.ErrorCode)
			}
			if got := ws.me(cfg.Client(ctx, cur)); got != http.StatusUnauthorized {
				t.Fatalf("GET /v1/me with the access token of an ended session: %d, want 401", got)
			}
		})
	}
}

// Within the grace window (the default), the previous refresh token
// answers with the current one instead of rotating: two clients
// refreshing at once stay signed in. Past it, the stale token is a reuse.
func TestOAuth2RefreshGrace(t *testing.T) {
	ws := startWard(t, wardServerOptions{auth: func(c *auth.Config) { c.RefreshGrace = 2 * time.Second }})
	login := ws.login(ws.addUser("bo@example.com"))
	ctx := bgCtx(t)
	cfg := ws.appConfig(oauth2.AuthStyleInParams)
	first, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: login.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	again, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: login.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("previous token inside the grace window: %v", err)
	}
	if again.RefreshToken != first.RefreshToken {
		t.Fatalf("inside the grace window: refresh token %q, want the current %q", again.RefreshToken, first.RefreshToken)
	}
	ws.clock.Advance(3 * time.Second)
	_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: login.RefreshToken}).Token()
	if re := retrieveError(t, err); re.ErrorCode != "invalid_grant" {
		t.Fatalf("previous token after the grace window: %q, want invalid_grant", re.ErrorCode)
	}
}

// RFC 6749, Section 4.3: the password grant, off by default (RFC 9700,
// Section 2.4) and for the app client only.
func TestOAuth2PasswordGrant(t *testing.T) {
	t.Run("Enabled", func(t *testing.T) {
		ws := startWard(t, wardServerOptions{server: func(c *server.Config) { c.EnablePasswordGrant = true }})
		email := ws.addUser("cy@example.com")
		ctx := bgCtx(t)
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
			cfg := ws.appConfig(style)
			tok, err := cfg.PasswordCredentialsToken(ctx, email, srvPassword)
			if err != nil {
				t.Fatal(err)
			}
			if tok.RefreshToken == "" || tok.TokenType != "Bearer" || !tok.Valid() {
				t.Fatalf("password grant token: %+v", tok)
			}
			if got := ws.me(cfg.Client(ctx, tok)); got != http.StatusOK {
				t.Fatalf("GET /v1/me: %d", got)
			}
			// Its refresh token works through the same client.
			if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
				t.Fatalf("refreshing a password-grant session: %v", err)
			}
		}
		_, err := ws.appConfig(oauth2.AuthStyleInParams).PasswordCredentialsToken(ctx, email, srvPassword+"x")
		if re := retrieveError(t, err); re.ErrorCode != "invalid_grant" {
			t.Fatalf("wrong password: %q, want invalid_grant", re.ErrorCode)
		}
		// A confidential client may not use it.
		id, secret := ws.addClient("reports:read")
		cc := &oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: ws.tokenURL(), AuthStyle: oauth2.AuthStyleInHeader}}
		_, err = cc.PasswordCredentialsToken(ctx, email, srvPassword)
		if re := retrieveError(t, err); re.ErrorCode != "unauthorized_client" {
			t.Fatalf("password grant for a confidential client: %q, want unauthorized_client", re.ErrorCode)
		}
	})
	t.Run("Disabled", func(t *testing.T) {
		ws := startWard(t)
		email := ws.addUser("di@example.com")
		_, err := ws.appConfig(oauth2.AuthStyleInParams).PasswordCredentialsToken(bgCtx(t), email, srvPassword)
		if re := retrieveError(t, err); re.ErrorCode != "unsupported_grant_type" || re.Response.StatusCode != http.StatusBadRequest {
			t.Fatalf("password grant when off: %d %q, want 400 unsupported_grant_type", re.Response.StatusCode, re.ErrorCode)
		}
	})
}
