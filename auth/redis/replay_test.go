package redis_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/redis"
	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

var _ dpop.ReplayCache = (*redis.ReplayCache)(nil)

// TestReplayCache: a (thumbprint, jti) pair is seen once until it expires;
// pairs are kept apart by key; with Redis unreachable Seen fails (a
// per-instance cache would let a proof be replayed on another instance).
func TestReplayCache(t *testing.T) {
	url := authtest.RedisURL(t)
	proxied, proxy := viaProxy(t, url)
	rc := openClient(t, proxied, testPrefix(t, url)).ReplayCache()
	now := time.Now()
	seen := func(jkt, jti string, ttl time.Duration) bool {
		t.Helper()
		s, err := rc.Seen(ctx, jkt, jti, now, now.Add(ttl))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if seen("k1", "j1", time.Minute) || !seen("k1", "j1", time.Minute) {
		t.Fatal("a pair was not seen exactly once")
	}
	if seen("k2", "j1", time.Minute) || seen("k1", "j2", time.Minute) {
		t.Fatal("pairs of another key or jti collide")
	}
	if seen("k1", "short", 50*time.Millisecond) {
		t.Fatal("new pair seen")
	}
	waitFor(t, 5*time.Second, "an expired pair is still seen", func() bool { return !seen("k1", "short", 50*time.Millisecond) })

	proxy.Stop()
	if _, err := rc.Seen(ctx, "k3", "j3", now, now.Add(time.Minute)); err == nil {
		t.Fatal("Seen with Redis down succeeded")
	}
}

// TestReplayAcrossInstances: two DPoP verifiers (two instances) sharing
// the cache accept a proof once: its replay on the other is refused.
func TestReplayAcrossInstances(t *testing.T) {
	url := authtest.RedisURL(t)
	prefix := testPrefix(t, url)
	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	r := &dpop.Request{Method: "POST", URI: "https://auth.example.com/oauth2/token"}
	proof, err := (&dpop.Proofer{Key: key.(*jwk.PrivateKey)}).Proof(r)
	if err != nil {
		t.Fatal(err)
	}
	a := &dpop.Verifier{Replay: openClient(t, url, prefix).ReplayCache()}
	b := &dpop.Verifier{Replay: openClient(t, url, prefix).ReplayCache()}
	if _, err := a.Verify(ctx, []string{proof}, r); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(ctx, []string{proof}, r); !errors.Is(err, dpop.ErrReplay) {
		t.Fatalf("replay on the other instance: %v, want ErrReplay", err)
	}
}
