package limit_test

import (
	"testing"
	"time"

	"github.com/wardauth/ward/auth/limit"
)

// BenchmarkAllow is the limiter's cost per request: one check of a hot
// key (what a client_credentials grant pays) from parallel goroutines.
func BenchmarkAllow(b *testing.B) {
	m := limit.NewMemory(limit.MemoryOptions{})
	r := limit.Rate{Burst: 20, Every: 3 * time.Second}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Allow(ctx, "client_auth:127.0.0.1", r, 0)
		}
	})
}
