package auth_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/password"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

// TestEndToEnd follows issue 3's flow: sign up, log in, a protected call,
// refresh, a token two rotations old ends the session and its access token
// is refused at once, log out, a password change ends the other sessions.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	u := e.signup(t, "  Ann@Example.COM ")
	if u.Email != "Ann@example.com" || u.PasswordHash != "" {
		t.Fatalf("Signup = %+v", u)
	}
	_, err := e.svc.Signup(ctx, "ann@example.com", goodPassword, meta)
	wantCode(t, err, auth.CodeEmailTaken)

	p0 := e.login(t, "ann@example.com")
	if p0.TokenType != "Bearer" || p0.ExpiresIn != 600 || !strings.HasPrefix(p0.RefreshToken, "wrt_") {
		t.Fatalf("Login = %+v", p0)
	}
	c := e.authn(t, p0.AccessToken)
	if c.Subject != u.ID || c.SessionID != p0.SessionID || c.ClientID != "ward" || c.Issuer != "https://auth.example.com" ||
		!c.Audience.Contains("https://api.example.com") || c.ID == "" || c.IssuedAt.IsZero() || !c.ExpiresAt.Equal(c.IssuedAt.Add(10*time.Minute)) {
		t.Fatalf("claims = %+v", c)
	}
	// RFC 9068 header.
	unv, err := jws.UnsafeDecode(p0.AccessToken, 0)
	if err != nil {
		t.Fatal(err)
	}
	if unv.Header.Type != "at+jwt" || unv.Header.KeyID != e.svc.ActiveKeyID() || unv.Header.Algorithm != "ES256" {
		t.Fatalf("header = %+v", unv.Header)
	}

	e.clock.Advance(time.Minute)
	p1, err := e.svc.Refresh(ctx, p0.RefreshToken, meta)
	if err != nil {
		t.Fatal(err)
	}
	if p1.RefreshToken == p0.RefreshToken || p1.SessionID != p0.SessionID {
		t.Fatal("refresh did not rotate")
	}
	e.authn(t, p1.AccessToken)
	e.clock.Advance(time.Minute)
	p2, err := e.svc.Refresh(ctx, p1.RefreshToken, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.authn(t, p2.AccessToken)

	// p0's refresh token is two rotations old: reuse.
	_, err = e.svc.Refresh(ctx, p0.RefreshToken, meta)
	wantCode(t, err, auth.CodeTokenReused)
	_, err = e.svc.Authenticate(ctx, p2.AccessToken)
	wantCode(t, err, auth.CodeUnauthorized)
	if !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("Authenticate after reuse: %v, want jwt.ErrRevoked", err)
	}
	_, err = e.svc.Refresh(ctx, p2.RefreshToken, meta)
	wantCode(t, err, auth.CodeTokenReused)
	if s := e.session(t, p0.SessionID); s.EndReason != auth.EndReuse || s.EndedAt.IsZero() {
		t.Fatalf("session after reuse: %+v", s)
	}
	if n := e.auditTypes(t, auth.AuditQuery{Type: auth.EventRefreshReuse})["refresh_reuse/failure"]; n != 1 {
		t.Fatalf("%d refresh_reuse events, want 1", n)
	}

	// Log out of one session: its token is refused at once, others live.
	e.clock.Advance(time.Minute)
	a := e.login(t, "ann@example.com")
	b := e.login(t, "ann@example.com")
	if err := e.svc.Logout(ctx, e.authn(t, a.AccessToken), auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(ctx, a.AccessToken)
	wantCode(t, err, auth.CodeUnauthorized)
	_, err = e.svc.Refresh(ctx, a.RefreshToken, meta)
	wantCode(t, err, auth.CodeSessionEnded)
	e.authn(t, b.AccessToken)

	// A password change ends the other sessions only.
	cb := e.authn(t, b.AccessToken)
	d := e.login(t, "ann@example.com")
	err = e.svc.ChangePassword(ctx, cb, "wrong password here", "a brand new passphrase", meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	err = e.svc.ChangePassword(ctx, cb, goodPassword, "password123", meta)
	wantCode(t, err, auth.CodeWeakPassword)
	if err := e.svc.ChangePassword(ctx, cb, goodPassword, "a brand new passphrase", meta); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(ctx, d.AccessToken)
	wantCode(t, err, auth.CodeUnauthorized)
	_, err = e.svc.Refresh(ctx, d.RefreshToken, meta)
	wantCode(t, err, auth.CodeSessionEnded)
	e.authn(t, b.AccessToken)
	if _, err := e.svc.Refresh(ctx, b.RefreshToken, meta); err != nil {
		t.Fatalf("the changing session was ended: %v", err)
	}
	_, err = e.svc.Login(ctx, "ann@example.com", goodPassword, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	if _, err := e.svc.Login(ctx, "ann@example.com", "a brand new passphrase", meta); err != nil {
		t.Fatal(err)
	}

	// The durable revocations hold for a new instance over the same store.
	svc2 := e.service(t, nil)
	for _, tok := range []string{p2.AccessToken, a.AccessToken, d.AccessToken} {
		if _, err := svc2.Authenticate(ctx, tok); !errors.Is(err, jwt.ErrRevoked) {
			t.Errorf("new instance accepted a revoked token: %v", err)
		}
	}

	// Audit: logins, signups, refreshes, logouts, password change; and no
	// secrets in the log or the events.
	types := e.auditTypes(t, auth.AuditQuery{UserID: u.ID})
	for _, k := range []string{"signup/success", "login/success", "login/failure", "refresh/success", "logout/success", "password_change/success", "password_change/failure", "session_end/success"} {
		if types[k] == 0 {
			t.Errorf("no %s audit event (have %v)", k, types)
		}
	}
	logs := e.logs.String()
	for _, secret := range []string{goodPassword, "a brand new passphrase", "wrt_", p0.AccessToken[:20], "$argon2id"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a secret %q", secret)
		}
	}
}

func TestLogoutScopes(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "bob@example.com")
	var pairs []*auth.TokenPair
	for range 4 {
		pairs = append(pairs, e.login(t, "bob@example.com"))
	}
	c0 := e.authn(t, pairs[0].AccessToken)
	if err := e.svc.Logout(ctx, c0, auth.LogoutOthers, meta); err != nil {
		t.Fatal(err)
	}
	e.authn(t, pairs[0].AccessToken)
	for _, p := range pairs[1:] {
		if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
			t.Error("logout others left a session's token valid")
		}
	}
	live, err := e.svc.Sessions(ctx, c0.Subject)
	if err != nil || len(live) != 1 || live[0].ID != pairs[0].SessionID {
		t.Fatalf("Sessions = %v, %v", live, err)
	}
	p := e.login(t, "bob@example.com")
	if err := e.svc.Logout(ctx, e.authn(t, p.AccessToken), auth.LogoutAll, meta); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{p.AccessToken, pairs[0].AccessToken} {
		if _, err := e.svc.Authenticate(ctx, tok); err == nil {
			t.Error("logout all left a token valid")
		}
	}
	wantCode(t, e.svc.Logout(ctx, c0, "everything", meta), auth.CodeInvalidRequest)

	// EndSession: only the caller's own sessions.
	e.signup(t, "eve@example.com")
	q := e.login(t, "bob@example.com")
	r := e.login(t, "bob@example.com")
	ev := e.login(t, "eve@example.com")
	wantCode(t, e.svc.EndSession(ctx, e.authn(t, ev.AccessToken), q.SessionID, meta), auth.CodeNotFound)
	if err := e.svc.EndSession(ctx, e.authn(t, r.AccessToken), q.SessionID, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, q.AccessToken); err == nil {
		t.Error("EndSession left the token valid")
	}
	e.authn(t, r.AccessToken)
}

