package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/password"
)

func TestWeakPasswords(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct{ password, reason string }{
		{"short1!", "too short: use at least 10"},
		{strings.Repeat("ab1é", 65), "too long: use at most 256"},
		{"aaaaaaaaaaaa", "too few different characters"},
		{"abcabcabcabc", "too few different characters"},
		{"abcdabcdabcd", "short pattern repeated"},
		{"1234567890", "simple sequence"},
		{"abcdefghijkl", "simple sequence"},
		{"qwertyuiop", "simple sequence"},
		{"0987654321", "simple sequence"},
		{"password1234", "common"},
		{"Password2024!", "common word"},
		{"P@ssw0rd2024", "common word"},
		{"iloveyou12345", "common"},
		{"superman1987!", "common"},
		{"xyz-annsmith-99", "contains your email"},
		{"tab\there-password", "control character"},
	} {
		_, err := e.svc.Signup(ctx, "AnnSmith@example.com", tc.password, meta)
		wantCode(t, err, auth.CodeWeakPassword)
		if !strings.Contains(auth.ErrorMessage(err), tc.reason) {
			t.Errorf("%q: reason %q, want it to mention %q", tc.password, auth.ErrorMessage(err), tc.reason)
		}
	}
	for _, good := range []string{goodPassword, "Tr0ub4dor&3-extended", "mauve elephant 77 sings", "ünïcödé-pässwörd"} {
		if err := e.svc.CheckPassword(good, "ann@example.com"); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
	// Length counts characters, not bytes.
	if err := e.svc.CheckPassword("ééééé-ñññ!", ""); err == nil || !strings.Contains(err.Error(), "too few") && !strings.Contains(err.Error(), "short") {
		if err != nil && strings.Contains(err.Error(), "too short") {
			t.Error("10 runes counted as too short")
		}
	}
	if err := e.svc.CheckPassword("日本語のパスワード長い", ""); err != nil {
		t.Errorf("11 CJK runes refused: %v", err)
	}
	_, err := e.svc.Signup(ctx, "not-an-email", goodPassword, meta)
	wantCode(t, err, auth.CodeInvalidRequest)
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Ann.Lee@Example.COM ": "Ann.Lee@example.com",
		"x+tag@sub.example.org": "x+tag@sub.example.org",
		"üser@exämple.de":       "üser@exämple.de",
	} {
		got, err := auth.NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "@", "a@", "@b.c", "a@@b.c", "a b@c.d", "a@b..c", ".a@b.c", "a@-b.c", "a@b_c.d", "a\x00@b.c", strings.Repeat("a", 65) + "@b.c"} {
		if _, err := auth.NormalizeEmail(bad); auth.ErrorCode(err) != auth.CodeInvalidRequest {
			t.Errorf("NormalizeEmail(%q) = %v", bad, err)
		}
	}
}

