package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/wardauth/ward/auth/limit"
)

// Limiter is the store of the abuse limits: token buckets named by string
// keys, created full at the [limit.Rate] each call passes. The in-memory
// [limit.Memory] implements it for one instance (the default); a store
// shared by several instances implements it with the same semantics. It
// must be safe for concurrent use. An error lets the request through (the
// limits fail open, logged, so that an unreachable shared store does not
// take logins down).
type Limiter interface {
	// Allow takes cost tokens from key's bucket if it holds them, and
	// otherwise takes nothing and says how long until it would. A cost
	// of 0 takes nothing and reports whether one token is there.
	Allow(ctx context.Context, key string, r limit.Rate, cost int) (limit.Decision, error)
	// Fail records a failure against key: its bucket's refill rate halves
	// with each consecutive failure, down to 1/2^[limit.MaxBackoff] of r.
	Fail(ctx context.Context, key string, r limit.Rate) error
	// Reset forgets key, as after a success: its bucket is full again, at
	// its base rate.
	Reset(ctx context.Context, key string) error
}

// Defaults of [Limits], as "BURST/EVERY": BURST attempts at once, then one
// more every EVERY.
var (
	// DefaultLoginLimit: 30 logins, then 30 a minute, per client address.
	DefaultLoginLimit = limit.Rate{Burst: 30, Every: 2 * time.Second}
	// DefaultLoginAccountLimit: 5 logins, then 6 a minute, per account and
	// address, halved by each consecutive failure.
	DefaultLoginAccountLimit = limit.Rate{Burst: 5, Every: 10 * time.Second}
	// DefaultSignupLimit: 10 sign-ups, then one a minute, per address.
	DefaultSignupLimit = limit.Rate{Burst: 10, Every: time.Minute}
	// DefaultPasswordChangeLimit: 10 password changes, then 2 a minute,
	// per address.
	DefaultPasswordChangeLimit = limit.Rate{Burst: 10, Every: 30 * time.Second}
	// DefaultClientAuthLimit: 20 failed client authentications, then 20 a
	// minute, per address.
	DefaultClientAuthLimit = limit.Rate{Burst: 20, Every: 3 * time.Second}
	// DefaultIntrospectLimit: 200 introspections, then 100 a second, per
	// address.
	DefaultIntrospectLimit = limit.Rate{Burst: 200, Every: 10 * time.Millisecond}
)

// DefaultLimitSummaryInterval is the default of
// [Limits.SummaryInterval].
const DefaultLimitSummaryInterval = time.Minute

// Limits are the abuse limits of a [Service]: token buckets per client
// address ([RequestMeta].IP), and per account and address for logins.
// A refused request fails with [CodeRateLimited] and a retry delay
// ([Error].RetryAfter) before any password hashing or store write. Every
// zero field selects its default; a field set to [limit.Off] turns that
// limit off.
//
// Logins (and the OAuth password grant, which shares their buckets) are
// limited per address (every attempt) and per account and address: each
// consecutive failure halves the rate at which that pair's bucket refills,
// and a success restores it. The delays grow for one address only: an
// attacker elsewhere can never lock the account for its owner.
//
// Requests beyond a limit, and failures beyond the failure limits, are not
// written to the audit log one row each: they are counted per key and
// logged (slog, "rate_limited") once per SummaryInterval, so a flood
// cannot grow the database. The failures within the limits and every
// success are audited as before.
type Limits struct {
	// Off turns every limit off. For benchmarks and tests only.
	Off bool
	// Login limits login attempts and password grants per client
	// address. Zero: [DefaultLoginLimit].
	Login limit.Rate
	// LoginAccount limits login attempts per account (the email address
	// given, known or not) and client address, with the growing delays
	// above. Zero: [DefaultLoginAccountLimit].
	LoginAccount limit.Rate
	// Signup limits sign-ups per address. Zero: [DefaultSignupLimit].
	Signup limit.Rate
	// PasswordChange limits password changes per address. Zero:
	// [DefaultPasswordChangeLimit].
	PasswordChange limit.Rate
	// ClientAuth limits failed client authentications at the OAuth
	// endpoints per address: once they are spent, the address is refused
	// before its secret is checked. Successes cost nothing. Zero:
	// [DefaultClientAuthLimit].
	ClientAuth limit.Rate
	// Introspect limits introspection requests per address. Zero:
	// [DefaultIntrospectLimit]; raise it for a resource server that
	// introspects every request it serves.
	Introspect limit.Rate
	// SummaryInterval is how often the counts of refused requests are
	// logged. Zero: [DefaultLimitSummaryInterval].
	SummaryInterval time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(r *limit.Rate, d limit.Rate) {
		if *r == (limit.Rate{}) {
			*r = d
		}
		if l.Off {
			*r = limit.Off
		}
	}
	def(&l.Login, DefaultLoginLimit)
	def(&l.LoginAccount, DefaultLoginAccountLimit)
	def(&l.Signup, DefaultSignupLimit)
	def(&l.PasswordChange, DefaultPasswordChangeLimit)
	def(&l.ClientAuth, DefaultClientAuthLimit)
	def(&l.Introspect, DefaultIntrospectLimit)
	if l.SummaryInterval <= 0 {
		l.SummaryInterval = DefaultLimitSummaryInterval
	}
	return l
}

