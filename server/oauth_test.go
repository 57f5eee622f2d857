package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

func expectOAuthError(tb testing.TB, r *response, status int, code string) {
	tb.Helper()
	expectStatus(tb, r, status)
	m := r.json(tb)
	if m["error"] != code {
		tb.Fatalf("error = %v, want %q (%s)", m["error"], code, r.body)
	}
	if d, ok := m["error_description"].(string); !ok || d == "" {
		tb.Fatalf("no error_description in %s", r.body)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		tb.Fatalf("Cache-Control = %q on an OAuth error", r.header.Get("Cache-Control"))
	}
}

func expectTokenResponse(tb testing.TB, r *response, withRefresh bool) map[string]any {
	tb.Helper()
	expectStatus(tb, r, http.StatusOK)
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		tb.Fatalf("token response Cache-Control %q Pragma %q", r.header.Get("Cache-Control"), r.header.Get("Pragma"))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		tb.Fatalf("Content-Type = %q", ct)
	}
	m := r.json(tb)
	if m["access_token"] == "" || m["token_type"] != "Bearer" || m["expires_in"] != float64(600) {
		tb.Fatalf("token response %s", r.body)
	}
	if _, ok := m["refresh_token"]; ok != withRefresh {
		tb.Fatalf("token response %s: refresh_token present = %v, want %v", r.body, ok, withRefresh)
	}
	return m
}