// TestStoreErrorsNeverSucceed closes the database under the service: every
// call fails with an internal error, none reports success.
func TestStoreErrorsNeverSucceed(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "s@example.com")
	p := e.login(t, "s@example.com")
	c := e.authn(t, p.AccessToken)
	client, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "c", Scopes: []string{"read"}}, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.db.Close()
	checks := map[string]error{}
	_, checks["signup"] = e.svc.Signup(ctx, "t@example.com", goodPassword, meta)
	_, checks["login"] = e.svc.Login(ctx, "s@example.com", goodPassword, meta)
	_, checks["refresh"] = e.svc.Refresh(ctx, p.RefreshToken, meta)
	checks["logout"] = e.svc.Logout(ctx, c, auth.LogoutAll, meta)
	checks["password"] = e.svc.ChangePassword(ctx, c, goodPassword, "another fine passphrase", meta)
	_, checks["me"] = e.svc.Me(ctx, c)
	_, checks["sessions"] = e.svc.Sessions(ctx, c.Subject)
	checks["end session"] = e.svc.EndSession(ctx, c, p.SessionID, meta)
	_, checks["client credentials"] = e.svc.ClientCredentials(ctx, client.ID, secret, nil, meta)
	checks["revoke refresh"] = e.svc.RevokeToken(ctx, p.RefreshToken, meta)
	checks["revoke access"] = e.svc.RevokeToken(ctx, p.AccessToken, meta)
	_, checks["introspect"] = e.svc.Introspect(ctx, p.RefreshToken)
	checks["disable"] = e.svc.DisableUser(ctx, c.Subject, meta)
	checks["roles"] = e.svc.SetRoles(ctx, c.Subject, []string{"x"}, meta)
	checks["delete"] = e.svc.DeleteUser(ctx, c.Subject, meta)
	_, checks["rotate"] = e.svc.RotateKeys(ctx)
	_, checks["maybe rotate"] = e.svc.MaybeRotateKeys(ctx)
	checks["revoke key"] = e.svc.RevokeKey(ctx, e.svc.ActiveKeyID(), meta)
	_, _, checks["add client"] = e.svc.AddClient(ctx, auth.ClientSpec{Name: "d"}, meta)
	_, checks["audit"] = e.svc.Audit(ctx, auth.AuditQuery{})
	_, checks["cleanup"] = e.svc.Cleanup(ctx)
	checks["sync"] = e.svc.Sync(ctx)
	checks["ready"] = e.svc.Ready(ctx) // the store ping fails
	for name, err := range checks {
		if auth.ErrorCode(err) != auth.CodeInternal {
			t.Errorf("%s with a closed store: %v (code %q), want an internal error", name, err, auth.ErrorCode(err))
		}
	}
	// Authenticate needs no store: the token is still valid.
	e.authn(t, p.AccessToken)
}