// Limit names, the first part of every key and the "limit" of the
// summary logs.
const (
	limLogin          = "login"
	limLoginAccount   = "login_account"
	limSignup         = "signup"
	limPasswordChange = "password_change"
	limClientAuth     = "client_auth"
	limIntrospect     = "introspect"
)

// limitKey is the bucket key of limit name for subject (an address, or
// an account digest and an address).
func limitKey(name, subject string) string { return name + ":" + subject }

// accountKey names an account in limit keys and logs without revealing
// it: the first 12 bytes of the SHA-256 of the email address as given,
// normalized when it is valid (so that an unknown address is limited
// like a known one).
func accountKey(email string) string {
	if n, err := NormalizeEmail(email); err == nil {
		email = n
	} else {
		email = strings.ToLower(strings.TrimSpace(truncate(email, 320)))
	}
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:12])
}

// allow takes cost tokens from the bucket of limit name for subject, and
// returns a [CodeRateLimited] error (counted for the summary log, not
// audited) if they are not there.
func (s *Service) allow(ctx context.Context, name string, r limit.Rate, subject string, cost int) error {
	if r.Unlimited() {
		return nil
	}
	key := limitKey(name, subject)
	d, err := s.limiter.Allow(ctx, key, r, cost)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "rate limiter failed; allowing the request", slog.String("limit", name), slog.String("error", err.Error()))
		return nil
	}
	if d.Allowed {
		return nil
	}
	s.floods.add(name, subject)
	return rateLimited(d.RetryAfter)
}

// rateLimited is the error of a refused request: retry after d, rounded
// up to whole seconds (at least one).
func rateLimited(d time.Duration) error {
	secs := max(math.Ceil(d.Seconds()), 1)
	return &Error{Code: CodeRateLimited, Message: "Too many attempts; try again later.", RetryAfter: time.Duration(secs) * time.Second}
}

// failed records a failure of a backoff limit's key.
func (s *Service) failed(ctx context.Context, name string, r limit.Rate, subject string) {
	if r.Unlimited() {
		return
	}
	if err := s.limiter.Fail(ctx, limitKey(name, subject), r); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "rate limiter failed", slog.String("limit", name), slog.String("error", err.Error()))
	}
}

// succeeded resets a backoff limit's key.
func (s *Service) succeeded(ctx context.Context, name string, r limit.Rate, subject string) {
	if r.Unlimited() {
		return
	}
	if err := s.limiter.Reset(ctx, limitKey(name, subject)); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "rate limiter failed", slog.String("limit", name), slog.String("error", err.Error()))
	}
}

// AllowIntrospection applies the introspection limit
// ([Limits.Introspect]) to a request from meta's address: nil, or a
// [CodeRateLimited] error with its retry delay.
func (s *Service) AllowIntrospection(ctx context.Context, meta RequestMeta) error {
	return s.allow(ctx, limIntrospect, s.cfg.Limits.Introspect, meta.clean().IP, 1)
}