// refreshStorm presents one refresh token from 50 goroutines at once.
func refreshStorm(t *testing.T, e *env, tok string) (ok []*auth.TokenPair, errs []error) {
	const n = 50
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			p, err := e.svc.Refresh(ctx, tok, meta)
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

func TestConcurrentRefreshGrace(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "tabs@example.com")
	p := e.login(t, "tabs@example.com")
	ok, errs := refreshStorm(t, e, p.RefreshToken)
	if len(errs) != 0 {
		t.Fatalf("%d refreshes failed, first: %v", len(errs), errs[0])
	}
	for _, q := range ok {
		if q.RefreshToken != ok[0].RefreshToken {
			t.Fatal("concurrent refreshes got different refresh tokens: the chain forked")
		}
		e.authn(t, q.AccessToken)
	}
	s := e.session(t, p.SessionID)
	if s.Counter != 1 || !s.EndedAt.IsZero() {
		t.Fatalf("session after storm: counter %d, ended %v", s.Counter, s.EndedAt)
	}
	// The chain continues from the converged token.
	q, err := e.svc.Refresh(ctx, ok[0].RefreshToken, meta)
	if err != nil {
		t.Fatal(err)
	}
	if e.session(t, p.SessionID).Counter != 2 {
		t.Fatal("counter did not advance")
	}
	// After the grace window, the previous token is a reuse.
	e.clock.Advance(auth.DefaultRefreshGrace)
	_, err = e.svc.Refresh(ctx, ok[0].RefreshToken, meta)
	wantCode(t, err, auth.CodeTokenReused)
	if _, err := e.svc.Authenticate(ctx, q.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("access token after reuse: %v", err)
	}
}

