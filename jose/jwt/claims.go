package jwt

import (
	"errors"
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

// decodeRegistered decodes one registered claim into c and reports which
// it was (0 for any other name). Strings alias value, which the caller never
// modifies. name is converted to a string only on the error path, so the
// common case does not allocate.
func decodeRegistered(c *Claims, name, value []byte) (present, error) {
	var err error
	switch string(name) {
	case claimIss:
		c.Issuer, err = claimString(value)
		return hasIss, claimErr(err, name)
	case claimSub:
		c.Subject, err = claimString(value)
		return hasSub, claimErr(err, name)
	case claimJti:
		c.ID, err = claimString(value)
		return hasJti, claimErr(err, name)
	case claimAud:
		c.Audience, err = decodeAudience(value)
		return hasAud, err
	case claimExp:
		c.ExpiresAt, err = numericDate(value)
		return hasExp, claimErr(err, name)
	case claimNbf:
		c.NotBefore, err = numericDate(value)
		return hasNbf, claimErr(err, name)
	case claimIat:
		c.IssuedAt, err = numericDate(value)
		return hasIat, claimErr(err, name)
	}
	return 0, nil
}

var (
	errNotString = errors.New("must be a string")
	errNotNumber = errors.New("must be a number")
	errRange     = errors.New("is out of range")
)

func claimErr(err error, name []byte) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: claim %q %v", ErrMalformed, name, err)
}

func claimString(value []byte) (string, error) {
	s, ok := strictjson.ValidString(value) // value was validated by ForEachMember
	if !ok {
		return "", errNotString
	}
	return unsafe.String(unsafe.SliceData(s), len(s)), nil
}

var errAudience = fmt.Errorf("%w: claim \"aud\" must be a string or an array of strings", ErrMalformed)

// decodeAudience decodes "aud", a string or an array of strings.
func decodeAudience(value []byte) (Audience, error) {
	switch strictjson.KindOf(value) {
	case strictjson.String:
		s, err := claimString(value)
		if err != nil {
			return nil, errAudience
		}
		return Audience{s}, nil
	case strictjson.Array:
		var aud Audience
		err := strictjson.ForEachElement(value, 0, func(v []byte) error {
			s, err := claimString(v)
			if err != nil {
				return errAudience
			}
			aud = append(aud, s)
			return nil
		})
		if err != nil {
			return nil, errAudience
		}
		return aud, nil
	}
	return nil, errAudience
}

// numericDate decodes a NumericDate: a JSON number (never a string) of
// seconds since the epoch, possibly fractional, in [0, 9999-12-31].
func numericDate(value []byte) (time.Time, error) {
	if strictjson.KindOf(value) != strictjson.Number {
		return time.Time{}, errNotNumber
	}
	// Fast path: a validated number of at most 12 digits (no sign,
	// fraction or exponent) is a whole number of seconds in range.
	if len(value) <= 12 {
		secs := int64(0)
		for _, c := range value {
			if c < '0' || c > '9' {
				secs = -1
				break
			}
			secs = secs*10 + int64(c-'0')
		}
		if secs >= 0 && secs <= maxNumericDate {
			return time.Unix(secs, 0), nil
		}
	}
	if secs, err := strictjson.Int64(value); err == nil {
		if secs < 0 || secs > maxNumericDate {
			return time.Time{}, errRange
		}
		return time.Unix(secs, 0), nil
	}
	f, err := strictjson.Float64(value)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, errRange
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
		if t.IsZero() || err != nil {
			return
		}
		if secs := t.Unix(); secs < 0 || secs > maxNumericDate {
			err = fmt.Errorf("%w: claim %q: %v is outside 1970 to 9999", ErrMisconfigured, name, t)
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
		// Not str, which omits "": Audience{""} is one (empty) audience.
		sep()
		dst = append(dst, `"aud":`...)
		if err == nil {
			dst, err = strictjson.AppendString(dst, c.Audience[0])
		}
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