// TestClientCredentials: a client made through the service gets a token
// with HTTP Basic and with body parameters, and introspects it.
func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	id, secret := e.addClient("orders:read", "orders:write")

	// HTTP Basic, all the client's scopes.
	r := e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, basic(id, secret)...)
	m := expectTokenResponse(t, r, false)
	if m["scope"] != "orders:read orders:write" {
		t.Fatalf("scope = %v", m["scope"])
	}
	tok := m["access_token"].(string)

	// Body parameters, one scope.
	r = e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"orders:read"}})
	m = expectTokenResponse(t, r, false)
	if m["scope"] != "orders:read" {
		t.Fatalf("scope = %v", m["scope"])
	}
	tok2 := m["access_token"].(string)

	// Introspection, with Basic and with body parameters.
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tok}}, basic(id, secret)...)
	expectStatus(t, r, http.StatusOK)
	in := r.json(t)
	if in["active"] != true || in["client_id"] != id || in["sub"] != id || in["scope"] != "orders:read orders:write" ||
		in["token_type"] != "Bearer" || in["iss"] != testIssuer || in["jti"] == nil || in["exp"] == nil || in["iat"] == nil {
		t.Fatalf("introspection %s", r.body)
	}
	if _, ok := in["username"]; ok {
		t.Fatalf("a client token has a username: %s", r.body)
	}
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tok2}, "client_id": {id}, "client_secret": {secret}})
	expectStatus(t, r, http.StatusOK)
	if r.json(t)["active"] != true {
		t.Fatalf("introspection %s", r.body)
	}

	// A client token is not a user's: 403 insufficient_scope on /v1/me.
	r = e.do("GET", "/v1/me", nil, bearer(tok)...)
	expectStatus(t, r, http.StatusForbidden)
	if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Bearer realm="ward", error="insufficient_scope"`) {
		t.Fatalf("WWW-Authenticate = %q", got)
	}

	// Revocation: the token becomes inactive.
	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {tok}, "token_type_hint": {"access_token"}}, basic(id, secret)...)
	expectStatus(t, r, http.StatusOK)
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tok}}, basic(id, secret)...)
	expectStatus(t, r, http.StatusOK)
	if string(r.body) != "{\"active\":false}\n" {
		t.Fatalf("introspection of a revoked token: %s", r.body)
	}
	// Unknown tokens: 200 and inactive.
	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {"nonsense"}}, basic(id, secret)...)
	expectStatus(t, r, http.StatusOK)
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {"nonsense"}}, basic(id, secret)...)
	if string(r.body) != "{\"active\":false}\n" {
		t.Fatalf("introspection of garbage: %s", r.body)
	}
}

// TestIntrospectUserTokens: introspection of a user's access and refresh
// tokens, and revocation of a refresh token by its own client only.
func TestIntrospectUserTokens(t *testing.T) {
	e := newEnv(t)
	uid := e.signup("intro@example.com")
	tk := e.login("intro@example.com", testPassword)
	id, secret := e.addClient("api")

	r := e.do("POST", "/oauth2/introspect", url.Values{"token": {tk.access}}, basic(id, secret)...)
	in := r.json(t)
	if in["active"] != true || in["sub"] != uid || in["username"] != "intro@example.com" || in["client_id"] != "ward" ||
		in["sid"] == nil || in["token_type"] != "Bearer" {
		t.Fatalf("introspection of a user token: %s", r.body)
	}
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tk.refresh}, "token_type_hint": {"refresh_token"}}, basic(id, secret)...)
	in = r.json(t)
	if in["active"] != true || in["token_type"] != "refresh_token" || in["sub"] != uid {
		t.Fatalf("introspection of a refresh token: %s", r.body)
	}
	// The token was issued to the app client, not this one: refused.
	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {tk.refresh}}, basic(id, secret)...)
	expectOAuthError(t, r, http.StatusBadRequest, "unauthorized_client")
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusOK)
	// After logout, both are inactive.
	expectStatus(t, e.do("POST", "/v1/auth/logout", nil, bearer(tk.access)...), http.StatusNoContent)
	for _, tok := range []string{tk.access, tk.refresh} {
		r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tok}}, basic(id, secret)...)
		if string(r.body) != "{\"active\":false}\n" {
			t.Fatalf("introspection after logout: %s", r.body)
		}
	}
}

// TestOAuthClientAuthRequired: introspection and revocation refuse
// requests without valid client authentication.
func TestOAuthClientAuthRequired(t *testing.T) {
	e := newEnv(t)
	id, secret := e.addClient("api")
	tok := expectTokenResponse(t, e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, basic(id, secret)...), false)["access_token"].(string)
	for _, path := range []string{"/oauth2/introspect", "/oauth2/revoke"} {
		t.Run(path, func(t *testing.T) {
			// None at all.
			r := e.do("POST", path, url.Values{"token": {tok}})
			expectOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
			if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="ward", charset="UTF-8"` {
				t.Fatalf("WWW-Authenticate = %q", got)
			}
			// Wrong secret, Basic: 401 with a Basic challenge.
			r = e.do("POST", path, url.Values{"token": {tok}}, basic(id, secret+"x")...)
			expectOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
			if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic ") {
				t.Fatalf("WWW-Authenticate = %q", got)
			}
			// Wrong secret, body: 401, no challenge needed.
			r = e.do("POST", path, url.Values{"token": {tok}, "client_id": {id}, "client_secret": {"wcs_nope"}})
			expectOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
			// A bearer token is not client authentication.
			r = e.do("POST", path, url.Values{"token": {tok}}, bearer(tok)...)
			expectOAuthError(t, r, http.StatusBadRequest, "invalid_request")
			// Two methods at once.
			r = e.do("POST", path, url.Values{"token": {tok}, "client_secret": {secret}}, basic(id, secret)...)
			expectOAuthError(t, r, http.StatusBadRequest, "invalid_request")
		})
	}
	// The token is still active: nothing above revoked it.
	r := e.do("POST", "/oauth2/introspect", url.Values{"token": {tok}}, basic(id, secret)...)
	if r.json(t)["active"] != true {
		t.Fatalf("introspection %s", r.body)
	}
}

