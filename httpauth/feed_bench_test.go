package httpauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wardauth/ward/auth/revocation"
	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwt"
)

// liveRevocations are n unexpired revocations of every kind, in the mix a
// busy auth server holds: mostly access tokens and sessions.
func liveRevocations(n int, now time.Time) []revocation.Revocation {
	revs := make([]revocation.Revocation, n)
	for i := range revs {
		kind := revocation.Token
		switch i % 10 {
		case 7, 8:
			kind = revocation.Session
		case 9:
			kind = revocation.User
		}
		if i < 10 {
			kind = revocation.Key
		}
		revs[i] = revocation.Revocation{Kind: kind, Subject: fmt.Sprintf("%s-%032x", kind, i), NotBefore: now,
			Expires: now.Add(time.Hour), Seq: int64(i + 1)}
	}
	return revs
}

// checks are the claims a resource server checks: not revoked (the
// common case, every map consulted) and revoked by "jti".
func checks(now time.Time) (valid, revoked jwt.Claims) {
	valid = jwt.Claims{ID: "fresh-jti-0123456789abcdef0123456789", Subject: "user-42", IssuedAt: now}
	revoked = valid
	revoked.ID = fmt.Sprintf("%s-%032x", revocation.Token, 11)
	return valid, revoked
}

// BenchmarkReplicaCheck: the revocation check alone, against a replica
// holding 10^5 live revocations (target: ≤ 200 ns per check).
func BenchmarkReplicaCheck(b *testing.B) {
	now := time.Now()
	r := revocation.NewReplica()
	r.Load(liveRevocations(100_000, now), 100_000, now)
	valid, revoked := checks(now)
	b.Run("valid", func(b *testing.B) {
		for b.Loop() {
			if r.Check(&valid, "session-not-revoked-0123456789abcdef", "kid-active") != nil {
				b.Fatal("refused")
			}
		}
	})
	b.Run("revoked", func(b *testing.B) {
		for b.Loop() {
			if r.Check(&revoked, "session-not-revoked-0123456789abcdef", "kid-active") == nil {
				b.Fatal("accepted")
			}
		}
	})
	b.Run("valid-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if r.Check(&valid, "session-not-revoked-0123456789abcdef", "kid-active") != nil {
					b.Fatal("refused")
				}
			}
		})
	})
}

// BenchmarkFeedCheck: the same check through a ready [httpauth.Feed]
// (what the middleware calls), loaded from a snapshot of 10^5 live
// revocations served on loopback, with and without RefuseWhenStale (which
// reads the clock).
func BenchmarkFeedCheck(b *testing.B) {
	now := time.Now()
	snap, err := revocation.AppendSnapshot(nil, revocation.Snapshot{Seq: 100_000, ID: "100000.0123456789abcdef", Revocations: liveRevocations(100_000, now), Time: now})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/revocations" {
			w.Write(snap)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for {
			w.Write([]byte(": ping\n\n"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	}))
	defer hs.Close()
	defer hs.CloseClientConnections()
	valid, _ := checks(now)
	for _, refuse := range []bool{false, true} {
		b.Run("RefuseWhenStale="+strconv.FormatBool(refuse), func(b *testing.B) {
			f, err := httpauth.NewFeed(httpauth.FeedConfig{Issuer: hs.URL, ClientID: "id", ClientSecret: "secret", RefuseWhenStale: refuse})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { f.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			<-f.Ready()
			b.ResetTimer()
			for b.Loop() {
				if f.Check(&valid, "session-not-revoked-0123456789abcdef", "kid-active") != nil {
					b.Fatal("refused")
				}
			}
		})
	}
}

// BenchmarkRedisGet: for comparison, one Redis GET per check on loopback
// (a denylist lookup of the token's "jti", not found: the common case),
// with github.com/redis/go-redis/v9. Redis at WARD_TEST_REDIS_URL (default
// redis://127.0.0.1:6379/0); skipped when unreachable unless
// WARD_REQUIRE_SERVICES=1.
func BenchmarkRedisGet(b *testing.B) {
	u := os.Getenv("WARD_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("WARD_REQUIRE_SERVICES") == "1" {
			b.Fatalf("Redis at %s: %v", u, err)
		}
		b.Skipf("Redis at %s unreachable (set WARD_REQUIRE_SERVICES=1 to fail): %v", u, err)
	}
	prefix := fmt.Sprintf("ward-bench-%d:", time.Now().UnixNano())
	if err := rdb.Set(ctx, prefix+"revoked", "1", time.Minute).Err(); err != nil {
		b.Fatal(err)
	}
	defer rdb.Del(ctx, prefix+"revoked")
	b.Run("valid", func(b *testing.B) {
		for b.Loop() {
			if err := rdb.Get(ctx, prefix+"fresh-jti-0123456789abcdef0123456789").Err(); !errors.Is(err, redis.Nil) {
				b.Fatal(err)
			}
		}
	})
	b.Run("valid-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := rdb.Get(ctx, prefix+"fresh-jti-0123456789abcdef0123456789").Err(); !errors.Is(err, redis.Nil) {
					b.Fatal(err)
				}
			}
		})
	})
}
