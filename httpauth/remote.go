package httpauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/jose/jwk"
)

// Defaults and bounds of [RemoteKeySetConfig].
const (
	DefaultMinRefetchInterval = 30 * time.Second
	DefaultUnknownKidTTL      = 5 * time.Minute
	DefaultMinCacheTTL        = time.Minute
	DefaultMaxCacheTTL        = 24 * time.Hour
	// DefaultCacheTTL is the key lifetime when the JWKS response has no
	// Cache-Control max-age.
	DefaultCacheTTL = 10 * time.Minute
	// DefaultFetchTimeout bounds each fetch with the default HTTP client.
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMaxResponseSize is the largest metadata or JWKS response
	// read: the largest JWK Set package jwk parses.
	DefaultMaxResponseSize = jwk.MaxSetSize
	// maxUnknownKids bounds the unknown kids remembered.
	maxUnknownKids = 4096
)

// RemoteKeySetConfig configures a [RemoteKeySet]. Exactly one of Issuer
// and JWKSURL is required; every other zero value is a safe default.
type RemoteKeySetConfig struct {
	// Issuer is the issuer URL: the JWKS URL is the "jwks_uri" of its
	// metadata at /.well-known/oauth-authorization-server ([RFC 8414]),
	// whose "issuer" must equal it.
	//
	// [RFC 8414]: https://www.rfc-editor.org/rfc/rfc8414
	Issuer string
	// JWKSURL is the JWKS URL, used as it is.
	JWKSURL string
	// HTTPClient makes the requests. Nil: a client with a
	// [DefaultFetchTimeout] timeout.
	HTTPClient *http.Client
	// MinRefetchInterval is the least time between two fetches caused by
	// tokens naming an unknown key ID. Tokens that arrive sooner are
	// refused without a fetch (the issuer publishes a key before it signs
	// with it, so a valid token rarely needs one). Zero:
	// [DefaultMinRefetchInterval].
	MinRefetchInterval time.Duration
	// UnknownKidTTL is how long a key ID that a fetch did not find is
	// refused without asking again. Zero: [DefaultUnknownKidTTL].
	UnknownKidTTL time.Duration
	// MinCacheTTL and MaxCacheTTL clamp the lifetime the JWKS response's
	// Cache-Control max-age gives the keys. Zero: [DefaultMinCacheTTL]
	// and [DefaultMaxCacheTTL].
	MinCacheTTL, MaxCacheTTL time.Duration
	// MaxResponseSize limits the metadata and JWKS responses, in bytes.
	// Zero: [DefaultMaxResponseSize].
	MaxResponseSize int64
	// Logger receives failed fetches. Nil: discard.
	Logger *slog.Logger
	// Now returns the current time. Nil: [time.Now].
	Now func() time.Time
}

// A RemoteKeySet is a [KeySource] that reads an issuer's JWKS over HTTP
// and keeps it fresh: it refreshes the keys in the background at
// three-quarters of the lifetime the response's Cache-Control max-age
// gives them (clamped to [RemoteKeySetConfig.MinCacheTTL] and MaxCacheTTL);
// on a token with an unknown "kid" it refetches at most once per
// MinRefetchInterval, concurrent misses sharing one fetch, and remembers
// the kids a fetch did not find for UnknownKidTTL; and it keeps the last
// good keys while the issuer is down or answers something that is not a
// JWK Set with a usable public key. Secret (oct) keys in the response are
// dropped: a public document must not be able to vouch for a token.
type RemoteKeySet struct {
	cfg     RemoteKeySetConfig
	now     func() time.Time
	client  *http.Client
	jwksURL string
	log     *slog.Logger
	life    context.Context // ends the background refresh; fetches use it

	cur     atomic.Pointer[keysState]
	fetches atomic.Int64

	mu        sync.Mutex
	inflight  *fetchCall
	lastFetch time.Time // start of the last fetch
	unknown   map[string]time.Time
	wake      chan struct{}
}