func TestConcurrentRefreshNoGrace(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.RefreshGraceOff = true })
	e.signup(t, "tabs@example.com")
	p := e.login(t, "tabs@example.com")
	ok, errs := refreshStorm(t, e, p.RefreshToken)
	if len(ok) != 1 {
		t.Fatalf("%d refreshes succeeded, want exactly 1", len(ok))
	}
	for _, err := range errs {
		wantCode(t, err, auth.CodeTokenReused)
	}
	s := e.session(t, p.SessionID)
	if s.Counter != 1 || s.EndReason != auth.EndReuse {
		t.Fatalf("session: counter %d, end reason %q", s.Counter, s.EndReason)
	}
	if _, err := e.svc.Authenticate(ctx, ok[0].AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("winner's access token after reuse: %v", err)
	}
	_, err := e.svc.Refresh(ctx, ok[0].RefreshToken, meta)
	wantCode(t, err, auth.CodeTokenReused)
}

func TestRefreshTokenTampering(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "t@example.com")
	p := e.login(t, "t@example.com")
	tok := p.RefreshToken
	// The MAC's last two characters changed, never to the ones already
	// there: a token ends in "AA" one time in 4096, and the old
	// tok[:len(tok)-2]+"AA" was then the token itself.
	tail := "AA"
	if strings.HasSuffix(tok, tail) {
		tail = "BB"
	}
	for _, bad := range []string{
		"", "wrt_", tok + "A", tok[:len(tok)-1], "xrt_" + tok[4:],
		tok[:10] + string(tok[10]^1) + tok[11:], // flips a bit of the session ID
		tok[:len(tok)-2] + tail,
	} {
		_, err := e.svc.Refresh(ctx, bad, meta)
		wantCode(t, err, auth.CodeInvalidToken)
	}
	// A different server secret (another KEK's store) does not accept it.
	other := newEnv(t, nil)
	_, err := other.svc.Refresh(ctx, tok, meta)
	wantCode(t, err, auth.CodeInvalidToken)
	if _, err := e.svc.Refresh(ctx, tok, meta); err != nil {
		t.Fatal(err)
	}
}

func TestSessionLifetimes(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) {
		c.SessionIdleTTL = time.Hour
		c.SessionAbsoluteTTL = 3 * time.Hour
	})
	e.signup(t, "life@example.com")
	p := e.login(t, "life@example.com")
	e.clock.Advance(61 * time.Minute)
	_, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
	wantCode(t, err, auth.CodeSessionEnded)
	if s := e.session(t, p.SessionID); s.EndReason != auth.EndIdle {
		t.Fatalf("end reason %q", s.EndReason)
	}
	q := e.login(t, "life@example.com")
	tok := q.RefreshToken
	for range 6 { // used every 30 minutes: never idle
		e.clock.Advance(30 * time.Minute)
		r, err := e.svc.Refresh(ctx, tok, meta)
		if err != nil {
			wantCode(t, err, auth.CodeSessionEnded)
			if s := e.session(t, q.SessionID); s.EndReason != auth.EndExpired {
				t.Fatalf("end reason %q", s.EndReason)
			}
			return
		}
		tok = r.RefreshToken
	}
	t.Fatal("session outlived its absolute lifetime")
}