// TestRehashOnLogin: a hash made with weaker parameters is upgraded at the
// next successful login.
func TestRehashOnLogin(t *testing.T) {
	e := newEnv(t, nil)
	u := e.signup(t, "r@example.com")
	hashOf := func() string {
		var h string
		e.db.View(ctx, func(tx auth.ReadTx) error {
			x, err := tx.User(u.ID)
			if err == nil {
				h = x.PasswordHash
			}
			return err
		})
		return h
	}
	before := hashOf()
	if !strings.HasPrefix(before, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q", before)
	}
	stronger := e.service(t, func(c *auth.Config) { c.Argon2 = password.Params{Memory: 19456, Time: 3, Threads: 1} })
	if _, err := stronger.Login(ctx, "r@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	after := hashOf()
	if !strings.HasPrefix(after, "$argon2id$v=19$m=19456,t=3,p=1$") {
		t.Fatalf("hash after login = %q, want t=3", after)
	}
	if _, err := stronger.Login(ctx, "r@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	if hashOf() != after {
		t.Fatal("hash recomputed although the parameters match")
	}
	// A wrong password never rehashes.
	weaker := e.service(t, nil)
	weaker.Login(ctx, "r@example.com", "wrong password 456", meta)
	if hashOf() != after {
		t.Fatal("a failed login changed the hash")
	}
	if _, err := weaker.Login(ctx, "r@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
}

func TestHashConcurrencyCap(t *testing.T) {
	h, err := password.New(password.Params{}, password.Options{MaxConcurrent: 1})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(ctx, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := h.Verify(ctx, goodPassword, hash)
	if !ok || rehash || err != nil {
		t.Fatalf("Verify = %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify(ctx, "wrong", hash); ok {
		t.Fatal("wrong password verified")
	}
	if ok, _, _ := h.Verify(ctx, goodPassword, ""); ok {
		t.Fatal("empty hash verified")
	}
	// With the only slot taken, a caller whose context ends gets
	// unavailable instead of waiting forever.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 {
			h.Hash(ctx, goodPassword)
		}
	}()
	time.Sleep(5 * time.Millisecond)
	short, cancel := contextWithTimeout(time.Microsecond)
	defer cancel()
	var sawBusy bool
	for range 20 {
		if _, err := h.Hash(short, goodPassword); errors.Is(err, password.ErrBusy) {
			sawBusy = true
			break
		}
	}
	<-done
	if !sawBusy {
		t.Error("a caller with an expired context was never refused")
	}
	if _, err := password.New(password.Params{Memory: 1024, Time: 1, Threads: 1}, password.Options{}); err == nil {
		t.Error("parameters below the minimum were accepted")
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t, nil)
	c, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "billing", Scopes: []string{"invoices:read", "invoices:write"}}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "wcs_") || len(secret) < 40 || !strings.HasPrefix(c.ID, "wci_") || c.SecretHash != nil {
		t.Fatalf("AddClient = %+v %q", c, secret)
	}
	p, err := e.svc.ClientCredentials(ctx, c.ID, secret, []string{"invoices:read"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if p.RefreshToken != "" || p.SessionID != "" || p.Scope != "invoices:read" {
		t.Fatalf("pair = %+v", p)
	}
	claims := e.authn(t, p.AccessToken)
	if claims.Subject != c.ID || claims.ClientID != c.ID || claims.Scope != "invoices:read" || claims.SessionID != "" {
		t.Fatalf("claims = %+v", claims)
	}
	p, err = e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	if err != nil || p.Scope != "invoices:read invoices:write" {
		t.Fatalf("all scopes: %+v %v", p, err)
	}
	_, err = e.svc.ClientCredentials(ctx, c.ID, secret, []string{"admin"}, meta)
	wantCode(t, err, auth.CodeInvalidScope)
	_, err = e.svc.ClientCredentials(ctx, c.ID, secret+"x", nil, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	_, err = e.svc.ClientCredentials(ctx, "wci_nope", secret, nil, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	wantCode(t, e.svc.Logout(ctx, claims, auth.LogoutSession, meta), auth.CodeInvalidRequest)
	// The secret itself is not stored.
	e.db.View(ctx, func(tx auth.ReadTx) error {
		got, err := tx.Client(c.ID)
		if err != nil || strings.Contains(string(got.SecretHash), secret) || len(got.SecretHash) != 32 {
			t.Errorf("stored client: %+v %v", got, err)
		}
		return nil
	})
	clients, err := e.svc.Clients(ctx)
	if err != nil || len(clients) != 1 || clients[0].SecretHash != nil {
		t.Fatalf("Clients = %v %v", clients, err)
	}
}

func TestRevokeAndIntrospect(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "i@example.com")
	p := e.login(t, "i@example.com")
	in, err := e.svc.Introspect(ctx, p.AccessToken)
	if err != nil || !in.Active || in.TokenType != "access_token" || in.SessionID != p.SessionID || in.ClientID != "ward" {
		t.Fatalf("Introspect(access) = %+v %v", in, err)
	}
	in, err = e.svc.Introspect(ctx, p.RefreshToken)
	if err != nil || !in.Active || in.TokenType != "refresh_token" {
		t.Fatalf("Introspect(refresh) = %+v %v", in, err)
	}
	for _, bad := range []string{"", "garbage", "wrt_AAAA", p.AccessToken + "x"} {
		in, err := e.svc.Introspect(ctx, bad)
		if err != nil || in.Active {
			t.Errorf("Introspect(%q) = %+v %v", bad, in, err)
		}
		if err := e.svc.RevokeToken(ctx, bad, meta); err != nil {
			t.Errorf("RevokeToken(%q) = %v, want nil (RFC 7009)", bad, err)
		}
	}
	// Revoke the access token alone: the session lives.
	if err := e.svc.RevokeToken(ctx, p.AccessToken, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("revoked access token verifies")
	}
	in, _ = e.svc.Introspect(ctx, p.AccessToken)
	if in.Active {
		t.Fatal("revoked access token introspects active")
	}
	q, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.authn(t, q.AccessToken)
	// The previous refresh token is active within the grace window, when
	// Refresh still accepts it, and not after.
	if in, _ := e.svc.Introspect(ctx, p.RefreshToken); !in.Active || in.SessionID != p.SessionID {
		t.Fatalf("previous refresh token within the grace window = %+v, want active", in)
	}
	e.clock.Advance(auth.DefaultRefreshGrace)
	if in, _ := e.svc.Introspect(ctx, p.RefreshToken); in.Active {
		t.Fatal("rotated refresh token introspects active after the grace window")
	}
	// Revoke the refresh token: the session ends.
	if err := e.svc.RevokeToken(ctx, q.RefreshToken, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, q.AccessToken); err == nil {
		t.Fatal("access token of a revoked session verifies")
	}
	_, err = e.svc.Refresh(ctx, q.RefreshToken, meta)
	wantCode(t, err, auth.CodeSessionEnded)
	if err := e.svc.RevokeToken(ctx, q.RefreshToken, meta); err != nil {
		t.Fatal(err)
	}
}

func TestCleanup(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.SessionIdleTTL = 24 * time.Hour })
	e.signup(t, "c@example.com")
	p := e.login(t, "c@example.com")
	if err := e.svc.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	n := e.svc.Revocations().Len()
	if n == 0 {
		t.Fatal("logout left no revocation")
	}
	e.clock.Advance(100 * 24 * time.Hour)
	st, err := e.svc.Cleanup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Revocations == 0 || st.Sessions != 1 || st.AuditEvents == 0 {
		t.Fatalf("Cleanup = %+v", st)
	}
	if e.svc.Revocations().Len() != 0 {
		t.Fatal("replica not pruned")
	}
}

func TestRevocationStaleness(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.MaxRevocationStaleness = time.Minute })
	e.signup(t, "st@example.com")
	p := e.login(t, "st@example.com")
	if err := e.svc.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	_, err := e.svc.Authenticate(ctx, p.AccessToken)
	wantCode(t, err, auth.CodeUnavailable)
	wantCode(t, e.svc.Ready(ctx), auth.CodeUnavailable)
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	e.authn(t, p.AccessToken)
	// Sync picks up another instance's revocations.
	other := e.service(t, nil)
	if err := other.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutAll, meta); err != nil {
		t.Fatal(err)
	}
	e.authn(t, p.AccessToken) // not yet seen here
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("Sync did not load the other instance's revocation")
	}
}

