package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/wardauth/ward/auth/limit"
)

// bucketScript keeps one token bucket per key, with the semantics of
// [limit.Memory] so that an instance behaves the same on either: a bucket
// of burst tokens that gains one every every×2^strikes microseconds.
//
// A bucket is a hash: its rate (b, e) — a bucket met at another rate
// starts over, full —, its consecutive failures (k) and the instant it is
// full again (f, µs), from which the tokens it holds follow: burst −
// (f − now)/interval. A full bucket with no failures is no key at all.
//
// KEYS[1] the bucket. ARGV: op ("allow" or "fail"), now (µs; 0: Redis's
// clock), burst, every (µs), cost, the most strikes. Returns {allowed,
// retry after (µs)}.
var bucketScript = goredis.NewScript(`
local op, now, burst, every = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local s = redis.call('HMGET', KEYS[1], 'b', 'e', 'k', 'f')
local strikes, full = 0, now
if tonumber(s[1]) == burst and tonumber(s[2]) == every then
  strikes, full = tonumber(s[3]), tonumber(s[4])
end
local iv = every * 2 ^ strikes
local deficit = math.max(full - now, 0)
local allowed, wait = 1, 0
if op == 'allow' then
  local cost = tonumber(ARGV[5])
  local need = math.max(cost, 1)
  if deficit + need * iv <= burst * iv then
    deficit = deficit + cost * iv
  else
    allowed = 0
    wait = math.ceil(deficit + math.min(need, burst) * iv - burst * iv)
  end
elseif strikes < tonumber(ARGV[6]) then
  strikes = strikes + 1
  deficit = deficit * 2
  iv = iv * 2
end
if deficit == 0 and strikes == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'b', ARGV[3], 'e', ARGV[4], 'k', strikes, 'f', string.format('%.17g', now + deficit))
  -- Kept until full and, with failures, one full refill more, so that
  -- the growing delays outlast a pause.
  local keep = deficit
  if strikes > 0 then keep = keep + burst * iv end
  redis.call('PEXPIRE', KEYS[1], math.min(math.max(math.ceil(keep / 1000), 1), 1e15))
end
return {allowed, wait}
`)

// Limiter is an [auth.Limiter] kept in Redis, so that every instance
// counts against the same buckets, with the semantics of [limit.Memory]
// (one Lua script per call, one round trip). While Redis is unreachable it
// falls back to its own [limit.Memory] — limits per instance — and goes
// back to Redis when it answers again ([Client]'s probe). It is an
// [auth.Degrader].
//
// [github.com/go-redis/redis_rate] was not used: its GCRA limiter keeps no
// failure count, so the growing delays of Fail (the refill rate halves,
// the tokens held stay) would need a second key and a second round trip,
// and its cost-0 check and its handling of a changed rate differ from
// limit.Memory's.
type Limiter struct {
	c        *Client
	fallback *limit.Memory
	now      func() time.Time // nil: Redis's clock
}

// LimiterOptions configure a [Limiter].
type LimiterOptions struct {
	// Fallback keeps the buckets while Redis is unreachable. Nil: a
	// [limit.Memory] with default options and Now.
	Fallback *limit.Memory
	// Now, if set, is the clock of the buckets, in Redis and in the
	// fallback; instances sharing buckets must agree on it. Nil: Redis's
	// own clock (TIME) in Redis, so that instances' clocks do not matter,
	// and [time.Now] in the fallback. For tests.
	Now func() time.Time
}

// Limiter returns a limiter on c.
func (c *Client) Limiter(opts LimiterOptions) *Limiter {
	if opts.Fallback == nil {
		opts.Fallback = limit.NewMemory(limit.MemoryOptions{Now: opts.Now})
	}
	return &Limiter{c: c, fallback: opts.Fallback, now: opts.Now}
}

// Allow implements [auth.Limiter].
func (l *Limiter) Allow(ctx context.Context, key string, r limit.Rate, cost int) (limit.Decision, error) {
	if r.Unlimited() {
		return limit.Decision{Allowed: true}, nil
	}
	res, err := l.run(ctx, "allow", key, r, max(cost, 0))
	if err != nil {
		if ctx.Err() != nil {
			return limit.Decision{}, err
		}
		return l.fallback.Allow(ctx, key, r, cost)
	}
	if res[0] == 1 {
		return limit.Decision{Allowed: true}, nil
	}
	return limit.Decision{RetryAfter: max(time.Duration(res[1])*time.Microsecond, time.Nanosecond)}, nil
}

// Fail implements [auth.Limiter].
func (l *Limiter) Fail(ctx context.Context, key string, r limit.Rate) error {
	if r.Unlimited() {
		return nil
	}
	if _, err := l.run(ctx, "fail", key, r, 0); err != nil {
		if ctx.Err() != nil {
			return err
		}
		return l.fallback.Fail(ctx, key, r)
	}
	return nil
}

// Reset implements [auth.Limiter].
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if !l.c.isDown() {
		cctx, cancel := l.c.withTimeout(ctx)
		err := l.c.check(ctx, l.c.rdb.Del(cctx, l.c.prefix+"limit:"+key).Err())
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
	return l.fallback.Reset(ctx, key)
}

// Degraded implements [auth.Degrader]: not nil while the limits are kept
// per instance.
func (l *Limiter) Degraded() error { return l.c.Degraded() }

func (l *Limiter) run(ctx context.Context, op, key string, r limit.Rate, cost int) ([]int64, error) {
	if l.c.isDown() {
		return nil, l.c.Degraded()
	}
	var now int64
	if l.now != nil {
		now = l.now().UnixMicro()
	}
	every := max(r.Every.Microseconds(), 1)
	cctx, cancel := l.c.withTimeout(ctx)
	defer cancel()
	res, err := bucketScript.Run(cctx, l.c.rdb, []string{l.c.prefix + "limit:" + key},
		op, now, r.Burst, every, cost, limit.MaxBackoff).Int64Slice()
	if err = l.c.check(ctx, err); err != nil {
		return nil, err
	}
	if len(res) != 2 {
		return nil, fmt.Errorf("redis: limiter script returned %d values", len(res))
	}
	return res, nil
}
