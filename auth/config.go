package auth

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/wardauth/ward/auth/limit"
	"github.com/wardauth/ward/auth/password"
	"github.com/wardauth/ward/jose/jwk"
)

// Defaults and limits of [Config].
const (
	DefaultAccessTTL          = 10 * time.Minute
	MinAccessTTL              = time.Minute
	MaxAccessTTL              = 60 * time.Minute
	DefaultRefreshGrace       = 10 * time.Second
	MaxRefreshGrace           = 5 * time.Minute
	DefaultSessionIdleTTL     = 14 * 24 * time.Hour
	DefaultSessionAbsoluteTTL = 30 * 24 * time.Hour
	DefaultJWKSCacheTTL       = 5 * time.Minute
	DefaultKeyRotation        = 30 * 24 * time.Hour
	DefaultAuditRetention     = 90 * 24 * time.Hour
	DefaultMaxHashWait        = 5 * time.Second
	DefaultSigningAlg         = jwk.ES256
	DefaultAppClientID        = "ward"
	// Leeway is the clock skew allowed when verifying access tokens; it is
	// also added to lifetimes when deciding that no token can still be
	// valid.
	Leeway = 30 * time.Second
)

// Config configures a [Service]. Every zero value selects the documented
// default.
type Config struct {
	// Issuer is the "iss" of access tokens, the server's URL. Required.
	Issuer string
	// Audience is the "aud" of access tokens: the resource servers that
	// accept them. Empty: the Issuer.
	Audience []string
	// AppClientID is the "client_id" of tokens issued to users by the app
	// API (login, refresh). Empty: [DefaultAppClientID].
	AppClientID string

	// AccessTTL is the lifetime of access tokens. Zero:
	// [DefaultAccessTTL]; otherwise from [MinAccessTTL] to [MaxAccessTTL].
	AccessTTL time.Duration
	// RefreshGrace is the window after a rotation in which the previous
	// refresh token returns the current one again. Zero:
	// [DefaultRefreshGrace]. To turn the grace window off, set
	// RefreshGraceOff (a flag like --refresh-grace 0s sets it).
	RefreshGrace time.Duration
	// RefreshGraceOff turns the grace window off: any stale refresh token
	// is a reuse.
	RefreshGraceOff bool
	// SessionIdleTTL ends a session unused for this long. Zero:
	// [DefaultSessionIdleTTL].
	SessionIdleTTL time.Duration
	// SessionAbsoluteTTL ends a session this long after login. Zero:
	// [DefaultSessionAbsoluteTTL].
	SessionAbsoluteTTL time.Duration

	// SigningAlg is the algorithm of new signing keys. Zero:
	// [DefaultSigningAlg] (ES256). HMAC algorithms are refused: access
	// tokens are verified by other services with the public JWKS.
	SigningAlg jwk.Algorithm
	// JWKSCacheTTL is how long verifiers may cache the JWKS: a next key is
	// published at least this long before it signs. Zero:
	// [DefaultJWKSCacheTTL].
	JWKSCacheTTL time.Duration
	// KeyRotationInterval is how long a key signs before the scheduled
	// rotation replaces it. Zero: [DefaultKeyRotation].
	KeyRotationInterval time.Duration

	// Argon2 are the password hashing parameters. Zero fields: the
	// minimum of [password.MinParams] (m=19 MiB, t=2, p=1); smaller values
	// are refused.
	Argon2 password.Params
	// MaxConcurrentHashes caps the argon2id computations running at once
	// (each holds Argon2.Memory KiB); others wait, up to MaxHashWait and
	// as long as their context allows. Zero: GOMAXPROCS, since hashing is CPU-bound.
	MaxConcurrentHashes int
	// MaxHashWait bounds how long a login, signup or password change
	// waits for a hashing slot (see MaxConcurrentHashes); one that gets
	// none in time fails with [CodeUnavailable] (the server answers 503
	// with Retry-After). Only the wait is bounded, not the request. Zero:
	// [DefaultMaxHashWait]; negative: as long as the request's context
	// allows.
	MaxHashWait time.Duration
	// PasswordPolicy is checked on signup, password change and user
	// creation.
	PasswordPolicy PasswordPolicy
	// OnHash, if set, is called for every argon2id computation with its
	// parameters ([password.Options].OnHash): for tests that count the
	// work a call does, and for metrics. Nil: nothing is called.
	OnHash func(password.Params)

	// Limits are the abuse limits (see [Limits]). The zero value selects
	// every default; Limits.Off turns them off.
	Limits Limits
	// Limiter keeps the limits' buckets. Nil: an in-memory
	// [limit.Memory] of [limit.DefaultMaxKeys] keys, with Now as its
	// clock; several instances sharing a store need a shared Limiter.
	Limiter Limiter

	// MaxRevocationStaleness, if positive, makes [Service.Authenticate]
	// refuse tokens ([CodeUnavailable]) and [Service.Ready] fail when the
	// revocation replica was last loaded from the store longer ago than
	// this, so that an instance that cannot reach the store stops trusting
	// what it has. It needs [Service.Sync] on a ticker shorter than it.
	// Zero: no limit (a single instance sees every revocation it makes).
	MaxRevocationStaleness time.Duration

	// AuditRetention is how long audit events are kept by
	// [Service.Cleanup]. Zero: [DefaultAuditRetention]; negative: forever.
	AuditRetention time.Duration

	// Logger receives the audit events and operational messages. Nil:
	// discard.
	Logger *slog.Logger
	// RevocationBus publishes revocations to other instances. Nil:
	// [NopRevocationBus].
	RevocationBus RevocationBus
	// Observer is told the outcomes of logins and refreshes, revocations,
	// hashing waits and store failures, for metrics. Nil: [NopObserver].
	Observer Observer
	// Now returns the current time. Nil: [time.Now].
	Now func() time.Time
}

