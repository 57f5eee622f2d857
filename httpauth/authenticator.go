package httpauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// errConfig is wrapped by every error of [New].
var errConfig = errors.New("httpauth: misconfigured")

// accessTokenType is the "typ" of an access token ([RFC 9068, Section 2.1]).
//
// [RFC 9068, Section 2.1]: https://www.rfc-editor.org/rfc/rfc9068#section-2.1
const accessTokenType = "at+jwt"

// requiredClaims are the claims [RFC 9068, Section 2.2] requires besides
// "iss", "exp" and "aud", which the verifier checks anyway.
//
// [RFC 9068, Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
var requiredClaims = []string{"sub", "iat", "jti", "client_id"}

// MaxCacheSize is the largest [Config.CacheSize].
const MaxCacheSize = 1 << 20

// Revocations is what the authenticator checks every verified token
// against. [*Feed] implements it; so does the auth server's own replica.
// Check returns nil for a token that is not revoked, an error wrapping
// jwt.ErrRevoked for one that is, and [ErrUnavailable] when it cannot
// tell (not loaded yet, or stale with refusal configured).
type Revocations interface {
	Check(c *jwt.Claims, sid, kid string) error
}

// Config configures an [Authenticator]. There is no default verifier:
// [New] refuses a Config without Issuer, Audience, Algorithms, Keys, and
// Revocations (or InsecureSkipRevocationCheck).
type Config struct {
	// Issuer is the required "iss": the auth server's issuer URL.
	Issuer string
	// Audience is this service's name, which "aud" must contain.
	Audience string
	// Algorithms is the allow-list of signature algorithms, such as
	// []jwk.Algorithm{jwk.ES256}. Required.
	Algorithms []jwk.Algorithm
	// Keys supplies the verification keys: a [*RemoteKeySet], [StaticKeys],
	// or another [KeySource]. Required.
	Keys KeySource
	// Revocations is checked for every verified token, cached or not.
	// Required unless InsecureSkipRevocationCheck.
	Revocations Revocations
	// InsecureSkipRevocationCheck accepts tokens without a revocation
	// source. Use of this field keeps a logged-out user's token valid
	// until it expires.
	InsecureSkipRevocationCheck bool
	// Cookie, if set, accepts the access token from the access cookie of
	// Ward's cookie mode under the CSRF rule of [CookieConfig]. Nil: the
	// Authorization header only.
	Cookie *CookieConfig
	// CacheSize is the number of verified tokens kept, so that a repeated
	// token costs no signature check (it is still checked against
	// Revocations, and never used past "exp"). Zero: no cache. At most
	// [MaxCacheSize].
	CacheSize int
	// Leeway is the clock skew allowed for "exp", "nbf" and "iat", with
	// the semantics of jwt.Verifier.Leeway: zero is jwt.DefaultLeeway
	// (30 s), jwt.NoLeeway none, at most jwt.MaxLeeway.
	Leeway time.Duration
	// Realm is the realm of the Bearer challenges ([RFC 6750, Section 3]).
	// Empty: none.
	//
	// [RFC 6750, Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
	Realm string
	// ErrorWriter, if set, answers the requests the middleware,
	// [RequireScope] and [RequireRole] refuse, instead of
	// [Authenticator.WriteError] (use [Authenticator.Challenge] and
	// [Status] to keep its challenges and statuses). err wraps one of
	// [ErrNoToken], [ErrInvalidToken], [ErrInsufficientScope], [ErrCSRF]
	// or [ErrUnavailable].
	ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)
	// Now returns the current time. Nil: [time.Now].
	Now func() time.Time
}

// An Authenticator verifies the access tokens of requests. It is safe for
// concurrent use. Create it with [New].
type Authenticator struct {
	cfg    Config
	now    func() time.Time
	cookie *cookieRule
	cache  *tokenCache // nil: off

	mu    sync.Mutex // serializes verifier builds
	state atomic.Pointer[verifierState]

	verifies atomic.Int64 // signature checks made, for tests
}

