package authtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"regexp"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultRedisURL is the Redis of the tests when WARD_TEST_REDIS_URL is
// unset.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

// RedisURL returns the URL of the Redis the tests use
// (WARD_TEST_REDIS_URL, default [DefaultRedisURL]) once it accepts a
// connection. If it does not, the test is skipped with a message saying
// so, or fails when WARD_REQUIRE_SERVICES=1 (as in CI).
func RedisURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("WARD_TEST_REDIS_URL")
	if u == "" {
		u = DefaultRedisURL
	}
	addr := "127.0.0.1:6379"
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		addr = p.Host
		if p.Port() == "" {
			addr = net.JoinHostPort(p.Hostname(), "6379")
		}
	}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		Unreachable(tb, "Redis", err)
	}
	conn.Close()
	return u
}

// Unreachable skips tb because the service what is unreachable, or fails
// it when WARD_REQUIRE_SERVICES=1.
func Unreachable(tb testing.TB, what string, err error) {
	tb.Helper()
	if os.Getenv("WARD_REQUIRE_SERVICES") == "1" {
		tb.Fatalf("%s unreachable and WARD_REQUIRE_SERVICES=1: %v", what, err)
	}
	tb.Skipf("skipping: %s unreachable (%v); start it, or set its WARD_TEST_*_URL", what, err)
}

// RedisPrefix returns a key prefix of tb's own for the Redis at redisURL
// (its keys and channels begin with it), and deletes every key under it
// when the test ends.
func RedisPrefix(tb testing.TB, redisURL string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := nonWord.ReplaceAllString(tb.Name(), "_")
	prefix := "wardtest:" + name + ":" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		opts, err := goredis.ParseURL(redisURL)
		if err != nil {
			tb.Error(err)
			return
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("cleaning up %s*: %v", prefix, err)
		}
	})
	return prefix
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)
