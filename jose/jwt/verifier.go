package jwt

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// DefaultLeeway is the clock skew allowed when checking "exp", "nbf" and
// "iat" if [Verifier.Leeway] is zero.
const DefaultLeeway = 30 * time.Second

// MaxLeeway is the largest leeway a Verifier accepts.
const MaxLeeway = 5 * time.Minute

// NoLeeway, as [Verifier.Leeway], allows no clock skew at all: a token is
// expired from the instant of its "exp" on. The zero Leeway means
// [DefaultLeeway], so "none" needs this name (any negative duration means
// the same).
const NoLeeway time.Duration = -1

// A Verifier checks tokens: their signature, then their claims. It is
// configured like [crypto/tls.Config]: set the fields, then call
// [Verifier.Verify] from any number of goroutines ([Verifier.Check] first
// reports a configuration error before any token is seen). A Verifier must
// not be modified after its first use. Each field's doc says what its zero value
// does; every zero value is the safe choice.
type Verifier struct {
	// Keys holds the verification keys ([*jwk.PublicKey] or
	// [*jwk.SecretKey]; a [*jwk.PrivateKey] is used through its public
	// half). A token's key is chosen by its "kid"; a token without "kid"
	// needs a set with exactly one key for its algorithm. A key parsed
	// without an "alg" is bound to the one algorithm in Algorithms that
	// fits it, or is unusable (which [Verifier.Check] reports). Nil or
	// empty: every token fails with [ErrMisconfigured].
	Keys *jwk.Set

	// Algorithms is an allow-list of algorithms. Empty: the algorithms the
	// keys are bound to. A token is always checked with the algorithm of
	// its key, never just the one its header names.
	Algorithms []jwk.Algorithm

	// Issuer is the required "iss". Empty: every token fails with
	// [ErrMisconfigured] unless InsecureSkipIssuerCheck is set.
	Issuer string

	// Audience is this service's name, which "aud" must contain (as the
	// string or as an element of the array). Empty: every token fails with
	// [ErrMisconfigured] unless InsecureSkipAudienceCheck is set.
	Audience string

	// Type is the required header "typ", such as "at+jwt" for OAuth access
	// tokens (RFC 9068). Media types compare case-insensitively and with
	// or without "application/" (RFC 7515, Section 4.1.9). Empty: "typ" is
	// not checked.
	Type string

	// Leeway is the clock skew allowed for "exp", "nbf" and "iat". Zero:
	// [DefaultLeeway] (30 s). [NoLeeway] (or any negative duration): none.
	// More than [MaxLeeway]: every token fails with [ErrMisconfigured].
	Leeway time.Duration

	// RequiredClaims lists claims that must be present, in addition to
	// "exp". Empty: only "exp" (and "iss"/"aud" through their checks).
	RequiredClaims []string

	// MaxSize limits the token length in bytes. Zero: [jws.DefaultMaxSize]
	// (16 KiB).
	MaxSize int

	// MaxDepth limits JSON nesting in the header and claims. Zero:
	// [jws.DefaultMaxDepth].
	MaxDepth int

	// Critical lists header extensions the caller processes itself, which
	// a token may then mark critical. Empty: a token with "crit" fails.
	Critical []string

	// Now returns the current time. Nil: [time.Now].
	Now func() time.Time

	// Revoked, if set, is called with the registered claims of a token
	// whose signature and claims are valid, and with the caller's claims
	// value (nil for [Verifier.Verify]). A non-nil result fails the
	// verification; return an error wrapping [ErrRevoked]. Nil: no check.
	Revoked func(c *Claims, custom any) error

	// InsecureAllowMissingExpiry accepts tokens without "exp", which never
	// expire. Use of this field makes stolen tokens valid forever.
	InsecureAllowMissingExpiry bool

	// InsecureSkipIssuerCheck accepts any "iss". Use of this field lets
	// tokens from any issuer that shares a key be accepted.
	InsecureSkipIssuerCheck bool

	// InsecureSkipAudienceCheck accepts any "aud". Use of this field lets
	// a token meant for another service be replayed against this one.
	InsecureSkipAudienceCheck bool

	once  sync.Once
	setup verifierSetup
	plans planCache
}

// planCache remembers the claims plan of the last struct type seen, so that
// a Verifier or Signer used with one claims type skips the plan lookup.
type planCache struct{ last atomic.Pointer[typedPlan] }

