package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// addClientSpec registers an OAuth client as spec says and returns its ID
// and secret.
func (e *env) addClientSpec(spec auth.ClientSpec) (string, string) {
	e.t.Helper()
	if spec.Name == "" {
		spec.Name = "test client"
	}
	c, secret, err := e.svc.AddClient(context.Background(), spec, auth.RequestMeta{})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID, secret
}

// clientToken runs the client_credentials grant and returns the access
// token.
func (e *env) clientToken(id, secret string) string {
	e.t.Helper()
	r := e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, basic(id, secret)...)
	return expectTokenResponse(e.t, r, false)["access_token"].(string)
}

// expectClientRefused checks that the token endpoint refuses the client's
// credentials with invalid_client.
func (e *env) expectClientRefused(id, secret string) {
	e.t.Helper()
	r := e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, basic(id, secret)...)
	expectOAuthError(e.t, r, http.StatusUnauthorized, "invalid_client")
}

// introspect asks the introspection endpoint about tok as client id.
func (e *env) introspect(id, secret, tok string) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/oauth2/introspect", url.Values{"token": {tok}}, basic(id, secret)...)
	expectStatus(e.t, r, http.StatusOK)
	return r.json(e.t)
}

// expectClientTokenValid checks a client token at /v1/me: a valid client
// token is 403 (it is not a user's), a revoked one 401.
func (e *env) expectClientToken(tok string, valid bool) {
	e.t.Helper()
	want := http.StatusUnauthorized
	if valid {
		want = http.StatusForbidden
	}
	expectStatus(e.t, e.do("GET", "/v1/me", nil, bearer(tok)...), want)
}

// TestIntrospectionPermission: RFC 7662, Section 4. A client without the
// permission to introspect gets {"active":false} for a user's token and
// for another client's token (never a user's email), and the truth about
// its own token; the email needs its own permission.
func TestIntrospectionPermission(t *testing.T) {
	e := newEnv(t)
	e.signup("perm@example.com")
	tk := e.login("perm@example.com", testPassword)
	plainID, plainSecret := e.addClientSpec(auth.ClientSpec{})
	otherID, otherSecret := e.addClientSpec(auth.ClientSpec{})
	introID, introSecret := e.addClientSpec(auth.ClientSpec{Introspect: true})
	fullID, fullSecret := e.addClientSpec(auth.ClientSpec{Introspect: true, IntrospectEmail: true})
	own := e.clientToken(plainID, plainSecret)
	theirs := e.clientToken(otherID, otherSecret)

	for _, tok := range []string{tk.access, tk.refresh, theirs} {
		r := e.do("POST", "/oauth2/introspect", url.Values{"token": {tok}}, basic(plainID, plainSecret)...)
		expectStatus(t, r, http.StatusOK)
		if string(r.body) != "{\"active\":false}\n" {
			t.Fatalf("a client without the permission learned %s", r.body)
		}
	}
	if in := e.introspect(plainID, plainSecret, own); in["active"] != true || in["client_id"] != plainID {
		t.Fatalf("a client's own token: %v", in)
	}
	for _, tok := range []string{tk.access, tk.refresh} {
		in := e.introspect(introID, introSecret, tok)
		if in["active"] != true || in["sid"] == nil {
			t.Fatalf("with the permission: %v", in)
		}
		if _, ok := in["username"]; ok {
			t.Fatalf("the email went to a client without that permission: %v", in)
		}
		if in := e.introspect(fullID, fullSecret, tok); in["active"] != true || in["username"] != "perm@example.com" {
			t.Fatalf("with the email permission: %v", in)
		}
	}
	if in := e.introspect(introID, introSecret, theirs); in["active"] != true || in["client_id"] != otherID {
		t.Fatalf("another client's token, with the permission: %v", in)
	}
}

