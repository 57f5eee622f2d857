package jwt

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/wardauth/ward/internal/strictjson"
)

// Claims are the registered claims of [RFC 7519, Section 4.1]. Embed Claims
// in a struct to add claims of your own.
//
// This package encodes and decodes Claims itself: the dates are JSON numbers
// of seconds since the Unix epoch ("NumericDate"), and Audience is a string
// when it has one element. (encoding/json would write the times as RFC 3339
// strings; do not use it to produce tokens.)
//
// [RFC 7519, Section 4.1]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1
type Claims struct {
	Issuer    string    `json:"iss,omitempty"` // "iss"
	Subject   string    `json:"sub,omitempty"` // "sub"
	Audience  Audience  `json:"aud,omitempty"` // "aud"
	ExpiresAt time.Time `json:"exp,omitzero"`  // "exp"; the zero Time means absent
	NotBefore time.Time `json:"nbf,omitzero"`  // "nbf"; the zero Time means absent
	IssuedAt  time.Time `json:"iat,omitzero"`  // "iat"; the zero Time means absent
	ID        string    `json:"jti,omitempty"` // "jti"
}

// registeredClaims gives this package the Claims embedded in a caller's
// struct; it is promoted through embedding.
func (c *Claims) registeredClaims() *Claims { return c }

type claimsHolder interface{ registeredClaims() *Claims }

// Audience is the "aud" claim: one or more audience names. It is encoded as a
// string when it has exactly one element and as an array otherwise, and
// either form is accepted ([RFC 7519, Section 4.1.3]).
//
// [RFC 7519, Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1.3
type Audience []string

// Contains reports whether a contains aud.
func (a Audience) Contains(aud string) bool { return slices.Contains(a, aud) }

// registered claim names, checked in this order when encoding.
const (
	claimIss = "iss"
	claimSub = "sub"
	claimAud = "aud"
	claimExp = "exp"
	claimNbf = "nbf"
	claimIat = "iat"
	claimJti = "jti"
)

func isRegistered(name string) bool {
	switch name {
	case claimIss, claimSub, claimAud, claimExp, claimNbf, claimIat, claimJti:
		return true
	}
	return false
}

// present records which registered claims a token carried.
type present uint8

const (
	hasIss present = 1 << iota
	hasSub
	hasAud
	hasExp
	hasNbf
	hasIat
	hasJti
)

// maxNumericDate bounds NumericDate values: 9999-12-31T23:59:59Z. Larger
// values, negative values and non-finite numbers are malformed.
const maxNumericDate = 253402300799

// decodeRegistered decodes one registered claim into c. Strings alias value,
// which the caller never modifies.
func decodeRegistered(c *Claims, name string, value []byte) (present, error) {
	switch name {
	case claimIss:
		s, err := claimString(name, value)
		c.Issuer = s
		return hasIss, err
	case claimSub:
		s, err := claimString(name, value)
		c.Subject = s
		return hasSub, err
	case claimJti:
		s, err := claimString(name, value)
		c.ID = s
		return hasJti, err
	case claimAud:
		aud, err := decodeAudience(value)
		c.Audience = aud
		return hasAud, err
	case claimExp:
		t, err := numericDate(name, value)
		c.ExpiresAt = t
		return hasExp, err
	case claimNbf:
		t, err := numericDate(name, value)
		c.NotBefore = t
		return hasNbf, err
	case claimIat:
		t, err := numericDate(name, value)
		c.IssuedAt = t
		return hasIat, err
	}
	return 0, nil
}

func claimString(name string, value []byte) (string, error) {
	s, err := strictjson.DecodeString(value)
	if err != nil {
		return "", fmt.Errorf("%w: claim %q must be a string", ErrMalformed, name)
	}
	return unsafe.String(unsafe.SliceData(s), len(s)), nil
}

func decodeAudience(value []byte) (Audience, error) {
	switch strictjson.KindOf(value) {
	case strictjson.String:
		s, err := claimString(claimAud, value)
		if err != nil {
			return nil, err
		}
		return Audience{s}, nil
	case strictjson.Array:
		var aud Audience
		err := strictjson.ForEachElement(value, 0, func(v []byte) error {
			s, err := strictjson.DecodeString(v)
			if err != nil {
				return fmt.Errorf("%w: claim \"aud\" must be a string or an array of strings", ErrMalformed)
			}
			aud = append(aud, unsafe.String(unsafe.SliceData(s), len(s)))
			return nil
		})
		return aud, err
	}
	return nil, fmt.Errorf("%w: claim \"aud\" must be a string or an array of strings", ErrMalformed)
}

// numericDate decodes a NumericDate: a JSON number (never a string) of
// seconds since the epoch, possibly fractional, in [0, 9999-12-31].
func numericDate(name string, value []byte) (time.Time, error) {
	if strictjson.KindOf(value) != strictjson.Number {
		return time.Time{}, fmt.Errorf("%w: claim %q must be a number", ErrMalformed, name)
	}
	if secs, err := strictjson.Int64(value); err == nil {
		if secs < 0 || secs > maxNumericDate {
			return time.Time{}, fmt.Errorf("%w: claim %q is out of range", ErrMalformed, name)
		}
		return time.Unix(secs, 0), nil
	}
	f, err := strictjson.Float64(value)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, fmt.Errorf("%w: claim %q is out of range", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// appendRegistered appends the members of c (without braces), each preceded
// by a comma unless it is the first member written.
func appendRegistered(dst []byte, c *Claims) ([]byte, bool, error) {
	first := true
	sep := func() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
	}
	var err error
	str := func(name, v string) {
		if v == "" || err != nil {
			return
		}
		sep()
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		dst, err = strictjson.AppendString(dst, v)
	}
	date := func(name string, t time.Time) {
		if t.IsZero() {
			return
		}
		sep()
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		dst = strconv.AppendInt(dst, t.Unix(), 10)
	}
	str(claimIss, c.Issuer)
	str(claimSub, c.Subject)
	switch len(c.Audience) {
	case 0:
	case 1:
		str(claimAud, c.Audience[0])
	default:
		sep()
		dst = append(dst, `"aud":[`...)
		for i, a := range c.Audience {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = strictjson.AppendString(dst, a); err != nil {
				break
			}
		}
		dst = append(dst, ']')
	}
	date(claimExp, c.ExpiresAt)
	date(claimNbf, c.NotBefore)
	date(claimIat, c.IssuedAt)
	str(claimJti, c.ID)
	if err != nil {
		return nil, false, fmt.Errorf("jwt: encoding claims: %w", err)
	}
	return dst, !first, nil
}
