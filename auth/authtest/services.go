package authtest

import (
	"net"
	"net/url"
	"os"
	"testing"
	"time"
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
