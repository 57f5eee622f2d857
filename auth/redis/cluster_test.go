package redis_test

import (
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/limit"
)

// limited returns a config change with a small per-account login limit
// (3 attempts, then one an hour) and no per-address login limit.
func limited(c *auth.Config) {
	c.Limits.Login = limit.Off
	c.Limits.LoginAccount = limit.Rate{Burst: 3, Every: time.Hour}
}

// wrongPasswords tries wrong passwords for email on each instance in turn
// until one is refused by the limit, and returns how many were checked
// (refused as wrong) before.
func wrongPasswords(t *testing.T, email string, ins ...*instance) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		_, err := ins[i%len(ins)].svc.Login(ctx, email, "wrong password, not this", meta)
		switch {
		case auth.IsCode(err, auth.CodeRateLimited):
			return i
		case !auth.IsCode(err, auth.CodeInvalidCredentials):
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	t.Fatal("20 wrong passwords and no limit")
	return 0
}

// TestSharedLoginLimit: wrong passwords for one account from one address,
// spread over two instances, hit one limit.
func TestSharedLoginLimit(t *testing.T) {
	_, a, b := twoInstances(t, limited)
	login(t, a, "ada@example.com")
	if n := wrongPasswords(t, "ada@example.com", a, b); n != 3 {
		t.Fatalf("%d wrong passwords checked over two instances, want 3 (one shared limit)", n)
	}
	for _, in := range []*instance{a, b} {
		if _, err := in.svc.Login(ctx, "ada@example.com", goodPassword, meta); !auth.IsCode(err, auth.CodeRateLimited) {
			t.Fatalf("the right password past the limit: %v, want rate_limited", err)
		}
	}
}

// TestRedisDown: two instances on one store whose Redis goes away (a proxy
// stops) and comes back. While it is away: both report it
// (Service.Degraded), logins and refreshes work, a logout on one is
// refused by the other within its sync interval, and the limits are per
// instance. When it is back: both stop reporting it, the bus delivers
// again (with the sync ticker paused) and the limits are shared again.
func TestRedisDown(t *testing.T) {
	url := authtest.RedisURL(t)
	proxied, proxy := viaProxy(t, url)
	prefix := testPrefix(t, url)
	cl := newCluster(t)
	const syncEvery = 300 * time.Millisecond
	a := cl.start(t, proxied, prefix, syncEvery, limited)
	b := cl.start(t, proxied, prefix, syncEvery, limited)
	tp := login(t, a, "ada@example.com")

	proxy.Stop()
	waitFor(t, 5*time.Second, "the bus is not reported degraded", func() bool {
		return hasPart(a.svc.Degraded(), auth.PartRevocationBus) && hasPart(b.svc.Degraded(), auth.PartRevocationBus)
	})
	// Logins and refreshes work.
	tp2, err := b.svc.Login(ctx, "ada@example.com", goodPassword, meta)
	if err != nil {
		t.Fatalf("login with Redis down: %v", err)
	}
	if tp, err = a.svc.Refresh(ctx, tp.RefreshToken, meta); err != nil {
		t.Fatalf("refresh with Redis down: %v", err)
	}
	// A logout on a reaches b through the store.
	claims, err := a.svc.Authenticate(ctx, tp2.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.svc.Logout(ctx, claims, auth.LogoutSession, meta); err != nil {
		t.Fatalf("logout with Redis down: %v", err)
	}
	start := time.Now()
	waitFor(t, 10*syncEvery, "b accepts a token logged out on a", func() bool { return revoked(b, tp2.AccessToken) })
	t.Logf("with Redis down, a logout reached the other instance after %v (sync interval %v)", time.Since(start).Round(time.Millisecond), syncEvery)
	if _, err := b.svc.Authenticate(ctx, tp.AccessToken); err != nil {
		t.Fatalf("b refuses the refreshed token of another session: %v", err)
	}
	// Limits per instance: 3 on each.
	login(t, a, "bob@example.com")
	if n := wrongPasswords(t, "bob@example.com", a); n != 3 {
		t.Fatalf("a checked %d wrong passwords, want 3", n)
	}
	if n := wrongPasswords(t, "bob@example.com", b); n != 3 {
		t.Fatalf("b checked %d wrong passwords, want 3 (its own limit)", n)
	}
	for _, in := range []*instance{a, b} {
		if !hasPart(in.svc.Degraded(), auth.PartLimiter) {
			t.Fatalf("limiter not reported degraded: %+v", in.svc.Degraded())
		}
	}

	// A logout while b's sync ticker is paused: its message is lost, and
	// b loads it from the store when it subscribes again.
	b.pauseSync(t)
	tp3, err := a.svc.Login(ctx, "ada@example.com", goodPassword, meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.svc.LogoutRefresh(ctx, tp3.RefreshToken, auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	if revoked(b, tp3.AccessToken) {
		t.Fatal("b saw the logout with no sync and no bus")
	}

	proxy.Start()
	waitFor(t, 10*time.Second, "still degraded with Redis back", func() bool {
		return len(a.svc.Degraded()) == 0 && len(b.svc.Degraded()) == 0
	})
	waitFor(t, 5*time.Second, "b did not sync on resubscribing", func() bool { return revoked(b, tp3.AccessToken) })
	// The bus delivers again: with b's sync ticker still paused, a logout
	// on a reaches b.
	claims, err = a.svc.Authenticate(ctx, tp.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.svc.Logout(ctx, claims, auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "with Redis back, the bus does not deliver", func() bool { return revoked(b, tp.AccessToken) })
	// Shared limits again.
	login(t, a, "cy@example.com")
	if n := wrongPasswords(t, "cy@example.com", a, b); n != 3 {
		t.Fatalf("%d wrong passwords over two instances with Redis back, want 3", n)
	}
}

func hasPart(d []auth.Degradation, part string) bool {
	for _, x := range d {
		if x.Part == part {
			return x.Err != nil
		}
	}
	return false
}