func TestAdminEndsSessions(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		name string
		act  func(id string) error
	}{
		{"disable", func(id string) error { return e.svc.DisableUser(ctx, id, meta) }},
		{"roles", func(id string) error { return e.svc.SetRoles(ctx, id, []string{"admin"}, meta) }},
		{"delete", func(id string) error { return e.svc.DeleteUser(ctx, id, meta) }},
		{"end sessions", func(id string) error { return e.svc.EndUserSessions(ctx, id, meta) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := strings.ReplaceAll(tc.name, " ", "") + "@example.com"
			u := e.signup(t, email)
			p := e.login(t, email)
			e.authn(t, p.AccessToken)
			if err := tc.act(u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Authenticate(ctx, p.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
				t.Fatalf("token after %s: %v", tc.name, err)
			}
			if _, err := e.svc.Refresh(ctx, p.RefreshToken, meta); err == nil {
				t.Fatalf("refresh after %s succeeded", tc.name)
			}
			if tc.name != "delete" && tc.name != "disable" {
				// A login right after, in the same second, works.
				q := e.login(t, email)
				e.authn(t, q.AccessToken)
			}
		})
	}
	u, err := e.svc.UserByEmail(ctx, "roles@example.com")
	if err != nil || len(u.Roles) != 1 || u.Roles[0] != "admin" {
		t.Fatalf("roles: %+v %v", u, err)
	}
	p := e.login(t, "roles@example.com")
	if c := e.authn(t, p.AccessToken); !c.HasRole("admin") {
		t.Fatalf("roles claim = %v", c.Roles)
	}
	_, err = e.svc.Login(ctx, "disable@example.com", goodPassword, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	_, err = e.svc.Login(ctx, "delete@example.com", goodPassword, meta)
	wantCode(t, err, auth.CodeInvalidCredentials)
	wantCode(t, e.svc.DeleteUser(ctx, "nobody", meta), auth.CodeNotFound)
	wantCode(t, e.svc.SetRoles(ctx, u.ID, []string{"bad role"}, meta), auth.CodeInvalidRequest)
	users, err := e.svc.ListUsers(ctx, "", 0)
	if err != nil || len(users) != 3 {
		t.Fatalf("ListUsers = %d, %v", len(users), err)
	}
	for _, u := range users {
		if u.PasswordHash != "" {
			t.Fatal("ListUsers returned a password hash")
		}
	}
	// Admin actions are audited.
	types := e.auditTypes(t, auth.AuditQuery{})
	for _, k := range []string{"user_disable/success", "user_roles/success", "user_delete/success", "revoke/success"} {
		if types[k] == 0 {
			t.Errorf("no %s event", k)
		}
	}
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "known@example.com")
	for _, tc := range []struct{ email, password string }{
		{"known@example.com", "wrong password 123"},
		{"unknown@example.com", goodPassword},
		{"not an email", goodPassword},
		{"known@example.com", ""},
		{"known@example.com", strings.Repeat("x", 5000)},
	} {
		_, err := e.svc.Login(ctx, tc.email, tc.password, meta)
		wantCode(t, err, auth.CodeInvalidCredentials)
		if msg := auth.ErrorMessage(err); msg != "Wrong email or password." {
			t.Errorf("message %q reveals the cause", msg)
		}
	}
	if n := e.auditTypes(t, auth.AuditQuery{Type: auth.EventLogin})["login/failure"]; n != 5 {
		t.Errorf("%d login failures audited, want 5", n)
	}
	// An unknown email costs a hash like a wrong password does: the same
	// argon2id work, counted through OnHash rather than timed (a timing
	// holds only most of the time on a busy machine). On a service
	// without limits: with them, the account limit (burst 5) refuses such
	// logins before any hash.
	var mu sync.Mutex
	var blocks uint64
	unlimited := e.service(t, func(c *auth.Config) {
		c.Limits.Off = true
		c.OnHash = func(p password.Params) { mu.Lock(); blocks += p.Work(); mu.Unlock() }
	})
	work := func(email string) uint64 {
		t.Helper()
		mu.Lock()
		blocks = 0
		mu.Unlock()
		_, err := unlimited.Login(ctx, email, "wrong password 123", meta)
		wantCode(t, err, auth.CodeInvalidCredentials)
		mu.Lock()
		defer mu.Unlock()
		return blocks
	}
	if known, unknown := work("known@example.com"), work("unknown@example.com"); known == 0 || unknown != known {
		t.Errorf("argon2id work of a login: unknown email %d blocks, wrong password %d: the dummy hash is missing", unknown, known)
	}
}
