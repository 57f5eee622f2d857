package limit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/limit"
)

var ctx = context.Background()

func newMemory(max int) (*limit.Memory, *authtest.Clock) {
	c := authtest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	return limit.NewMemory(limit.MemoryOptions{MaxKeys: max, Now: c.Now}), c
}

func allow(t *testing.T, m *limit.Memory, key string, r limit.Rate, cost int) limit.Decision {
	t.Helper()
	d, err := m.Allow(ctx, key, r, cost)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBucket: a bucket allows its burst at once, then one per Every, and a
// refusal says how long until the next token; keys are independent.
func TestBucket(t *testing.T) {
	m, clock := newMemory(0)
	r := limit.Rate{Burst: 3, Every: 10 * time.Second}
	for i := range 3 {
		if d := allow(t, m, "a", r, 1); !d.Allowed {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	d := allow(t, m, "a", r, 1)
	if d.Allowed || d.RetryAfter != 10*time.Second {
		t.Fatalf("4th attempt: %+v, want refused for 10s", d)
	}
	if !allow(t, m, "b", r, 1).Allowed {
		t.Fatal("another key was refused")
	}
	clock.Advance(4 * time.Second)
	if d := allow(t, m, "a", r, 1); d.Allowed || d.RetryAfter != 6*time.Second {
		t.Fatalf("after 4s: %+v, want refused for 6s", d)
	}
	// A check (cost 0) takes nothing.
	clock.Advance(6 * time.Second)
	for range 3 {
		if !allow(t, m, "a", r, 0).Allowed {
			t.Fatal("check refused with a token in the bucket")
		}
	}
	if !allow(t, m, "a", r, 1).Allowed || allow(t, m, "a", r, 0).Allowed {
		t.Fatal("the token was not taken exactly once")
	}
	if !allow(t, m, "a", limit.Off, 1).Allowed || !allow(t, m, "a", limit.Rate{}, 1).Allowed {
		t.Fatal("an unlimited rate refused")
	}
}

// TestBackoff: each consecutive failure halves the refill rate, so the
// delays grow 2×, 4×, 8×…, capped at 2^MaxBackoff; a reset restores the
// bucket.
func TestBackoff(t *testing.T) {
	m, clock := newMemory(0)
	r := limit.Rate{Burst: 1, Every: 10 * time.Second}
	for i := 1; i <= limit.MaxBackoff+2; i++ {
		d := allow(t, m, "k", r, 1)
		if !d.Allowed {
			t.Fatalf("failure %d: refused after waiting", i)
		}
		if err := m.Fail(ctx, "k", r); err != nil {
			t.Fatal(err)
		}
		want := r.Every << min(i, limit.MaxBackoff)
		if d := allow(t, m, "k", r, 1); d.Allowed || d.RetryAfter != want {
			t.Fatalf("after %d failures: %+v, want refused for %v", i, d, want)
		}
		clock.Advance(want - time.Second)
		if allow(t, m, "k", r, 1).Allowed {
			t.Fatalf("after %d failures: allowed a second early", i)
		}
		clock.Advance(time.Second)
	}
	if err := m.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if !allow(t, m, "k", r, 1).Allowed {
		t.Fatal("refused after a reset")
	}
	if d := allow(t, m, "k", r, 1); d.RetryAfter != r.Every {
		t.Fatalf("after a reset the delay is %v, want %v", d.RetryAfter, r.Every)
	}
}

// TestMaxKeys: a flood of distinct keys never holds more than MaxKeys
// buckets; the least recently used go first.
func TestMaxKeys(t *testing.T) {
	m, _ := newMemory(64)
	r := limit.Rate{Burst: 1, Every: time.Hour}
	allow(t, m, "keep", r, 1)
	for i := range 10_000 {
		allow(t, m, fmt.Sprintf("flood-%d", i), r, 1)
		allow(t, m, "keep", r, 0) // used: stays
	}
	if n := m.Len(); n > 64 {
		t.Fatalf("%d buckets held, want at most 64", n)
	}
	if allow(t, m, "keep", r, 1).Allowed {
		t.Fatal("a recently used bucket was evicted")
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want limit.Rate
		ok   bool
	}{
		{"30/2s", limit.Rate{Burst: 30, Every: 2 * time.Second}, true},
		{"5/1m0s", limit.Rate{Burst: 5, Every: time.Minute}, true},
		{"off", limit.Off, true},
		{"0/1s", limit.Rate{}, false},
		{"5", limit.Rate{}, false},
		{"5/0s", limit.Rate{}, false},
		{"x/1s", limit.Rate{}, false},
	} {
		got, err := limit.ParseRate(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRate(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok {
			if again, _ := limit.ParseRate(got.String()); again != got {
				t.Errorf("%q: String %q does not parse back", tc.in, got.String())
			}
		}
	}
}

// FuzzParseRate: a rate that parses prints as a string that parses back to
// it.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"30/2s", "5/1m", "off", "1/1ns", "0/1s", "5/-1s", "9999999/24h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := limit.ParseRate(s)
		if err != nil {
			if r != (limit.Rate{}) {
				t.Fatalf("ParseRate(%q) failed but returned %v", s, r)
			}
			return
		}
		again, err := limit.ParseRate(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRate(%q) = %v, whose String %q parses as %v, %v", s, r, r.String(), again, err)
		}
	})
}
