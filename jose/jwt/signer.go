package jwt

import (
	"fmt"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// Sign returns a token holding claims, signed with key. claims is a
// [*Claims], a pointer to a struct (which may embed [Claims]), or a
// map[string]any. The header is {"alg", "kid", "typ":"JWT"}, with "alg" and
// "kid" from the key.
func Sign(claims any, key jwk.SigningKey) (string, error) {
	s := Signer{Key: key}
	return s.Sign(claims)
}

// A Signer makes tokens with one key. Its zero value is not usable: Key must
// be set. A Signer must not be modified after its first use, and is safe for
// concurrent use.
type Signer struct {
	// Key signs the tokens; its algorithm and key ID go in the header.
	Key jwk.SigningKey

	// Type is the header "typ". Empty: "JWT".
	Type string

	// Lifetime, if positive, gives tokens whose claims embed [Claims] and
	// have no "exp" an "exp" of now + Lifetime, and an "iat" of now if they
	// have none. The caller's claims are not modified. Zero: claims are
	// signed as they are.
	Lifetime time.Duration

	// Now returns the current time. Nil: [time.Now].
	Now func() time.Time
}

// signerPlans caches the claims plan of the last struct type signed, for
// every Signer (a Signer stays copyable, so it holds no cache itself).
var signerPlans planCache

var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Sign returns a token holding claims: see [Sign].
func (s *Signer) Sign(claims any) (string, error) {
	if s.Key == nil {
		return "", fmt.Errorf("%w: Signer has no key", ErrMisconfigured)
	}
	bp := scratch.Get().(*[]byte)
	payload, err := s.appendClaims((*bp)[:0], claims)
	if err != nil {
		return "", err
	}
	typ := s.Type
	if typ == "" {
		typ = "JWT"
	}
	tok, err := jws.AppendSign(nil, payload, s.Key, &jws.Header{Type: typ})
	if cap(payload) <= 64<<10 {
		*bp = payload[:0]
		scratch.Put(bp)
	}
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(tok), len(tok)), nil
}

// appendClaims appends the JSON object of claims to dst.
func (s *Signer) appendClaims(dst []byte, claims any) ([]byte, error) {
	switch c := claims.(type) {
	case nil:
		return nil, fmt.Errorf("%w: nil claims", ErrMisconfigured)
	case *Claims:
		if c == nil {
			return nil, fmt.Errorf("%w: nil claims", ErrMisconfigured)
		}
		return s.appendObject(dst, c, nil, nil)
	case Claims:
		return s.appendObject(dst, &c, nil, nil)
	case map[string]any:
		b, err := strictjson.Append(dst, c)
		if err != nil {
			return nil, fmt.Errorf("jwt: encoding claims: %w", err)
		}
		return b, checkRegistered(b)
	}
	rv := reflect.ValueOf(claims)
	if rv.Kind() == reflect.Struct {
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		rv = p
	}
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: claims must be a struct, a pointer to one, or a map[string]any, not %T", ErrMisconfigured, claims)
	}
	plan, err := signerPlans.plan(rv.Elem().Type())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMisconfigured, err)
	}
	var reg *Claims
	if h, ok := rv.Interface().(claimsHolder); ok {
		reg = h.registeredClaims()
		for _, name := range [...]string{claimIss, claimSub, claimAud, claimExp, claimNbf, claimIat, claimJti} {
			if plan.Field([]byte(name)) != nil {
				return nil, fmt.Errorf("%w: %s embeds jwt.Claims and also has a field for %q", ErrMisconfigured, rv.Elem().Type(), name)
			}
		}
	}
	b, err := s.appendObject(dst, reg, plan, rv.UnsafePointer())
	if err != nil || reg != nil {
		return b, err // with Claims embedded, only Claims writes registered claims
	}
	return b, checkRegistered(b)
}

// checkRegistered refuses claims whose registered claims a Verifier would
// find malformed, such as a time.Time under "exp" in a map, which encodes as
// a string rather than a NumericDate ([RFC 7519, Section 4.1]).
//
// [RFC 7519, Section 4.1]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1
func checkRegistered(payload []byte) error {
	var c Claims
	err := strictjson.ForEachMember(payload, 0, func(name, value []byte) error {
		_, err := decodeRegistered(&c, name, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMisconfigured, err)
	}
	return nil
}

func (s *Signer) appendObject(dst []byte, reg *Claims, plan *strictjson.Plan, ptr unsafe.Pointer) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	if reg != nil {
		c := reg
		if s.Lifetime > 0 && c.ExpiresAt.IsZero() {
			now := time.Now
			if s.Now != nil {
				now = s.Now
			}
			t := now()
			cc := *c
			cc.ExpiresAt = t.Add(s.Lifetime)
			if cc.IssuedAt.IsZero() {
				cc.IssuedAt = t
			}
			c = &cc
		}
		var wrote bool
		var err error
		if dst, wrote, err = appendRegistered(dst, c); err != nil {
			return nil, err
		}
		first = !wrote
	}
	if plan != nil {
		var err error
		if dst, _, err = plan.AppendMembers(dst, ptr, first); err != nil {
			return nil, fmt.Errorf("jwt: encoding claims: %w", err)
		}
	}
	return append(dst, '}'), nil
}
