package server_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwt"
)

// commitClock is an [auth.Observer] that records when the last
// revocations became durable: [auth.Observer.Revoked] runs right after the
// commit and after the replica's wake-up, before the request is answered.
type commitClock struct {
	auth.NopObserver
	at atomic.Int64 // unix nanoseconds
}

func (c *commitClock) Revoked([]auth.Revocation) { c.at.Store(time.Now().UnixNano()) }

// BenchmarkFeedPropagation measures revocation propagation on loopback:
// each iteration logs out one session over HTTP and waits until a
// httpauth.Feed, fed by the server's stream, refuses the session's token.
// It reports, over the iterations (run it with -benchtime=1000x):
//
//   - answered-p50/p99/max: from the logout's response being read to the
//     feed refusing the token (0 when the event arrived first);
//   - commit-p50/p99/max: from the durable commit (the service's
//     Observer.Revoked, right after it) to the feed client having applied
//     the event: an upper bound of commit → event written by the server.
//
// The sessions are made before the timed part (each login costs an
// argon2id hash).
func BenchmarkFeedPropagation(b *testing.B) {
	commits := &commitClock{}
	fs := newFeedServer(b, envOptions{auth: func(c *auth.Config) {
		c.Observer = commits
		c.Limits.Off = true // a thousand logins from one address
	}})
	id, secret := fs.feedClient()
	fs.signup("bench@example.com")
	f := runFeed(b, fs.url(), id, secret, nil)
	<-f.Ready()

	n := b.N
	toks := make([]token, n)
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				toks[i] = fs.token(fs.login("bench@example.com", testPassword).access)
			}
		}()
	}
	wg.Wait()

	answered := make([]time.Duration, 0, n)
	committed := make([]time.Duration, 0, n)
	b.ResetTimer()
	for i := range n {
		tk := toks[i]
		r := fs.do("POST", "/v1/auth/logout", nil, bearer(tk.raw)...)
		tAnswered := time.Now()
		if r.status != http.StatusNoContent {
			_, aerr := fs.svc.Authenticate(context.Background(), tk.raw)
			b.Fatalf("logout %d of %d: %d %s (%v)", i, n, r.status, r.body, aerr)
		}
		for {
			ch := f.Changed()
			err := tk.check(f)
			if errors.Is(err, jwt.ErrRevoked) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			select {
			case <-ch:
			case <-time.After(5 * time.Second):
				b.Fatal("the feed did not refuse a logged-out token within 5 s")
			}
		}
		tRefused := time.Now()
		answered = append(answered, max(0, tRefused.Sub(tAnswered)))
		committed = append(committed, tRefused.Sub(time.Unix(0, commits.at.Load())))
	}
	b.StopTimer()
	report := func(name string, ds []time.Duration) {
		slices.Sort(ds)
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		b.ReportMetric(ms(ds[len(ds)/2]), name+"-p50-ms")
		b.ReportMetric(ms(ds[(len(ds)*99)/100]), name+"-p99-ms")
		b.ReportMetric(ms(ds[len(ds)-1]), name+"-max-ms")
	}
	report("answered", answered)
	report("commit", committed)
}

// BenchmarkFeedStaysReady is a guard for the benchmark above: the
// httpauth package's error for a feed that is not ready.
var _ = httpauth.ErrUnavailable