// withDefaults returns c with defaults filled in, or an error if a value is
// out of range.
func (c Config) withDefaults() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("auth: config: "+format, args...)
	}
	if c.Issuer == "" {
		return bad("Issuer is required")
	}
	if len(c.Audience) == 0 {
		c.Audience = []string{c.Issuer}
	}
	if c.AppClientID == "" {
		c.AppClientID = DefaultAppClientID
	}
	switch {
	case c.AccessTTL == 0:
		c.AccessTTL = DefaultAccessTTL
	case c.AccessTTL < MinAccessTTL || c.AccessTTL > MaxAccessTTL:
		return bad("AccessTTL %v is not within %v to %v", c.AccessTTL, MinAccessTTL, MaxAccessTTL)
	}
	switch {
	case c.RefreshGraceOff:
		c.RefreshGrace = 0
	case c.RefreshGrace == 0:
		c.RefreshGrace = DefaultRefreshGrace
	case c.RefreshGrace < 0 || c.RefreshGrace > MaxRefreshGrace:
		return bad("RefreshGrace %v is not within 0 to %v", c.RefreshGrace, MaxRefreshGrace)
	}
	if c.SessionIdleTTL == 0 {
		c.SessionIdleTTL = DefaultSessionIdleTTL
	}
	if c.SessionAbsoluteTTL == 0 {
		c.SessionAbsoluteTTL = DefaultSessionAbsoluteTTL
	}
	if c.SessionIdleTTL < time.Minute || c.SessionAbsoluteTTL < time.Minute {
		return bad("session lifetimes must be at least a minute")
	}
	if c.SigningAlg == "" {
		c.SigningAlg = DefaultSigningAlg
	}
	if !c.SigningAlg.Known() || c.SigningAlg.KeyType() == jwk.KeyTypeOct {
		return bad("SigningAlg %q is not an asymmetric signature algorithm", c.SigningAlg)
	}
	if c.JWKSCacheTTL == 0 {
		c.JWKSCacheTTL = DefaultJWKSCacheTTL
	}
	if c.JWKSCacheTTL < 0 {
		return bad("JWKSCacheTTL is negative")
	}
	if c.KeyRotationInterval == 0 {
		c.KeyRotationInterval = DefaultKeyRotation
	}
	if c.KeyRotationInterval < c.JWKSCacheTTL {
		return bad("KeyRotationInterval %v is shorter than JWKSCacheTTL %v", c.KeyRotationInterval, c.JWKSCacheTTL)
	}
	var err error
	if c.Argon2, err = c.Argon2.WithDefaults(); err != nil {
		return bad("%v", err)
	}
	if c.MaxConcurrentHashes <= 0 {
		c.MaxConcurrentHashes = runtime.GOMAXPROCS(0)
	}
	if c.MaxHashWait == 0 {
		c.MaxHashWait = DefaultMaxHashWait
	}
	if c.PasswordPolicy, err = c.PasswordPolicy.withDefaults(); err != nil {
		return bad("%v", err)
	}
	if c.AuditRetention == 0 {
		c.AuditRetention = DefaultAuditRetention
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.RevocationBus == nil {
		c.RevocationBus = NopRevocationBus{}
	}
	if c.Observer == nil {
		c.Observer = NopObserver{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Limits = c.Limits.withDefaults()
	if c.Limiter == nil {
		c.Limiter = limit.NewMemory(limit.MemoryOptions{Now: c.Now})
	}
	return c, nil
}
