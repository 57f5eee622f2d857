package auth_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// addClient registers a client with spec and returns it and its secret.
func (e *env) addClient(tb testing.TB, spec auth.ClientSpec) (*auth.Client, string) {
	tb.Helper()
	if spec.Name == "" {
		spec.Name = "svc"
	}
	c, secret, err := e.svc.AddClient(ctx, spec, meta)
	if err != nil {
		tb.Fatal(err)
	}
	return c, secret
}

// TestDisableClient: a disabled client authenticates nowhere at once and
// its access tokens are refused at once; enabling it lets it in again;
// every change is audited.
func TestDisableClient(t *testing.T) {
	e := newEnv(t, nil)
	c, secret := e.addClient(t, auth.ClientSpec{Scopes: []string{"read"}})
	p, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.authn(t, p.AccessToken)
	if err := e.svc.DisableClient(ctx, c.ID, meta); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	_, err = e.svc.AuthenticateClient(ctx, c.ID, secret, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("a disabled client's access token still verifies")
	}
	// Another instance over the same store refuses it too, once synced.
	other := e.service(t, nil)
	if _, err := other.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("a disabled client's access token verifies on another instance")
	}
	// Disabling twice changes nothing and audits nothing more.
	if err := e.svc.DisableClient(ctx, c.ID, meta); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.svc.EnableClient(ctx, c.ID, meta); err != nil {
		t.Fatal(err)
	}
	q, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.authn(t, q.AccessToken)
	got := e.auditTypes(t, auth.AuditQuery{})
	if got[auth.EventClientDisable+"/success"] != 1 || got[auth.EventClientEnable+"/success"] != 1 {
		t.Errorf("audit = %v, want one client_disable and one client_enable", got)
	}
	for _, fn := range []func() error{
		func() error { return e.svc.DisableClient(ctx, "wci_nope", meta) },
		func() error { return e.svc.EnableClient(ctx, "wci_nope", meta) },
		func() error { return e.svc.DeleteClient(ctx, "wci_nope", meta) },
		func() error { _, err := e.svc.RotateClientSecret(ctx, "wci_nope", 0, meta); return err },
	} {
		wantCode(t, fn(), auth.CodeNotFound)
	}
}

// TestDeleteClient: a deleted client is gone, authenticates nowhere, and
// its access tokens are refused at once.
func TestDeleteClient(t *testing.T) {
	e := newEnv(t, nil)
	c, secret := e.addClient(t, auth.ClientSpec{})
	p, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteClient(ctx, c.ID, meta); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("a deleted client's access token still verifies")
	}
	if cs, _ := e.svc.Clients(ctx); len(cs) != 0 {
		t.Fatalf("Clients after delete = %v", cs)
	}
	if n := e.auditTypes(t, auth.AuditQuery{Type: auth.EventClientDelete})[auth.EventClientDelete+"/success"]; n != 1 {
		t.Errorf("%d client_delete events, want 1", n)
	}
}

