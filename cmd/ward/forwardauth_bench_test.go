package main

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkRevocationPropagation measures, over b.N logouts, the time
// from the moment ward serve answers a logout to the moment a resource
// server refuses the session's access token: through httpauth (the
// example service) and through ward forward-auth behind nginx (or
// directly, without nginx), each a separate process on loopback. It
// reports the p50, p99 and max of each in milliseconds, the time until a
// request sent after the answer comes back refused (so they include that
// request's own round trip), and the share of revocations that the very
// first request sent after the answer already found refused. Run it with
// -benchtime 1000x for the figures of docs/benchmarks.md.
func BenchmarkRevocationPropagation(b *testing.B) {
	s := newE2EStack(b)
	// The targets without --refuse-when-stale: the example and forward-auth.
	targets := []e2eTarget{s.targets[0], s.targets[2]}

	// The sessions, logged in beforehand (argon2id takes its time), four at
	// a time.
	sessions := make([]session, b.N)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range next {
				sessions[i] = s.login(b, fmt.Sprintf("prop%d@example.com", i%50))
			}
		})
	}
	for i := range sessions {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, tg := range targets {
		if st := s.status(tg.url, sessions[0].access); st != 200 {
			b.Fatalf("%s: %d before the logouts", tg.name, st)
		}
	}

	lat := make([][]time.Duration, len(targets))
	first := make([]int, len(targets)) // refused by the first request sent after the answer
	b.ResetTimer()
	for i := range b.N {
		tok := sessions[i].access
		mustCall(b, "POST", s.url+"/v1/auth/logout", tok, map[string]string{"scope": "session"}, 204)
		answered := time.Now()
		var pw sync.WaitGroup
		for j, tg := range targets {
			pw.Go(func() {
				deadline := answered.Add(10 * time.Second)
				for n := 0; ; n++ {
					if s.status(tg.url, tok) == 401 {
						lat[j] = append(lat[j], time.Since(answered))
						if n == 0 {
							first[j]++
						}
						return
					}
					if time.Now().After(deadline) {
						b.Errorf("%s: not refused 10s after the logout", tg.name)
						return
					}
				}
			})
		}
		pw.Wait()
	}
	b.StopTimer()
	names := []string{"httpauth", "fwdauth"}
	for j, l := range lat {
		if len(l) == 0 {
			continue
		}
		slices.Sort(l)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(l[len(l)/2]), names[j]+"-p50-ms")
		b.ReportMetric(ms(l[min(len(l)-1, len(l)*99/100)]), names[j]+"-p99-ms")
		b.ReportMetric(ms(l[len(l)-1]), names[j]+"-max-ms")
		b.ReportMetric(100*float64(first[j])/float64(len(l)), names[j]+"-first-request-refused-%")
	}
	b.ReportMetric(0, "ns/op")
	if !s.nginx {
		b.Logf("nginx is not installed: forward-auth was measured directly, not behind nginx")
	}
}
