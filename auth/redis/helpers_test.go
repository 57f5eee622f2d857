package redis_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/redis"
	"github.com/wardauth/ward/auth/sqlite"
)

var (
	ctx     = context.Background()
	testKEK = bytes.Repeat([]byte{0x42}, auth.KEKSize)
	busKey  = redis.BusKey(testKEK)
	meta    = auth.RequestMeta{IP: "192.0.2.7", UserAgent: "test/1.0"}
)

const goodPassword = "correct horse battery staple"

// testPrefix returns a key prefix of tb's own, cleaned up when it ends.
var testPrefix = authtest.RedisPrefix

// openClient returns a client of url with prefix, closed when the test
// ends.
func openClient(tb testing.TB, url, prefix string) *redis.Client {
	tb.Helper()
	return openClientLog(tb, url, prefix, nil)
}

func openClientLog(tb testing.TB, url, prefix string, log *slog.Logger) *redis.Client {
	tb.Helper()
	c, err := redis.Open(ctx, url, redis.Options{Prefix: prefix, HealthInterval: 100 * time.Millisecond, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// viaProxy returns redisURL with its address replaced by a proxy's, and
// the proxy.
func viaProxy(tb testing.TB, redisURL string) (string, *authtest.Proxy) {
	tb.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		tb.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target += ":6379"
	}
	p := authtest.NewProxy(tb, target)
	u.Host = p.Addr()
	return u.String(), p
}

// instance is one auth.Service on a shared SQLite file with its own Redis
// client, bus and limiter, following the bus until the test ends.
type instance struct {
	svc    *auth.Service
	client *redis.Client
	bus    *redis.Bus
	lim    *redis.Limiter
	// noSync pauses the sync ticker, to tell what the bus delivers.
	noSync  atomic.Bool
	syncing atomic.Bool // a tick's sync runs
}

// pauseSync pauses the sync ticker and waits for a sync in flight.
func (in *instance) pauseSync(tb testing.TB) {
	in.noSync.Store(true)
	waitFor(tb, 5*time.Second, "a sync does not end", func() bool { return !in.syncing.Load() })
}

type cluster struct {
	path string // the SQLite file
	logs *authtest.Buffer
}

func newCluster(tb testing.TB) *cluster {
	return &cluster{path: filepath.Join(tb.TempDir(), "ward.db"), logs: new(authtest.Buffer)}
}

// start opens a store on the cluster's file and a service over it with a
// Redis client of url and prefix, and runs Follow (and, with a positive
// syncEvery, a sync ticker such as the server's) until the test ends.
func (cl *cluster) start(tb testing.TB, url, prefix string, syncEvery time.Duration, mod func(*auth.Config)) *instance {
	tb.Helper()
	db, err := sqlite.Open(cl.path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(cl.logs, nil))
	in := &instance{client: openClientLog(tb, url, prefix, log)}
	if in.bus, err = in.client.Bus(busKey); err != nil {
		tb.Fatal(err)
	}
	in.lim = in.client.Limiter(redis.LimiterOptions{})
	cfg := auth.Config{
		Issuer:        "https://auth.example.com",
		Logger:        log,
		RevocationBus: in.bus,
		Limiter:       in.lim,
	}
	if mod != nil {
		mod(&cfg)
	}
	if in.svc, err = auth.NewService(ctx, db, testKEK, cfg); err != nil {
		tb.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		in.svc.Follow(runCtx)
	}()
	if syncEvery > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(syncEvery)
			defer t.Stop()
			for {
				select {
				case <-runCtx.Done():
					return
				case <-t.C:
					in.syncing.Store(true)
					if !in.noSync.Load() {
						in.svc.Sync(runCtx)
					}
					in.syncing.Store(false)
				}
			}
		}()
	}
	tb.Cleanup(func() { cancel(); wg.Wait() })
	if in.client.Degraded() == nil {
		waitFor(tb, 5*time.Second, "the bus did not subscribe", in.bus.Subscribed)
	}
	return in
}

// twoInstances starts two instances on one store and the Redis of the
// tests, with no sync ticker, changed by mod.
func twoInstances(t *testing.T, mod func(*auth.Config)) (*cluster, *instance, *instance) {
	t.Helper()
	url := authtest.RedisURL(t)
	prefix := testPrefix(t, url)
	cl := newCluster(t)
	return cl, cl.start(t, url, prefix, 0, mod), cl.start(t, url, prefix, 0, mod)
}

// waitFor polls cond until it holds, failing tb after deadline.
func waitFor(tb testing.TB, deadline time.Duration, what string, cond func() bool) {
	tb.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			tb.Fatalf("after %v: %s", deadline, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