type typedPlan struct {
	t reflect.Type
	p *strictjson.Plan
}

func (c *planCache) plan(t reflect.Type) (*strictjson.Plan, error) {
	if tp := c.last.Load(); tp != nil && tp.t == t {
		return tp.p, nil
	}
	p, err := strictjson.PlanFor(t, claimsType)
	if err != nil {
		return nil, err
	}
	c.last.Store(&typedPlan{t: t, p: p})
	return p, nil
}

type verifierSetup struct {
	err            error
	unbound        []string // keys bindKeys could not bind, described
	customRequired []string // RequiredClaims that are not registered claims
	keys           *jwk.Set
	opts           jws.VerifyOptions
	leeway         time.Duration
}

func (v *Verifier) init() {
	v.once.Do(func() { v.setup = v.prepare() })
}

func (v *Verifier) prepare() verifierSetup {
	s := verifierSetup{leeway: v.Leeway}
	fail := func(format string, args ...any) verifierSetup {
		return verifierSetup{err: fmt.Errorf("%w: "+format, append([]any{ErrMisconfigured}, args...)...)}
	}
	switch {
	case s.leeway == 0:
		s.leeway = DefaultLeeway
	case s.leeway < 0:
		s.leeway = 0
	case s.leeway > MaxLeeway:
		return fail("Leeway %v exceeds %v", v.Leeway, MaxLeeway)
	}
	if v.Keys == nil || v.Keys.Len() == 0 {
		return fail("Verifier has no keys")
	}
	if v.Issuer == "" && !v.InsecureSkipIssuerCheck {
		return fail("Verifier.Issuer is empty (set it, or InsecureSkipIssuerCheck)")
	}
	if v.Audience == "" && !v.InsecureSkipAudienceCheck {
		return fail("Verifier.Audience is empty (set it, or InsecureSkipAudienceCheck)")
	}
	for _, a := range v.Algorithms {
		if !a.Known() {
			return fail("unsupported algorithm %q", string(a))
		}
	}
	for _, name := range v.RequiredClaims {
		if !isRegistered(name) {
			s.customRequired = append(s.customRequired, name)
		}
	}
	if len(s.customRequired) > 64 {
		return fail("more than 64 custom RequiredClaims")
	}
	keys, unbound, err := bindKeys(v.Keys, v.Algorithms)
	if err != nil {
		return fail("%v", err)
	}
	s.keys, s.unbound = keys, unbound
	// The claims are parsed with opts.MaxDepth too, so resolve the default
	// here: left at zero, strictjson would apply its own, deeper, limit.
	maxDepth := v.MaxDepth
	if maxDepth <= 0 {
		maxDepth = jws.DefaultMaxDepth
	}
	s.opts = jws.VerifyOptions{
		Algorithms: v.Algorithms,
		MaxSize:    v.MaxSize,
		MaxDepth:   maxDepth,
		Critical:   v.Critical,
	}
	return s
}