// TestNoTokensAtRest: nothing in the database files is a token or lets its
// reader present one: refresh and access tokens and their MAC tags appear
// nowhere, and the session row holds only a counter.
func TestNoTokensAtRest(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "rest@example.com")
	var secrets []string
	for range 3 {
		p := e.login(t, "rest@example.com")
		q, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(q.RefreshToken, "wrt_"))
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, p.RefreshToken, q.RefreshToken, q.AccessToken, string(raw[len(raw)-32:]), string(raw[len(raw)-32:len(raw)-16]))
	}
	var data []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(e.db.Path() + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		data = append(data, b...)
	}
	if len(data) == 0 {
		t.Fatal("no database bytes read")
	}
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Fatalf("the database files contain a token or MAC tag (%d bytes)", len(s))
		}
	}
}

// TestAuthenticateClient: the secret is checked without signing a token,
// and failures are audited.
func TestAuthenticateClient(t *testing.T) {
	e := newEnv(t, nil)
	c, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "rs", Scopes: []string{"introspect"}, Introspect: true, IntrospectEmail: true}, meta)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.AuthenticateClient(ctx, c.ID, secret, meta)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != c.ID || got.Name != "rs" || got.SecretHash != nil || !slices.Equal(got.Scopes, []string{"introspect"}) {
		t.Fatalf("AuthenticateClient = %+v", got)
	}
	if strings.Contains(e.logs.String(), "type="+auth.EventClientToken) {
		t.Errorf("AuthenticateClient issued a client_credentials token:\n%s", e.logs)
	}
	for _, bad := range [][2]string{{c.ID, secret + "x"}, {c.ID, ""}, {"wci_nope", secret}, {"", ""}} {
		_, err := e.svc.AuthenticateClient(ctx, bad[0], bad[1], meta)
		wantCode(t, err, auth.CodeInvalidCredentials)
	}
	if n := e.auditTypes(t, auth.AuditQuery{Type: auth.EventClientAuth})[auth.EventClientAuth+"/"+auth.OutcomeFailure]; n != 4 {
		t.Errorf("%d client_auth failures audited, want 4", n)
	}
}

