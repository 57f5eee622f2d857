package httpauth

import (
	"testing"
	"time"
)

// TestFeedBackoff: the wait doubles from MinBackoff up to MaxBackoff, with
// jitter between half and all of it.
func TestFeedBackoff(t *testing.T) {
	f, err := NewFeed(FeedConfig{Issuer: "https://ward.example", ClientID: "id", ClientSecret: "s", MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 100: time.Second, 1 << 30: time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := f.backoff(n)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("backoff(%d): %d distinct waits in 200: no jitter", n, len(seen))
		}
	}
}
