package auth_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/password"
)

// BenchmarkHash measures the argon2id ceiling: hashes per second at the
// default cost (m=19 MiB, t=2, p=1) through the Hasher's GOMAXPROCS slots.
// Logins cannot beat it.
func BenchmarkHash(b *testing.B) {
	h, err := password.New(password.Params{}, password.Options{})
	if err != nil {
		b.Fatal(err)
	}
	hash, _ := h.Hash(ctx, goodPassword)
	// More callers than slots, as in BenchmarkLogin: the slots never idle.
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _, err := h.Verify(ctx, goodPassword, hash); !ok || err != nil {
				b.Error("verify failed")
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// BenchmarkLogin measures password logins per second (argon2id verify,
// session insert with its audit event, access token signing), with more
// callers than hashing slots as on a busy server; compare with
// BenchmarkHash.
func BenchmarkLogin(b *testing.B) {
	e := newEnv(b, limitsOff)
	e.signup(b, "bench@example.com")
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.Login(ctx, "bench@example.com", goodPassword, meta); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkRefresh measures refresh_token grants per second: each
// goroutine rotates its own session's chain (one durable transaction per
// refresh: the session row and the audit event, synced). "conc=1x" runs
// GOMAXPROCS goroutines; "conc=16x" 16 times as many, like a server with
// many clients, where the store commits concurrent refreshes in groups.
func BenchmarkRefresh(b *testing.B) {
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("conc=%dx", par), func(b *testing.B) {
			e := newEnv(b, limitsOff)
			users := 16 * runtime.GOMAXPROCS(0)
			tokens := make([]string, users)
			for i := range users {
				email := fmt.Sprintf("bench%d@example.com", i)
				e.signup(b, email)
				tokens[i] = e.login(b, email).RefreshToken
			}
			var next atomic.Int64
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				tok := tokens[next.Add(1)-1]
				for pb.Next() {
					p, err := e.svc.Refresh(ctx, tok, meta)
					if err != nil {
						b.Error(err)
						return
					}
					tok = p.RefreshToken
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refreshes/s")
		})
	}
}

// BenchmarkClientCredentials measures client_credentials grants per
// second (a client read, a SHA-256 check, signing).
func BenchmarkClientCredentials(b *testing.B) {
	e := newEnv(b, limitsOff)
	c, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "bench", Scopes: []string{"read"}}, meta)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
}

// BenchmarkAuthenticate measures access token verification with the
// revocation replica check.
func BenchmarkAuthenticate(b *testing.B) {
	e := newEnv(b, limitsOff)
	e.signup(b, "bench@example.com")
	p := e.login(b, "bench@example.com")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.Authenticate(ctx, p.AccessToken); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkLoginVsHash alternates short windows of bare hashing (the
// ceiling) and of full logins, on the same machine in the same run, and
// reports both rates and logins as a percentage of the ceiling: a ratio
// that a busy shared machine disturbs less than two separate benchmarks.
// Each iteration is one pair of 500 ms windows; run it with -benchtime=6x.
func BenchmarkLoginVsHash(b *testing.B) {
	e := newEnv(b, limitsOff)
	e.signup(b, "bench@example.com")
	h := e.svc.Hasher()
	hash, err := h.Hash(ctx, goodPassword)
	if err != nil {
		b.Fatal(err)
	}
	window := func(workers int, op func() error) int64 {
		var n atomic.Int64
		stop := time.Now().Add(500 * time.Millisecond)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for time.Now().Before(stop) {
					if err := op(); err != nil {
						b.Error(err)
						return
					}
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return n.Load()
	}
	procs := runtime.GOMAXPROCS(0)
	var hashes, logins int64
	b.ResetTimer()
	for range b.N {
		hashes += window(4*procs, func() error {
			_, _, err := h.Verify(ctx, goodPassword, hash)
			return err
		})
		logins += window(4*procs, func() error {
			_, err := e.svc.Login(ctx, "bench@example.com", goodPassword, meta)
			return err
		})
	}
	secs := float64(b.N) * 0.5
	b.ReportMetric(float64(hashes)/secs, "hashes/s")
	b.ReportMetric(float64(logins)/secs, "logins/s")
	b.ReportMetric(100*float64(logins)/float64(hashes), "%ceiling")
}

// limitsOff turns the abuse limits off: benchmarks log in from one
// address as fast as they can.
func limitsOff(c *auth.Config) { c.Limits.Off = true }