// TestRotateClientSecret: without overlap, the old secret stops at once
// and the tokens got with it are refused; the new secret works.
func TestRotateClientSecret(t *testing.T) {
	e := newEnv(t, nil)
	c, old := e.addClient(t, auth.ClientSpec{})
	p, err := e.svc.ClientCredentials(ctx, c.ID, old, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := e.svc.RotateClientSecret(ctx, c.ID, 0, meta)
	if err != nil {
		t.Fatal(err)
	}
	if secret == old || len(secret) != len(old) {
		t.Fatalf("new secret %q", secret)
	}
	_, err = e.svc.ClientCredentials(ctx, c.ID, old, nil, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("a token got with the replaced secret still verifies")
	}
	e.clock.Advance(time.Second) // "iat" has whole seconds
	q, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.authn(t, q.AccessToken)
	evs, err := e.svc.Audit(ctx, auth.AuditQuery{Type: auth.EventClientSecret})
	if err != nil || len(evs) != 1 || evs[0].ClientID != c.ID || evs[0].Detail != "overlap=0s" || evs[0].IP != meta.IP {
		t.Fatalf("client_secret events = %+v, %v", evs, err)
	}
	for _, bad := range []time.Duration{-time.Second, auth.MaxSecretOverlap + time.Second} {
		_, err := e.svc.RotateClientSecret(ctx, c.ID, bad, meta)
		wantCode(t, err, auth.CodeInvalidRequest)
	}
}

// TestRotateClientSecretOverlap: with an overlap, both secrets work until
// it ends (an injected clock), and the old one is refused after; a second
// rotation ends the first overlap at once.
func TestRotateClientSecretOverlap(t *testing.T) {
	e := newEnv(t, nil)
	c, old := e.addClient(t, auth.ClientSpec{})
	p, err := e.svc.ClientCredentials(ctx, c.ID, old, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := e.svc.RotateClientSecret(ctx, c.ID, time.Hour, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.authn(t, p.AccessToken) // tokens stay valid with an overlap
	for _, s := range []string{old, secret} {
		if _, err := e.svc.AuthenticateClient(ctx, c.ID, s, meta); err != nil {
			t.Fatalf("within the overlap: %v", err)
		}
	}
	e.clock.Advance(time.Hour - time.Nanosecond)
	if _, err := e.svc.ClientCredentials(ctx, c.ID, old, nil, meta); err != nil {
		t.Fatalf("at the end of the overlap: %v", err)
	}
	e.clock.Advance(time.Nanosecond)
	_, err = e.svc.ClientCredentials(ctx, c.ID, old, nil, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	if _, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta); err != nil {
		t.Fatal(err)
	}

	// A rotation during an overlap ends it: only the newest two secrets
	// are ever valid, and with overlap 0 only the newest.
	second, err := e.svc.RotateClientSecret(ctx, c.ID, time.Hour, meta)
	if err != nil {
		t.Fatal(err)
	}
	third, err := e.svc.RotateClientSecret(ctx, c.ID, 0, meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, second} {
		_, err := e.svc.AuthenticateClient(ctx, c.ID, s, meta)
		wantCode(t, err, auth.CodeInvalidCredentials)
	}
	if _, err := e.svc.AuthenticateClient(ctx, c.ID, third, meta); err != nil {
		t.Fatal(err)
	}
}

// TestClientPermissions: AddClient stores the permissions (audited), and
// IntrospectEmail needs Introspect.
func TestClientPermissions(t *testing.T) {
	e := newEnv(t, nil)
	_, _, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "x", IntrospectEmail: true}, meta)
	wantCode(t, err, auth.CodeInvalidRequest)
	c, _ := e.addClient(t, auth.ClientSpec{Name: "rs", Introspect: true, IntrospectEmail: true, Feed: true})
	if !c.Introspect || !c.IntrospectEmail || !c.Feed || c.SecretHash != nil {
		t.Fatalf("AddClient = %+v", c)
	}
	cs, err := e.svc.Clients(ctx)
	if err != nil || len(cs) != 1 || !cs[0].Introspect || !cs[0].IntrospectEmail || !cs[0].Feed || cs[0].SecretHash != nil || cs[0].PreviousSecretHash != nil {
		t.Fatalf("Clients = %+v, %v", cs, err)
	}
	evs, err := e.svc.Audit(ctx, auth.AuditQuery{Type: auth.EventClientAdd})
	if err != nil || len(evs) != 1 || evs[0].Detail != "scopes= permissions=introspect,introspect_email,feed" {
		t.Fatalf("client_add events = %+v, %v", evs, err)
	}
}

// TestIntrospectFor: RFC 7662, Section 4. A client without the
// permission learns about its own tokens only (inactive for a user's or
// another client's token); the email address needs its own permission.
func TestIntrospectFor(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "u@example.com")
	user := e.login(t, "u@example.com")
	plain, plainSecret := e.addClient(t, auth.ClientSpec{Name: "plain"})
	intro, _ := e.addClient(t, auth.ClientSpec{Name: "rs", Introspect: true})
	full, _ := e.addClient(t, auth.ClientSpec{Name: "rs-email", Introspect: true, IntrospectEmail: true})
	other, otherSecret := e.addClient(t, auth.ClientSpec{Name: "other"})
	own, err := e.svc.ClientCredentials(ctx, plain.ID, plainSecret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.svc.ClientCredentials(ctx, other.ID, otherSecret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		c        *auth.Client
		tok      string
		active   bool
		username string
	}{
		{"plain, a user's access token", plain, user.AccessToken, false, ""},
		{"plain, a user's refresh token", plain, user.RefreshToken, false, ""},
		{"plain, another client's token", plain, theirs.AccessToken, false, ""},
		{"plain, its own token", plain, own.AccessToken, true, ""},
		{"introspect, a user's access token", intro, user.AccessToken, true, ""},
		{"introspect, a user's refresh token", intro, user.RefreshToken, true, ""},
		{"introspect, another client's token", intro, theirs.AccessToken, true, ""},
		{"introspect+email, a user's access token", full, user.AccessToken, true, "u@example.com"},
		{"introspect+email, a user's refresh token", full, user.RefreshToken, true, "u@example.com"},
	} {
		in, err := e.svc.IntrospectFor(ctx, tt.c, tt.tok)
		if err != nil || in.Active != tt.active || in.Username != tt.username {
			t.Errorf("%s: %+v, %v; want active %v, username %q", tt.name, in, err, tt.active, tt.username)
		}
		if !tt.active && !reflect.DeepEqual(*in, auth.Introspection{}) {
			t.Errorf("%s: an inactive answer says more: %+v", tt.name, in)
		}
	}
}