// verifierState is the verifier for one key set.
type verifierState struct {
	set *jwk.Set
	v   *jwt.Verifier
}

// New returns an Authenticator for cfg, or an error wrapping no exported
// sentinel if cfg is incomplete or invalid: a misconfigured authenticator
// fails here, never per request.
func New(cfg Config) (*Authenticator, error) {
	switch {
	case cfg.Issuer == "":
		return nil, fmt.Errorf("%w: Config.Issuer is empty", errConfig)
	case cfg.Audience == "":
		return nil, fmt.Errorf("%w: Config.Audience is empty", errConfig)
	case len(cfg.Algorithms) == 0:
		return nil, fmt.Errorf("%w: Config.Algorithms is empty", errConfig)
	case cfg.Keys == nil:
		return nil, fmt.Errorf("%w: Config.Keys is nil", errConfig)
	case cfg.Revocations == nil && !cfg.InsecureSkipRevocationCheck:
		return nil, fmt.Errorf("%w: Config.Revocations is nil (set it, or InsecureSkipRevocationCheck)", errConfig)
	case cfg.Revocations != nil && cfg.InsecureSkipRevocationCheck:
		return nil, fmt.Errorf("%w: Config.Revocations is set together with InsecureSkipRevocationCheck", errConfig)
	case cfg.CacheSize < 0 || cfg.CacheSize > MaxCacheSize:
		return nil, fmt.Errorf("%w: Config.CacheSize %d is not in [0, %d]", errConfig, cfg.CacheSize, MaxCacheSize)
	case cfg.Leeway > jwt.MaxLeeway:
		return nil, fmt.Errorf("%w: Config.Leeway %v exceeds %v", errConfig, cfg.Leeway, jwt.MaxLeeway)
	case !isTokenSafe(cfg.Realm):
		return nil, fmt.Errorf("%w: Config.Realm %q has a quote, backslash or control character", errConfig, cfg.Realm)
	}
	seen := make(map[jwk.Algorithm]bool)
	for _, alg := range cfg.Algorithms {
		if !alg.Known() {
			return nil, fmt.Errorf("%w: unsupported algorithm %q", errConfig, string(alg))
		}
		if seen[alg] {
			return nil, fmt.Errorf("%w: algorithm %s listed twice", errConfig, alg)
		}
		seen[alg] = true
	}
	cfg.Algorithms = append([]jwk.Algorithm(nil), cfg.Algorithms...)
	a := &Authenticator{cfg: cfg, now: cfg.Now}
	if a.now == nil {
		a.now = time.Now
	}
	if cfg.Cookie != nil {
		rule, err := newCookieRule(cfg.Cookie)
		if err != nil {
			return nil, err
		}
		a.cookie = rule
	}
	if cfg.CacheSize > 0 {
		a.cache = newTokenCache(cfg.CacheSize)
	}
	return a, nil
}

// isTokenSafe reports whether s can go in a quoted-string without escapes.
func isTokenSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Authenticate verifies the access token of r and returns its claims.
// The token comes from "Authorization: Bearer" or, if [Config.Cookie] is
// set and r has no Authorization header, from the access cookie (and a
// state-changing request must then pass the CSRF rule). The error wraps
// [ErrNoToken], [ErrInvalidToken], [ErrCSRF] or [ErrUnavailable].
func (a *Authenticator) Authenticate(r *http.Request) (*Claims, error) {
	ai, err := a.authenticate(r)
	if err != nil {
		return nil, err
	}
	return ai.claims, nil
}