// bindKeys returns keys with every unbound key bound to the single allowed
// algorithm that fits its type. Keys that cannot be bound are dropped and
// described in unbound; if no key is left, that is an error.
func bindKeys(keys *jwk.Set, algs []jwk.Algorithm) (bound *jwk.Set, unbound []string, err error) {
	var out []jwk.Key
	for _, k := range keys.Keys() {
		if k.Algorithm() != "" {
			out = append(out, k)
			continue
		}
		var fit []jwk.Algorithm
		for _, a := range algs {
			if a.KeyType() == k.KeyType() {
				fit = append(fit, a)
			}
		}
		if len(fit) != 1 {
			// Ambiguous or not allowed: the key cannot be used.
			why := fmt.Sprintf("Algorithms allows %d algorithms for %s keys", len(fit), k.KeyType())
			if len(fit) == 0 {
				why = fmt.Sprintf("Algorithms allows none for %s keys", k.KeyType())
			}
			unbound = append(unbound, fmt.Sprintf("%s key %q has no \"alg\" and %s, so it is not used (set its \"alg\" or allow exactly one)", k.KeyType(), k.KeyID(), why))
			continue
		}
		switch k := k.(type) {
		case *jwk.PublicKey:
			b, err := k.WithAlgorithm(fit[0])
			if err != nil {
				return nil, nil, err
			}
			out = append(out, b)
		case *jwk.SecretKey:
			b, err := k.WithAlgorithm(fit[0])
			if err != nil {
				return nil, nil, err
			}
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("no key is bound to an algorithm: set \"alg\" on the keys or list exactly one algorithm per key type in Verifier.Algorithms")
	}
	rebound := len(unbound) > 0
	for i, k := range out {
		rebound = rebound || k != keys.Keys()[i]
	}
	if !rebound {
		return keys, nil, nil
	}
	set, err := jwk.NewSet(out...)
	return set, unbound, err
}

// Check reports whether v is configured correctly, so that a program can
// fail at startup rather than refuse every token later. It returns nil, or
// an error wrapping [ErrMisconfigured] that says what is wrong: no keys, an
// empty Issuer or Audience without its Insecure field, an algorithm in
// Algorithms that this module does not implement, a Leeway above
// [MaxLeeway], or a key that cannot be bound to an algorithm. [Verifier.Verify]
// fails every token with the same error in all but the last case; a key
// that cannot be bound (a JWK without "alg" for which Algorithms allows no
// algorithm, or several, of its type) is only left unused there, and Check
// is where it shows.
//
// Check may be called at any time, from any goroutine; like Verify, it
// fixes the configuration, which must not be changed afterwards.
func (v *Verifier) Check() error {
	v.init()
	if v.setup.err != nil {
		return v.setup.err
	}
	if len(v.setup.unbound) > 0 {
		return fmt.Errorf("%w: %s", ErrMisconfigured, strings.Join(v.setup.unbound, "; "))
	}
	return nil
}

// Verify checks token and returns its registered claims.
func (v *Verifier) Verify(token string) (*Claims, error) {
	c := new(Claims)
	if err := v.verify(token, c, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// VerifyInto checks token and decodes its claims into claims, which must be
// a non-nil pointer to [Claims], to a struct (which should embed Claims), or
// to a map[string]any. Custom claims are matched to struct fields by their
// exact json tag name; unknown claims are ignored. On error, claims may have
// been partly written and must not be used.
func (v *Verifier) VerifyInto(token string, claims any) error {
	// A nil destination would otherwise be written through (a nil *Claims,
	// or a nil pointer to a struct embedding Claims) and panic, or be
	// ignored (an untyped nil) and the claims silently dropped.
	if rv := reflect.ValueOf(claims); !rv.IsValid() || rv.Kind() == reflect.Pointer && rv.IsNil() {
		return fmt.Errorf("%w: nil claims destination %T", ErrMisconfigured, claims)
	}
	switch dst := claims.(type) {
	case *Claims:
		return v.verify(token, dst, nil)
	case claimsHolder:
		c := dst.registeredClaims() // nil for a nil embedded *Claims
		if c == nil {
			return fmt.Errorf("%w: %T embeds a nil *jwt.Claims", ErrMisconfigured, claims)
		}
		return v.verify(token, c, claims)
	}
	var c Claims
	return v.verify(token, &c, claims)
}

func (v *Verifier) verify(token string, c *Claims, custom any) error {
	v.init()
	if v.setup.err != nil {
		return v.setup.err
	}
	var res jws.Verified
	if err := jws.VerifyInto(token, v.setup.keys, &v.setup.opts, &res); err != nil {
		return err
	}
	if v.Type != "" && !sameMediaType(res.Header.Type, v.Type) {
		return fmt.Errorf("%w: %q", ErrInvalidType, res.Header.Type)
	}
	have, seen, err := decodeClaims(res.Payload, v.setup.opts.MaxDepth, v.setup.customRequired, &v.plans, c, custom)
	if err != nil {
		return err
	}
	if err := v.validate(c, have, seen); err != nil {
		return err
	}
	if v.Revoked != nil {
		if err := v.Revoked(c, custom); err != nil {
			return err
		}
	}
	return nil
}

func (v *Verifier) validate(c *Claims, have present, seen uint64) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now()
	leeway := v.setup.leeway
	if have&hasExp == 0 {
		if !v.InsecureAllowMissingExpiry {
			return fmt.Errorf("%w: \"exp\"", ErrMissingClaim)
		}
	} else if !t.Before(c.ExpiresAt.Add(leeway)) {
		// RFC 7519, Section 4.1.4: on or after "exp" the token is expired.
		return ErrExpired
	}
	if have&hasNbf != 0 && t.Add(leeway).Before(c.NotBefore) {
		return ErrNotYetValid
	}
	if have&hasIat != 0 && t.Add(leeway).Before(c.IssuedAt) {
		return fmt.Errorf("%w: issued in the future", ErrNotYetValid)
	}
	if !v.InsecureSkipIssuerCheck && (have&hasIss == 0 || c.Issuer != v.Issuer) {
		return ErrInvalidIssuer
	}
	if !v.InsecureSkipAudienceCheck && !c.Audience.Contains(v.Audience) {
		return ErrInvalidAudience
	}
	for _, name := range v.RequiredClaims {
		if isRegistered(name) && !claimPresent(name, have) {
			return fmt.Errorf("%w: %q", ErrMissingClaim, name)
		}
	}
	for i, name := range v.setup.customRequired {
		if seen&(1<<i) == 0 {
			return fmt.Errorf("%w: %q", ErrMissingClaim, name)
		}
	}
	return nil
}

// claimPresent reports whether the registered claim name was in the token.
func claimPresent(name string, have present) bool {
	switch name {
	case claimIss:
		return have&hasIss != 0
	case claimSub:
		return have&hasSub != 0
	case claimAud:
		return have&hasAud != 0
	case claimExp:
		return have&hasExp != 0
	case claimNbf:
		return have&hasNbf != 0
	case claimIat:
		return have&hasIat != 0
	case claimJti:
		return have&hasJti != 0
	}
	return false
}

// sameMediaType compares "typ" values as media types: case-insensitively,
// with the "application/" prefix optional (RFC 7515, Section 4.1.9).
func sameMediaType(got, want string) bool {
	trim := func(s string) string {
		if len(s) > len("application/") && strings.EqualFold(s[:len("application/")], "application/") {
			return s[len("application/"):]
		}
		return s
	}
	return strings.EqualFold(trim(got), trim(want))
}

var claimsType = reflect.TypeFor[Claims]()

// decodeClaims parses the payload, routing registered claims into c and the
// others into custom (a pointer to a struct or to a map[string]any, or nil).
// Bit i of seen is set when required[i] was present.
func decodeClaims(payload []byte, maxDepth int, required []string, plans *planCache, c *Claims, custom any) (have present, seen uint64, err error) {
	var (
		plan *strictjson.Plan
		ptr  unsafe.Pointer
		m    map[string]any
	)
	opts := strictjson.DecodeOptions{MaxDepth: maxDepth, AliasStrings: true}
	if custom != nil {
		switch dst := custom.(type) {
		case *map[string]any:
			if dst == nil {
				return 0, 0, fmt.Errorf("%w: nil claims destination", ErrMisconfigured)
			}
			if *dst == nil {
				*dst = make(map[string]any)
			}
			m = *dst
		default:
			rv := reflect.ValueOf(custom)
			if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
				return 0, 0, fmt.Errorf("%w: claims must be a non-nil pointer to a struct or map, not %T", ErrMisconfigured, custom)
			}
			p, err := plans.plan(rv.Elem().Type())
			if err != nil {
				return 0, 0, fmt.Errorf("%w: %v", ErrMisconfigured, err)
			}
			plan, ptr = p, rv.UnsafePointer()
		}
	}
	err = strictjson.ForEachMember(payload, maxDepth, func(name, value []byte) error {
		bit, err := decodeRegistered(c, name, value)
		if err != nil {
			return err
		}
		have |= bit
		if bit == 0 {
			for i, r := range required {
				if r == string(name) {
					seen |= 1 << i
				}
			}
		}
		switch {
		case plan != nil:
			if f := plan.Field(name); f != nil {
				if err := f.Decode(ptr, value, opts); err != nil {
					return fmt.Errorf("%w: claim %q: %w", ErrMalformed, name, err)
				}
			}
		case m != nil:
			var val any
			if err := strictjson.Unmarshal(value, &val, opts); err != nil {
				return fmt.Errorf("%w: claim %q: %w", ErrMalformed, name, err)
			}
			m[string(name)] = val
		}
		return nil
	})
	if err != nil {
		if isJWTError(err) {
			return 0, 0, err
		}
		return 0, 0, fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	return have, seen, nil
}

var errorsIs = errors.Is

func isJWTError(err error) bool {
	for _, e := range []error{ErrMalformed, ErrMisconfigured} {
		if errorsIs(err, e) {
			return true
		}
	}
	return false
}