// TestIntrospectStale: with a revocation replica older than
// MaxRevocationStaleness, introspecting an access token is unavailable,
// not a silent "inactive"; a refresh token (checked in the store) still
// introspects, and revoking an access token still revokes it.
func TestIntrospectStale(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.MaxRevocationStaleness = time.Minute })
	e.signup(t, "stale@example.com")
	p := e.login(t, "stale@example.com")
	e.clock.Advance(2 * time.Minute)
	in, err := e.svc.Introspect(ctx, p.AccessToken)
	wantCode(t, err, auth.CodeUnavailable)
	if in != nil {
		t.Fatalf("Introspect with a stale replica = %+v", in)
	}
	if in, err := e.svc.Introspect(ctx, p.RefreshToken); err != nil || !in.Active || in.Username != "stale@example.com" {
		t.Fatalf("Introspect(refresh) with a stale replica = %+v, %v", in, err)
	}
	if err := e.svc.RevokeToken(ctx, p.AccessToken, meta); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("an access token revoked while the replica was stale still verifies")
	}
}

// TestIntrospectUsername: Introspect fills Username for user tokens, not
// for client tokens, and a deleted user's token is inactive.
func TestIntrospectUsername(t *testing.T) {
	e := newEnv(t, nil)
	u := e.signup(t, "who@example.com")
	p := e.login(t, "who@example.com")
	for _, tok := range []string{p.AccessToken, p.RefreshToken} {
		in, err := e.svc.Introspect(ctx, tok)
		if err != nil || !in.Active || in.Username != "who@example.com" {
			t.Fatalf("Introspect = %+v, %v", in, err)
		}
	}
	c, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "svc"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	if in, err := e.svc.Introspect(ctx, cp.AccessToken); err != nil || !in.Active || in.Username != "" {
		t.Fatalf("Introspect(client token) = %+v, %v", in, err)
	}
	// Deleting the user ends the sessions; the store read also finds no
	// user for a token whose revocation this replica has not seen.
	other := e.service(t, nil)
	if err := other.DeleteUser(ctx, u.ID, meta); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{p.AccessToken, p.RefreshToken} {
		if in, err := e.svc.Introspect(ctx, tok); err != nil || in.Active {
			t.Fatalf("Introspect after delete = %+v, %v", in, err)
		}
	}
}

// TestMaxHashWait: with one hashing slot held by a blocked login, another
// login fails with unavailable after MaxHashWait, even with a context
// that never ends; the blocked login, once released (long after
// MaxHashWait), still completes its store writes.
func TestMaxHashWait(t *testing.T) {
	const wait = 100 * time.Millisecond
	entered, release := make(chan struct{}), make(chan struct{})
	var blocked, armed atomic.Bool
	e := newEnv(t, func(c *auth.Config) {
		c.MaxConcurrentHashes, c.MaxHashWait = 1, wait
		c.OnHash = func(password.Params) {
			if armed.Load() && blocked.CompareAndSwap(false, true) {
				close(entered)
				<-release
			}
		}
	})
	e.signup(t, "slot@example.com")
	armed.Store(true)
	type result struct {
		p   *auth.TokenPair
		err error
	}
	first := make(chan result, 1)
	go func() {
		p, err := e.svc.Login(context.Background(), "slot@example.com", goodPassword, meta)
		first <- result{p, err}
	}()
	<-entered
	// A generous deadline: without MaxHashWait, the refusal would come
	// only when it ends. The upper bound is half of it, not a tight
	// "about wait", so that a stalled machine cannot fail the test.
	long, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, err := e.svc.Login(long, "slot@example.com", goodPassword, meta)
	wantCode(t, err, auth.CodeUnavailable)
	if d := time.Since(start); d < wait || d > 30*time.Second {
		t.Errorf("refused after %v, want about %v", d, wait)
	}
	_, err = e.svc.Signup(long, "other@example.com", goodPassword, meta)
	wantCode(t, err, auth.CodeUnavailable)
	time.Sleep(2 * wait) // the first login now holds its slot longer than MaxHashWait
	close(release)
	r := <-first
	if r.err != nil {
		t.Fatalf("the login that had a slot failed: %v", r.err)
	}
	if s := e.session(t, r.p.SessionID); s == nil || !s.EndedAt.IsZero() {
		t.Fatalf("session of the blocked login: %+v", s)
	}
	e.authn(t, r.p.AccessToken)
	// With the slot free again, logins go through.
	e.login(t, "slot@example.com")
}
