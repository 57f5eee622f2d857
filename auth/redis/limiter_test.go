package redis_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/limit"
	"github.com/wardauth/ward/auth/redis"
)

func newLimiter(t *testing.T) (*redis.Limiter, *authtest.Clock) {
	url := authtest.RedisURL(t)
	clock := authtest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	c := openClient(t, url, testPrefix(t, url))
	return c.Limiter(redis.LimiterOptions{Now: clock.Now}), clock
}

// TestLimiterBucket: a bucket allows its burst at once, then one per
// Every; a refusal says how long until the next token; a check (cost 0)
// takes nothing; each failure doubles the delays; a reset restores the
// bucket.
func TestLimiterBucket(t *testing.T) {
	l, clock := newLimiter(t)
	r := limit.Rate{Burst: 3, Every: 10 * time.Second}
	allow := func(key string, cost int) limit.Decision {
		t.Helper()
		d, err := l.Allow(ctx, key, r, cost)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for i := range 3 {
		if !allow("a", 1).Allowed {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if d := allow("a", 1); d.Allowed || d.RetryAfter != 10*time.Second {
		t.Fatalf("4th attempt: %+v, want refused for 10s", d)
	}
	if !allow("b", 1).Allowed {
		t.Fatal("another key was refused")
	}
	clock.Advance(4 * time.Second)
	if d := allow("a", 1); d.Allowed || d.RetryAfter != 6*time.Second {
		t.Fatalf("after 4s: %+v, want refused for 6s", d)
	}
	clock.Advance(6 * time.Second)
	if !allow("a", 0).Allowed || !allow("a", 0).Allowed || !allow("a", 1).Allowed || allow("a", 0).Allowed {
		t.Fatal("checks took tokens, or the token was not taken exactly once")
	}
	if err := l.Fail(ctx, "a", r); err != nil {
		t.Fatal(err)
	}
	if d := allow("a", 1); d.Allowed || d.RetryAfter != 20*time.Second {
		t.Fatalf("after a failure: %+v, want refused for 20s", d)
	}
	if err := l.Reset(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if !allow("a", 3).Allowed {
		t.Fatal("a reset bucket is not full")
	}
	if d := allow("a", 1); d.Allowed || d.RetryAfter != 10*time.Second {
		t.Fatal("a reset bucket does not refill at its base rate")
	}
	if l.Degraded() != nil {
		t.Fatalf("Degraded: %v", l.Degraded())
	}
}

// TestLimiterMatchesMemory runs one random sequence of Allow, Fail, Reset
// and clock steps on the Redis limiter and on limit.Memory with one clock,
// and requires the same decision every time: an instance behaves the same
// whether its limits are shared or its own.
func TestLimiterMatchesMemory(t *testing.T) {
	l, clock := newLimiter(t)
	m := limit.NewMemory(limit.MemoryOptions{Now: clock.Now})
	rates := []limit.Rate{{Burst: 3, Every: 10 * time.Second}, {Burst: 1, Every: 1500 * time.Millisecond}, {Burst: 20, Every: 3 * time.Second}}
	keys := []string{"login_account:x", "login:192.0.2.1", "client_auth:192.0.2.2"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		k := rng.IntN(len(keys))
		key, r := keys[k], rates[k]
		if rng.IntN(50) == 0 { // now and then, another rate: the bucket starts over
			r = rates[(k+1)%len(rates)]
		}
		switch op := rng.IntN(20); {
		case op < 12:
			cost := rng.IntN(4)
			got, err1 := l.Allow(ctx, key, r, cost)
			want, err2 := m.Allow(ctx, key, r, cost)
			// Redis counts in microseconds, memory in nanoseconds
			// (as floats).
			diff := got.RetryAfter - want.RetryAfter
			if err1 != nil || err2 != nil || got.Allowed != want.Allowed || diff <= -time.Microsecond || diff >= time.Microsecond {
				t.Fatalf("step %d: Allow(%s, %v, %d) = %+v, %v; memory %+v, %v", i, key, r, cost, got, err1, want, err2)
			}
		case op < 17:
			if err := l.Fail(ctx, key, r); err != nil {
				t.Fatal(err)
			}
			m.Fail(ctx, key, r)
		case op < 18:
			if err := l.Reset(ctx, key); err != nil {
				t.Fatal(err)
			}
			m.Reset(ctx, key)
		default:
			clock.Advance(time.Duration(rng.IntN(20_000)) * time.Millisecond)
		}
	}
}

// TestLimiterFallback: with Redis unreachable the limiter keeps its
// buckets in memory (per instance) and says it is degraded; when Redis
// answers again it goes back to the shared buckets.
func TestLimiterFallback(t *testing.T) {
	url := authtest.RedisURL(t)
	proxied, proxy := viaProxy(t, url)
	prefix := testPrefix(t, url)
	a := openClient(t, proxied, prefix).Limiter(redis.LimiterOptions{})
	b := openClient(t, proxied, prefix).Limiter(redis.LimiterOptions{})
	r := limit.Rate{Burst: 2, Every: time.Hour}
	spend := func(l *redis.Limiter, key string) (n int) {
		for {
			d, err := l.Allow(ctx, key, r, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Allowed {
				return n
			}
			n++
		}
	}
	if n := spend(a, "shared"); n != 2 {
		t.Fatalf("a allowed %d, want 2", n)
	}
	if n := spend(b, "shared"); n != 0 {
		t.Fatalf("b allowed %d after a spent the shared bucket, want 0", n)
	}

	proxy.Stop()
	na, nb := spend(a, "down"), spend(b, "down")
	if na != 2 || nb != 2 {
		t.Fatalf("with Redis down a and b allowed %d and %d, want 2 each (per instance)", na, nb)
	}
	if a.Degraded() == nil || b.Degraded() == nil {
		t.Fatal("not degraded with Redis down")
	}

	proxy.Start()
	waitFor(t, 10*time.Second, "the limiters did not go back to Redis", func() bool { return a.Degraded() == nil && b.Degraded() == nil })
	if n := spend(a, "back"); n != 2 {
		t.Fatalf("a allowed %d, want 2", n)
	}
	if n := spend(b, "back"); n != 0 {
		t.Fatalf("b allowed %d after a spent the shared bucket, want 0", n)
	}
}
