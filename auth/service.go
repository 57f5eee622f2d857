package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wardauth/ward/auth/password"
	"github.com/wardauth/ward/jose/jwt"
)

// Service is the token service. Build it with [NewService]; it is safe for
// concurrent use. Every method that changes state returns only after the
// change, its revocations and its audit events are durable in the store; a
// store error is returned as an error (code [CodeInternal]), never as
// success.
type Service struct {
	store   Store
	cfg     Config
	hasher  *password.Hasher
	limiter Limiter
	floods  *floodLog
	keys    *keyring
	revs    *Revocations
	log     *slog.Logger
	bus     RevocationBus
	obs     Observer
	grace   time.Duration
	weak    *weakList
	cleanMu sync.Mutex
	syncMu  sync.Mutex // serializes Sync and Reload
}

// TokenPair is the result of a login, a refresh or a client_credentials
// grant ([RFC 6749, Section 5.1]).
//
// [RFC 6749, Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
type TokenPair struct {
	AccessToken string
	TokenType   string // "Bearer"
	ExpiresIn   int    // seconds
	// RefreshToken is empty for client_credentials.
	RefreshToken string
	// SessionID is the session the tokens belong to ("" for
	// client_credentials).
	SessionID string
	Scope     string
	// ExpiresAt is when AccessToken expires.
	ExpiresAt time.Time
}

// AccessClaims are the claims of Ward's access tokens ([RFC 9068, Section
// 2.2]).
//
// [RFC 9068, Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
type AccessClaims struct {
	jwt.Claims
	SessionID string   `json:"sid,omitempty"` // empty for client_credentials tokens
	ClientID  string   `json:"client_id"`
	Scope     string   `json:"scope,omitempty"` // space-separated
	Roles     []string `json:"roles,omitempty"`
}

// HasRole reports whether c carries role.
func (c *AccessClaims) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// LogoutScope says which sessions [Service.Logout] ends.
type LogoutScope string

// Logout scopes.
const (
	LogoutSession LogoutScope = "session" // the caller's session
	LogoutAll     LogoutScope = "all"     // every session of the user
	LogoutOthers  LogoutScope = "others"  // every session but the caller's
)

// NewService returns a service over store, whose signing keys and refresh
// MAC secret are sealed under kek (32 bytes, see [NewKEK] and [ParseKEK]).
// It loads (on first use, creates) the keyring and loads the revocation
// replica, so the service is ready when it returns. ctx bounds this
// start-up work only.
func NewService(ctx context.Context, store Store, kek []byte, cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	hasher, err := password.New(cfg.Argon2, password.Options{
		MaxConcurrent: cfg.MaxConcurrentHashes, MaxWait: max(cfg.MaxHashWait, 0), OnHash: cfg.OnHash,
		OnWait: cfg.Observer.HashWaited,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	s := &Service{
		store:   store,
		cfg:     cfg,
		hasher:  hasher,
		limiter: cfg.Limiter,
		floods:  newFloodLog(cfg.Logger, cfg.Limits.SummaryInterval),
		revs:    NewRevocations(),
		log:     cfg.Logger,
		bus:     cfg.RevocationBus,
		obs:     cfg.Observer,
		grace:   cfg.RefreshGrace,
		weak:    defaultWeakList(),
	}
	if s.keys, err = newKeyring(kek, &s.cfg, s.revs, store); err != nil {
		return nil, err
	}
	now := cfg.Now()
	if err := s.revs.Load(ctx, store, now); err != nil {
		return nil, err
	}
	if _, err := s.MaybeRotateKeys(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Config returns the service's configuration with defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Revocations returns the service's in-memory revocation replica.
func (s *Service) Revocations() *Revocations { return s.revs }

// Hasher returns the service's password hasher.
func (s *Service) Hasher() *password.Hasher { return s.hasher }

func (s *Service) now() time.Time { return s.cfg.Now() }

// internal wraps a store or other unexpected error.
func internal(what string, err error) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	return fmt.Errorf("auth: %s: %w", what, err)
}