// TestRevokeGraceRefreshToken: RFC 7009 revocation of the previous refresh
// token, presented within the grace window (when a refresh still accepts
// it), ends the session, as revoking the current one does.
func TestRevokeGraceRefreshToken(t *testing.T) {
	e := newEnv(t)
	e.signup("grace@example.com")
	tk := e.login("grace@example.com", testPassword)
	r := e.refresh(tk.refresh)
	expectStatus(t, r, http.StatusOK)
	current, access := r.str(t, "refresh_token"), r.str(t, "access_token")

	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {tk.refresh}, "token_type_hint": {"refresh_token"}, "client_id": {"ward"}})
	expectStatus(t, r, http.StatusOK)
	for _, rt := range []string{current, tk.refresh} {
		expectStatus(t, e.refresh(rt), http.StatusUnauthorized)
	}
	for _, at := range []string{tk.access, access} {
		expectStatus(t, e.do("GET", "/v1/me", nil, bearer(at)...), http.StatusUnauthorized)
	}
	evs, err := e.svc.Audit(context.Background(), auth.AuditQuery{Type: auth.EventRevoke})
	if err != nil || len(evs) != 1 || evs[0].Detail != "token_type=refresh_token" {
		t.Fatalf("revoke events = %+v, %v", evs, err)
	}

	// After the grace window the previous token is stale: revoking it
	// is answered 200 and revokes nothing (RFC 7009, Section 2.2).
	tk = e.login("grace@example.com", testPassword)
	r = e.refresh(tk.refresh)
	expectStatus(t, r, http.StatusOK)
	current = r.str(t, "refresh_token")
	e.clock.Advance(auth.DefaultRefreshGrace)
	r = e.do("POST", "/oauth2/revoke", url.Values{"token": {tk.refresh}, "client_id": {"ward"}})
	expectStatus(t, r, http.StatusOK)
	expectStatus(t, e.refresh(current), http.StatusOK)
}

// TestDisabledClientRefused: over HTTP, a disabled client is refused at
// the token, introspection and revocation endpoints at once, and its
// tokens are refused at once; enabled again, it works.
func TestDisabledClientRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, secret := e.addClientSpec(auth.ClientSpec{Introspect: true})
	tok := e.clientToken(id, secret)
	e.expectClientToken(tok, true)
	if err := e.svc.DisableClient(ctx, id, auth.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	e.expectClientRefused(id, secret)
	for _, path := range []string{"/oauth2/introspect", "/oauth2/revoke"} {
		r := e.do("POST", path, url.Values{"token": {tok}}, basic(id, secret)...)
		expectOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
	}
	e.expectClientToken(tok, false)

	e.clock.Advance(time.Second)
	if err := e.svc.EnableClient(ctx, id, auth.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	e.expectClientToken(e.clientToken(id, secret), true)
	e.expectClientToken(tok, false) // revoked for good

	// Deleted: refused, and so are its tokens.
	tok = e.clientToken(id, secret)
	if err := e.svc.DeleteClient(ctx, id, auth.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	e.expectClientRefused(id, secret)
	e.expectClientToken(tok, false)
}

// TestRotatedClientSecretRefused: over HTTP, the old secret is refused at
// once after a rotation without overlap (and the tokens got with it), and
// with an overlap works until it ends (an injected clock).
func TestRotatedClientSecretRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, old := e.addClientSpec(auth.ClientSpec{})
	tok := e.clientToken(id, old)
	secret, err := e.svc.RotateClientSecret(ctx, id, 0, auth.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	e.expectClientRefused(id, old)
	e.expectClientToken(tok, false)
	e.clock.Advance(time.Second)
	e.expectClientToken(e.clientToken(id, secret), true)

	// With an overlap of an hour.
	next, err := e.svc.RotateClientSecret(ctx, id, time.Hour, auth.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	e.expectClientToken(e.clientToken(id, secret), true)
	e.expectClientToken(e.clientToken(id, next), true)
	e.clock.Advance(time.Hour)
	e.expectClientRefused(id, secret)
	e.clientToken(id, next)
}

// TestKeyRevokedElsewhere: a key revoked by another process over the same
// store (as "ward keys revoke" does) leaves this server's JWKS and its
// tokens are refused once the server syncs (its --sync-interval), and a
// new active key signs.
func TestKeyRevokedElsewhere(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.signup("kre@example.com")
	tk := e.login("kre@example.com", testPassword)
	kid := kidOf(t, tk.access)
	cli, err := auth.NewService(ctx, e.db, e.kek, auth.Config{Issuer: "urn:ward:cli", Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeKey(ctx, kid, auth.RequestMeta{UserAgent: "ward-cli"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	set, _ := e.fetchJWKS()
	if kids(set)[kid] || len(set.Keys()) == 0 {
		t.Fatalf("JWKS after the revocation of %s: %v", kid, kids(set))
	}
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusUnauthorized)
	r := e.refresh(tk.refresh)
	expectStatus(t, r, http.StatusOK)
	if k := kidOf(t, r.str(t, "access_token")); k == kid || !kids(set)[k] {
		t.Fatalf("signed with %s after revoking %s; JWKS %v", k, kid, kids(set))
	}
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(r.str(t, "access_token"))...), http.StatusOK)
}
