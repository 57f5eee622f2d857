package dpop_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// TestMemoryCache checks the in-memory replay cache: a key is seen once
// until it expires (RFC 9449, Section 11.1), the cache never holds more
// than Size entries, and it refuses new ones rather than drop live ones.
func TestMemoryCache(t *testing.T) {
	ctx := context.Background()
	c := &dpop.MemoryCache{Size: 3}
	t0 := time.Unix(1000, 0)
	exp := t0.Add(time.Minute)
	seen := func(key string, now time.Time) (bool, error) { return c.Seen(ctx, "jkt", key, now, exp) }

	for _, k := range []string{"a", "b", "c"} {
		if s, err := seen(k, t0); s || err != nil {
			t.Fatalf("first %s: %v, %v", k, s, err)
		}
	}
	if s, err := seen("a", t0.Add(59*time.Second)); !s || err != nil {
		t.Fatalf("a again before it expires: %v, %v; want seen", s, err)
	}
	if _, err := seen("d", t0); !errors.Is(err, dpop.ErrReplayCacheFull) {
		t.Fatalf("a fourth key in a full cache: %v, want ErrReplayCacheFull", err)
	}
	if c.Len() != 3 {
		t.Fatalf("Len = %d, want 3", c.Len())
	}
	// At exp every entry has expired: "a" is new again and room is made.
	if s, err := seen("a", exp); s || err != nil {
		t.Fatalf("a after it expired: %v, %v", s, err)
	}
	if c.Len() != 1 {
		t.Fatalf("Len = %d after expiry, want 1", c.Len())
	}
	// An entry never expires before an earlier-recorded one: expiries are
	// kept in order, each at least as late as asked.
	if s, _ := c.Seen(ctx, "jkt", "f", exp, exp.Add(time.Minute)); s {
		t.Fatal("f seen")
	}
	if s, _ := c.Seen(ctx, "jkt", "e", exp, exp.Add(time.Second)); s {
		t.Fatal("e seen")
	}
	if s, _ := c.Seen(ctx, "jkt", "e", exp.Add(30*time.Second), exp.Add(time.Minute)); !s {
		t.Fatal("e forgotten before the entry recorded ahead of it")
	}
}

// TestMemoryCacheZero checks that the zero MemoryCache works, with
// DefaultReplayCacheSize entries, and drops expired entries as it goes.
func TestMemoryCacheZero(t *testing.T) {
	var c dpop.MemoryCache
	ctx := context.Background()
	t0 := time.Unix(1000, 0)
	for i := range 5000 {
		now := t0.Add(time.Duration(i) * time.Second)
		if s, err := c.Seen(ctx, "jkt", fmt.Sprint(i), now, now.Add(10*time.Second)); s || err != nil {
			t.Fatalf("%d: %v, %v", i, s, err)
		}
	}
	if n := c.Len(); n > 11 {
		t.Fatalf("Len = %d, want the 10 or 11 live entries only", n)
	}
}

// TestMemoryCacheConcurrent records one key from many goroutines: exactly
// one of them is first.
func TestMemoryCacheConcurrent(t *testing.T) {
	var c dpop.MemoryCache
	t0 := time.Unix(1000, 0)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first int
	)
	for range 16 {
		wg.Go(func() {
			s, err := c.Seen(context.Background(), "jkt", "k", t0, t0.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if !s {
				mu.Lock()
				first++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != 1 {
		t.Fatalf("%d goroutines saw the key first, want 1", first)
	}
}

// failingCache is a ReplayCache whose store is down.
type failingCache struct{}

var errStoreDown = errors.New("store down")

func (failingCache) Seen(context.Context, string, string, time.Time, time.Time) (bool, error) {
	return false, errStoreDown
}

// TestReplayCacheError checks that a failing shared cache fails the proof
// with its own error.
func TestReplayCacheError(t *testing.T) {
	key := privateKey(t, jwk.ES256)
	r := &dpop.Request{Method: "GET", URI: testURI}
	proof, err := (&dpop.Proofer{Key: key, Now: clock}).Proof(r)
	if err != nil {
		t.Fatal(err)
	}
	v := &dpop.Verifier{Now: clock, Replay: failingCache{}}
	if _, err := v.Verify(context.Background(), []string{proof}, r); !errors.Is(err, errStoreDown) {
		t.Fatalf("Verify: %v, want the cache's error", err)
	}
}

// TestReplayScopedByKey checks that two clients may use the same jti: the
// replay cache is keyed by the proof key and the jti.
func TestReplayScopedByKey(t *testing.T) {
	v := &dpop.Verifier{Now: clock}
	r := &dpop.Request{Method: testMethod, URI: testURI}
	for _, alg := range []jwk.Algorithm{jwk.ES256, jwk.EdDSA} {
		key := privateKey(t, alg)
		proof := handProof(t, header("dpop+jwt", alg, publicJWK(t, key)), proofClaims(), key, alg)
		if _, err := v.Verify(context.Background(), []string{proof}, r); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
	}
}