// TestTokenEndpointErrors: RFC 6749, Section 5.2 errors for each grant.
func TestTokenEndpointErrors(t *testing.T) {
	e := newEnv(t)
	e.signup("grant@example.com")
	tk := e.login("grant@example.com", testPassword)
	id, secret := e.addClient("a", "b")
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name    string
		body    any
		headers []string
		status  int
		code    string
	}{
		// RFC 6749, Section 5.2: invalid_request.
		{"no grant_type", form("refresh_token", tk.refresh), nil, 400, "invalid_request"},
		{"repeated parameter", form("grant_type", "refresh_token", "grant_type", "refresh_token", "refresh_token", tk.refresh), nil, 400, "invalid_request"},
		{"JSON body", `{"grant_type":"refresh_token"}`, []string{"Content-Type", "application/json"}, 400, "invalid_request"},
		{"oversized body", "grant_type=refresh_token&refresh_token=" + strings.Repeat("a", 9<<10), []string{"Content-Type", "application/x-www-form-urlencoded"}, 400, "invalid_request"},
		{"refresh without token", form("grant_type", "refresh_token"), nil, 400, "invalid_request"},
		{"password without password", form("grant_type", "password", "username", "grant@example.com"), nil, 400, "unsupported_grant_type"},
		// unsupported_grant_type.
		{"unknown grant", form("grant_type", "urn:example:magic"), nil, 400, "unsupported_grant_type"},
		{"authorization_code", form("grant_type", "authorization_code", "code", "x"), nil, 400, "unsupported_grant_type"},
		{"password disabled", form("grant_type", "password", "username", "grant@example.com", "password", testPassword), nil, 400, "unsupported_grant_type"},
		// invalid_grant.
		{"garbage refresh token", form("grant_type", "refresh_token", "refresh_token", "wrt_garbage"), nil, 400, "invalid_grant"},
		{"refresh with scope", form("grant_type", "refresh_token", "refresh_token", tk.refresh, "scope", "a"), nil, 400, "invalid_scope"},
		// invalid_client.
		{"client_credentials, no client", form("grant_type", "client_credentials"), nil, 401, "invalid_client"},
		{"client_credentials, wrong secret (Basic)", form("grant_type", "client_credentials"), basic(id, "wcs_wrong"), 401, "invalid_client"},
		{"client_credentials, wrong secret (body)", form("grant_type", "client_credentials", "client_id", id, "client_secret", "wcs_wrong"), nil, 401, "invalid_client"},
		{"client_credentials, unknown client", form("grant_type", "client_credentials"), basic("wci_nobody", secret), 401, "invalid_client"},
		{"client_credentials, id without secret", form("grant_type", "client_credentials", "client_id", id), nil, 401, "invalid_client"},
		{"client_credentials, malformed Basic", form("grant_type", "client_credentials"), []string{"Authorization", "Basic !!!"}, 401, "invalid_client"},
		{"client_credentials, two methods", form("grant_type", "client_credentials", "client_id", id, "client_secret", secret), basic(id, secret), 400, "invalid_request"},
		{"refresh, wrong client secret", form("grant_type", "refresh_token", "refresh_token", tk.refresh), basic(id, "wcs_wrong"), 401, "invalid_client"},
		{"refresh, confidential client without secret", form("grant_type", "refresh_token", "refresh_token", tk.refresh, "client_id", id), nil, 401, "invalid_client"},
		{"refresh, app client with a secret", form("grant_type", "refresh_token", "refresh_token", tk.refresh), basic("ward", "guess"), 401, "invalid_client"},
		// unauthorized_client: the session belongs to the app client.
		{"refresh by a confidential client", form("grant_type", "refresh_token", "refresh_token", tk.refresh), basic(id, secret), 400, "unauthorized_client"},
		// invalid_scope.
		{"client_credentials, scope not allowed", form("grant_type", "client_credentials", "scope", "a admin"), basic(id, secret), 400, "invalid_scope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/oauth2/token", tc.body, tc.headers...)
			expectOAuthError(t, r, tc.status, tc.code)
			basicUsed := len(tc.headers) > 0 && tc.headers[0] == "Authorization"
			if tc.code == "invalid_client" && (basicUsed || tc.name == "client_credentials, no client") {
				if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="ward"`) {
					t.Fatalf("WWW-Authenticate = %q, want a Basic challenge", got)
				}
			}
		})
	}
	// None of this touched the session: the refresh token still works,
	// through the token endpoint, with the app client identified in the
	// body as a public client.
	r := e.do("POST", "/oauth2/token", form("grant_type", "refresh_token", "refresh_token", tk.refresh, "client_id", "ward"))
	m := expectTokenResponse(t, r, true)
	// Reuse through the token endpoint is invalid_grant.
	e.clock.Advance(11e9)
	r = e.do("POST", "/oauth2/token", form("grant_type", "refresh_token", "refresh_token", m["refresh_token"].(string)))
	expectTokenResponse(t, r, true)
	r = e.do("POST", "/oauth2/token", form("grant_type", "refresh_token", "refresh_token", tk.refresh))
	expectOAuthError(t, r, http.StatusBadRequest, "invalid_grant")
}

// TestPasswordGrant: off by default; when enabled, it logs in like
// /v1/auth/login, and a wrong password is invalid_grant.
func TestPasswordGrant(t *testing.T) {
	e := newEnv(t, envOptions{server: func(c *server.Config) { c.EnablePasswordGrant = true }})
	e.signup("legacy@example.com")
	r := e.do("POST", "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"legacy@example.com"}, "password": {testPassword}})
	m := expectTokenResponse(t, r, true)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(m["access_token"].(string))...), http.StatusOK)
	r = e.do("POST", "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"legacy@example.com"}, "password": {"Wrong-Password-99"}})
	expectOAuthError(t, r, http.StatusBadRequest, "invalid_grant")
	r = e.do("POST", "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"nobody@example.com"}, "password": {testPassword}})
	expectOAuthError(t, r, http.StatusBadRequest, "invalid_grant")
	r = e.do("POST", "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"legacy@example.com"}})
	expectOAuthError(t, r, http.StatusBadRequest, "invalid_request")
	// The app client may identify itself (HTTP Basic, empty secret, as
	// golang.org/x/oauth2 sends it); a confidential client is refused.
	r = e.do("POST", "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"legacy@example.com"}, "password": {testPassword}}, basic("ward", "")...)
	expectTokenResponse(t, r, true)
	id, secret := e.addClient("x")
	r = e.do("POST", "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"legacy@example.com"}, "password": {testPassword}}, basic(id, secret)...)
	expectOAuthError(t, r, http.StatusBadRequest, "unauthorized_client")

	r = e.do("GET", "/.well-known/oauth-authorization-server", nil)
	if !strings.Contains(string(r.body), `"password"`) {
		t.Fatalf("metadata does not list the enabled password grant: %s", r.body)
	}
}

// TestMetadata checks the RFC 8414 document.
func TestMetadata(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/.well-known/oauth-authorization-server", nil)
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	want := map[string]string{
		"issuer":                 testIssuer,
		"token_endpoint":         testIssuer + "/oauth2/token",
		"jwks_uri":               testIssuer + "/.well-known/jwks.json",
		"revocation_endpoint":    testIssuer + "/oauth2/revoke",
		"introspection_endpoint": testIssuer + "/oauth2/introspect",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %q", k, m[k], v)
		}
	}
	if rt, ok := m["response_types_supported"].([]any); !ok || len(rt) != 0 {
		t.Errorf("response_types_supported = %v, want []", m["response_types_supported"])
	}
	gt := m["grant_types_supported"].([]any)
	if len(gt) != 2 || gt[0] != "refresh_token" || gt[1] != "client_credentials" {
		t.Errorf("grant_types_supported = %v", gt)
	}
	for k, want := range map[string]string{
		"token_endpoint_auth_methods_supported":         "client_secret_basic client_secret_post none",
		"revocation_endpoint_auth_methods_supported":    "client_secret_basic client_secret_post none",
		"introspection_endpoint_auth_methods_supported": "client_secret_basic client_secret_post",
	} {
		var got []string
		for _, v := range m[k].([]any) {
			got = append(got, v.(string))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s = %v, want %s", k, got, want)
		}
	}
}

// TestRevokePublicClient: the public app client revokes its own tokens
// with its client_id alone (RFC 7009, Section 2.1 authenticates
// confidential clients); it cannot revoke another client's tokens, and a
// confidential client still needs its secret.
func TestRevokePublicClient(t *testing.T) {
	e := newEnv(t)
	e.signup("pub@example.com")
	a := e.login("pub@example.com", testPassword)
	b := e.login("pub@example.com", testPassword)

	// Body client_id.
	r := e.do("POST", "/oauth2/revoke", url.Values{"token": {a.refresh}, "token_type_hint": {"refresh_token"}, "client_id": {"ward"}})
	expectStatus(t, r, http.StatusOK)
	expectStatus(t, e.refresh(a.refresh), http.StatusUnauthorized)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(a.access)...), http.StatusUnauthorized)
	// Basic with an empty secret, revoking an access token.
	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {b.access}}, basic("ward", "")...)
	expectStatus(t, r, http.StatusOK)
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(b.access)...), http.StatusUnauthorized)
	expectStatus(t, e.refresh(b.refresh), http.StatusOK) // only the access token was revoked

	// The app client cannot revoke a confidential client's token.
	id, secret := e.addClient("x")
	tok := expectTokenResponse(t, e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, basic(id, secret)...), false)["access_token"].(string)
	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {tok}, "client_id": {"ward"}})
	expectOAuthError(t, r, http.StatusBadRequest, "unauthorized_client")
	// A confidential client without its secret is refused.
	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {tok}, "client_id": {id}})
	expectOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
	// The app client may not introspect.
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tok}, "client_id": {"ward"}})
	expectOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
}

// TestClientAuthSignsNoToken: introspection and revocation authenticate
// the client without running the client_credentials grant (no token is
// signed or logged), and a failed authentication is audited.
func TestClientAuthSignsNoToken(t *testing.T) {
	e := newEnv(t)
	e.signup("nosign@example.com")
	tk := e.login("nosign@example.com", testPassword)
	id, secret := e.addClient("api")
	r := e.do("POST", "/oauth2/introspect", url.Values{"token": {tk.access}}, basic(id, secret)...)
	if r.json(t)["active"] != true {
		t.Fatalf("introspection: %s", r.body)
	}
	expectStatus(t, e.do("POST", "/oauth2/revoke", url.Values{"token": {"nonsense"}}, basic(id, secret)...), http.StatusOK)
	if strings.Contains(e.logs.String(), "type="+auth.EventClientToken) {
		t.Fatalf("client authentication ran the client_credentials grant:\n%s", e.logs)
	}
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tk.access}}, basic(id, secret+"x")...)
	expectOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
	evs, err := e.svc.Audit(context.Background(), auth.AuditQuery{Type: auth.EventClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Outcome != auth.OutcomeFailure || evs[0].ClientID != id {
		t.Fatalf("client_auth audit events: %+v", evs)
	}
}

// TestIntrospectStaleReplica: when the revocation replica is older than
// MaxRevocationStaleness, introspection of an access token answers 503
// temporarily_unavailable with Retry-After, not {"active":false}.
func TestIntrospectStaleReplica(t *testing.T) {
	e := newEnv(t, envOptions{auth: func(c *auth.Config) { c.MaxRevocationStaleness = time.Minute }})
	e.signup("stale@example.com")
	tk := e.login("stale@example.com", testPassword)
	id, secret := e.addClient("api")
	e.clock.Advance(2 * time.Minute)
	r := e.do("POST", "/oauth2/introspect", url.Values{"token": {tk.access}}, basic(id, secret)...)
	expectOAuthError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if err := e.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/oauth2/introspect", url.Values{"token": {tk.access}}, basic(id, secret)...)
	if in := r.json(t); in["active"] != true || in["username"] != "stale@example.com" {
		t.Fatalf("after Sync: %s", r.body)
	}
}