type keysState struct {
	set       *jwk.Set
	fetchedAt time.Time
	ttl       time.Duration
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// NewRemoteKeySet checks cfg, fetches the keys once (through the issuer's
// metadata when cfg.Issuer is set), and starts refreshing them in the
// background until ctx ends. It fails if cfg is invalid or the first fetch
// fails, so that a misconfigured service stops at start.
func NewRemoteKeySet(ctx context.Context, cfg RemoteKeySetConfig) (*RemoteKeySet, error) {
	if (cfg.Issuer == "") == (cfg.JWKSURL == "") {
		return nil, fmt.Errorf("%w: set exactly one of RemoteKeySetConfig.Issuer and JWKSURL", errConfig)
	}
	if cfg.MinRefetchInterval < 0 || cfg.UnknownKidTTL < 0 || cfg.MinCacheTTL < 0 || cfg.MaxCacheTTL < 0 || cfg.MaxResponseSize < 0 {
		return nil, fmt.Errorf("%w: negative RemoteKeySetConfig duration or size", errConfig)
	}
	cfg.MinRefetchInterval = orDuration(cfg.MinRefetchInterval, DefaultMinRefetchInterval)
	cfg.UnknownKidTTL = orDuration(cfg.UnknownKidTTL, DefaultUnknownKidTTL)
	cfg.MinCacheTTL = orDuration(cfg.MinCacheTTL, DefaultMinCacheTTL)
	cfg.MaxCacheTTL = orDuration(cfg.MaxCacheTTL, DefaultMaxCacheTTL)
	if cfg.MaxResponseSize == 0 {
		cfg.MaxResponseSize = DefaultMaxResponseSize
	}
	if cfg.MinCacheTTL > cfg.MaxCacheTTL {
		return nil, fmt.Errorf("%w: MinCacheTTL %v exceeds MaxCacheTTL %v", errConfig, cfg.MinCacheTTL, cfg.MaxCacheTTL)
	}
	k := &RemoteKeySet{
		cfg:     cfg,
		now:     cfg.Now,
		client:  cfg.HTTPClient,
		log:     cfg.Logger,
		life:    ctx,
		unknown: make(map[string]time.Time),
		wake:    make(chan struct{}, 1),
	}
	if k.now == nil {
		k.now = time.Now
	}
	if k.client == nil {
		k.client = &http.Client{Timeout: DefaultFetchTimeout}
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	if cfg.JWKSURL != "" {
		if _, err := checkURL(cfg.JWKSURL, "JWKSURL"); err != nil {
			return nil, err
		}
		k.jwksURL = cfg.JWKSURL
	} else {
		mu, err := metadataURL(cfg.Issuer)
		if err != nil {
			return nil, err
		}
		body, _, err := k.get(ctx, mu)
		if err != nil {
			return nil, fmt.Errorf("httpauth: fetching the issuer's metadata: %w", err)
		}
		if k.jwksURL, err = parseMetadata(body, cfg.Issuer); err != nil {
			return nil, err
		}
	}
	if err := k.fetch(ctx); err != nil {
		return nil, fmt.Errorf("httpauth: fetching the issuer's keys: %w", err)
	}
	go k.refreshLoop()
	return k, nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// KeySet implements [KeySource]: the last good keys.
func (k *RemoteKeySet) KeySet() (*jwk.Set, error) {
	st := k.cur.Load()
	if st == nil {
		return nil, errNoKeys
	}
	return st.set, nil
}

// MissingKey implements [KeySource]: it fetches the keys again, unless kid
// was not found by a fetch in the last UnknownKidTTL or the last fetch
// began less than MinRefetchInterval ago; a fetch already running is
// joined, not repeated.
func (k *RemoteKeySet) MissingKey(ctx context.Context, kid string) (*jwk.Set, error) {
	if st := k.cur.Load(); st != nil && kid != "" && len(st.set.Lookup(kid)) > 0 {
		return st.set, nil // fetched meanwhile
	}
	now := k.now()
	k.mu.Lock()
	if t, ok := k.unknown[kid]; ok && now.Sub(t) < k.cfg.UnknownKidTTL {
		k.mu.Unlock()
		return k.KeySet()
	}
	call := k.inflight
	if call == nil {
		if now.Sub(k.lastFetch) < k.cfg.MinRefetchInterval {
			k.mu.Unlock()
			return k.KeySet()
		}
		call = k.startLocked(now)
	}
	k.mu.Unlock()
	select {
	case <-call.done:
	case <-ctx.Done():
		return k.KeySet()
	}
	set, err := k.KeySet()
	if err == nil && (kid == "" || len(set.Lookup(kid)) == 0) {
		k.mu.Lock()
		k.rememberUnknownLocked(kid, now)
		k.mu.Unlock()
	}
	return set, err
}

// rememberUnknownLocked records that a fetch did not find kid, dropping
// the expired records when the map is full, and all of them if that is
// not enough.
func (k *RemoteKeySet) rememberUnknownLocked(kid string, now time.Time) {
	if len(k.unknown) >= maxUnknownKids {
		for id, t := range k.unknown {
			if now.Sub(t) >= k.cfg.UnknownKidTTL {
				delete(k.unknown, id)
			}
		}
		if len(k.unknown) >= maxUnknownKids {
			clear(k.unknown)
		}
	}
	k.unknown[kid] = now
}

// Fetches returns the number of JWKS requests made so far, failed ones
// included (the metadata request is not counted).
func (k *RemoteKeySet) Fetches() int64 { return k.fetches.Load() }

// fetch fetches the keys, joining a fetch already running.
func (k *RemoteKeySet) fetch(ctx context.Context) error {
	k.mu.Lock()
	call := k.inflight
	if call == nil {
		call = k.startLocked(k.now())
	}
	k.mu.Unlock()
	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startLocked starts a fetch, under k.mu. It runs under the key set's
// own context, so that a request that gives up does not cancel a fetch
// others wait for.
func (k *RemoteKeySet) startLocked(now time.Time) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	k.inflight, k.lastFetch = call, now
	go func() {
		call.err = k.doFetch(k.life)
		k.mu.Lock()
		k.inflight = nil
		k.mu.Unlock()
		close(call.done)
		if call.err == nil {
			select {
			case k.wake <- struct{}{}: // reschedule the background refresh
			default:
			}
		}
	}()
	return call
}

// doFetch makes one JWKS request and installs the keys it returns, if
// they are good.
func (k *RemoteKeySet) doFetch(ctx context.Context) error {
	k.fetches.Add(1)
	body, hdr, err := k.get(ctx, k.jwksURL)
	if err != nil {
		k.log.Warn("httpauth: fetching JWKS failed; keeping the last good keys", "url", k.jwksURL, "err", err)
		return err
	}
	set, err := parseJWKS(body)
	if err != nil {
		k.log.Warn("httpauth: JWKS refused; keeping the last good keys", "url", k.jwksURL, "err", err)
		return err
	}
	ttl, ok := cacheLifetime(hdr.Values("Cache-Control"))
	if !ok {
		ttl = DefaultCacheTTL
	}
	ttl = min(max(ttl, k.cfg.MinCacheTTL), k.cfg.MaxCacheTTL)
	// Keep the same *jwk.Set while the keys do not change, so that the
	// authenticator keeps its verifier and its cache.
	if old := k.cur.Load(); old != nil && sameKeys(old.set, set) {
		set = old.set
	}
	k.cur.Store(&keysState{set: set, fetchedAt: k.now(), ttl: ttl})
	return nil
}

// errResponse is wrapped by the errors of a fetch that got an answer that
// is not a JWKS or metadata document.
var errResponse = errors.New("httpauth: bad response")

// get fetches url, returning the body (at most MaxResponseSize bytes) of a
// 200 response and its header.
func (k *RemoteKeySet) get(ctx context.Context, url string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, nil, fmt.Errorf("%w: %s answered %s", errResponse, url, resp.Status)
	}
	body, err := readLimited(resp.Body, k.cfg.MaxResponseSize)
	if err != nil {
		return nil, nil, err
	}
	return body, resp.Header, nil
}

// readLimited reads r to its end, failing if it holds more than limit
// bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: response larger than %d bytes", errResponse, limit)
	}
	return body, nil
}