func (a *Authenticator) authenticate(r *http.Request) (*authInfo, error) {
	tok, present, ok := bearerToken(r.Header)
	byCookie := false
	if !present && a.cookie != nil && len(r.Header.Values("Authorization")) == 0 {
		if tok = cookieValue(r, a.cookie.name); tok != "" {
			present, ok, byCookie = true, len(tok) <= MaxTokenSize, true
		}
	}
	if !present {
		return nil, ErrNoToken
	}
	if !ok {
		return nil, fmt.Errorf("%w: malformed credentials", ErrInvalidToken)
	}
	ai, err := a.verify(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if byCookie {
		if err := a.cookie.check(r, ai.claims.SessionID); err != nil {
			return nil, err
		}
	}
	return ai, nil
}

// Verify verifies an access token given on its own (not in a request)
// and returns its claims: the signature by a key of [Config.Keys], "typ"
// at+jwt, issuer, audience, lifetime, the claims [RFC 9068, Section 2.2]
// requires, then [Config.Revocations]. Most users want
// [Authenticator.Middleware]. The error wraps [ErrInvalidToken] or
// [ErrUnavailable].
//
// [RFC 9068, Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
func (a *Authenticator) Verify(ctx context.Context, token string) (*Claims, error) {
	ai, err := a.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	return ai.claims, nil
}

func (a *Authenticator) verify(ctx context.Context, token string) (*authInfo, error) {
	if len(token) > MaxTokenSize {
		// Refused before it is hashed for the cache.
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, jwt.ErrTooLarge)
	}
	set, err := a.cfg.Keys.KeySet()
	if err != nil {
		return nil, fmt.Errorf("%w: keys: %v", ErrUnavailable, err)
	}
	st := a.verifierFor(set)
	now := a.now()
	var key [32]byte
	if a.cache != nil {
		key = cacheKey(token)
		if e := a.cache.get(key, st, now); e != nil {
			if err := a.checkRevoked(e.info.claims, e.kid); err != nil {
				return nil, err
			}
			return e.info, nil
		}
	}
	a.verifies.Add(1)
	c := new(Claims)
	err = st.v.VerifyInto(token, c)
	if errors.Is(err, jwt.ErrNoKey) {
		// A key the source may not have fetched yet: ask it once (it
		// bounds its own fetch rate), and retry only with a new set.
		kid, _ := headerKeyID(token)
		if set2, err2 := a.cfg.Keys.MissingKey(ctx, kid); err2 == nil && set2 != nil && set2 != set {
			st = a.verifierFor(set2)
			c = new(Claims)
			err = st.v.VerifyInto(token, c)
		}
	}
	if err != nil {
		if errors.Is(err, jwt.ErrMisconfigured) {
			// Keys the configuration cannot use (none bound to an
			// allowed algorithm): no token can be decided.
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	// The header is authenticated now: its "kid" names the key that
	// verified the token, whose revocation Check looks up.
	kid, err := headerKeyID(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if err := a.checkRevoked(c, kid); err != nil {
		return nil, err
	}
	ai := &authInfo{claims: c, a: a}
	if a.cache != nil {
		a.cache.put(key, &cacheEntry{info: ai, kid: kid, state: st})
	}
	return ai, nil
}

// checkRevoked checks c against [Config.Revocations].
func (a *Authenticator) checkRevoked(c *Claims, kid string) error {
	if a.cfg.Revocations == nil {
		return nil
	}
	if err := a.cfg.Revocations.Check(&c.Claims, c.SessionID, kid); err != nil {
		if errors.Is(err, ErrUnavailable) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return nil
}

// verifierFor returns the verifier for set, building it on first use.
func (a *Authenticator) verifierFor(set *jwk.Set) *verifierState {
	if st := a.state.Load(); st != nil && st.set == set {
		return st
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if st := a.state.Load(); st != nil && st.set == set {
		return st
	}
	st := &verifierState{set: set, v: &jwt.Verifier{
		Keys:           set,
		Algorithms:     a.cfg.Algorithms,
		Issuer:         a.cfg.Issuer,
		Audience:       a.cfg.Audience,
		Type:           accessTokenType,
		Leeway:         a.cfg.Leeway,
		RequiredClaims: requiredClaims,
		Now:            a.now,
	}}
	a.state.Store(st)
	return st
}

// Middleware returns next guarded by the authenticator: a request whose
// token passes [Authenticator.Authenticate] reaches next with the claims
// in its context ([ClaimsFrom]); any other is answered by
// [Config.ErrorWriter] or [Authenticator.WriteError] and never reaches
// next.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ai, err := a.authenticate(r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ai)))
	})
}