// parseJWKS parses a published JWK Set, keeping its public keys only: a
// private key's public half is kept, a secret key is dropped. A set left
// without a key is refused.
func parseJWKS(body []byte) (*jwk.Set, error) {
	set, err := jwk.ParseSet(body)
	if err != nil {
		return nil, err
	}
	pub := set.Public()
	if pub.Len() == 0 {
		return nil, fmt.Errorf("%w: the JWK Set has no public key", errResponse)
	}
	return jwk.NewSet(pub.Keys()...)
}

// sameKeys reports whether a and b hold the same keys in the same order.
func sameKeys(a, b *jwk.Set) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i, ka := range a.Keys() {
		pa, ok1 := ka.(*jwk.PublicKey)
		pb, ok2 := b.Keys()[i].(*jwk.PublicKey)
		if !ok1 || !ok2 || pa.KeyID() != pb.KeyID() || pa.Algorithm() != pb.Algorithm() || !pa.Equal(pb) {
			return false
		}
	}
	return true
}

// refreshLoop refetches the keys at three-quarters of their lifetime,
// and after a failure with a growing, jittered delay, until the key set's
// context ends.
func (k *RemoteKeySet) refreshLoop() {
	failures := 0
	for {
		st := k.cur.Load()
		wait := st.ttl * 3 / 4
		if st.fetchedAt.IsZero() {
			wait = 0
		}
		wait -= k.now().Sub(st.fetchedAt)
		if failures > 0 {
			backoff := k.cfg.MinRefetchInterval << min(failures-1, 10)
			wait = min(backoff, st.ttl)
		}
		wait = jitter(max(wait, 0))
		t := time.NewTimer(wait)
		select {
		case <-k.life.Done():
			t.Stop()
			return
		case <-k.wake:
			// Another fetch succeeded: schedule from its result.
			t.Stop()
			failures = 0
			continue
		case <-t.C:
		}
		if err := k.fetch(k.life); err != nil {
			failures++
		} else {
			failures = 0
		}
		// Drain the wake-up of our own fetch.
		select {
		case <-k.wake:
		default:
		}
	}
}

// jitter returns d minus up to a tenth, so that many verifiers started
// together do not fetch together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d - rand.N(d/10+1)
}
