package dpop

import (
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jws"
)

// claims are the claims of a proof ([RFC 9449, Section 4.2]). Strings alias
// the payload.
//
// [RFC 9449, Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
type claims struct {
	jti, htm, htu, ath, nonce string
	iat                       time.Time
	have                      uint8
}

const (
	hasJti uint8 = 1 << iota
	hasHtm
	hasHtu
	hasIat
	hasAth
	hasNonce
	required = hasJti | hasHtm | hasHtu | hasIat
)

// maxNumericDate bounds "iat": 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

func (c *claims) parse(payload []byte) error {
	err := strictjson.ForEachMember(payload, jws.DefaultMaxDepth, func(name, value []byte) error {
		var (
			dst *string
			bit uint8
		)
		switch string(name) {
		case "jti":
			dst, bit = &c.jti, hasJti
		case "htm":
			dst, bit = &c.htm, hasHtm
		case "htu":
			dst, bit = &c.htu, hasHtu
		case "ath":
			dst, bit = &c.ath, hasAth
		case "nonce":
			dst, bit = &c.nonce, hasNonce
		case "iat":
			t, err := numericDate(value)
			if err != nil {
				return fmt.Errorf("%w: \"iat\": %v", ErrMalformed, err)
			}
			c.iat = t
			c.have |= hasIat
			return nil
		default:
			return nil
		}
		s, ok := strictjson.ValidString(value)
		if !ok {
			return fmt.Errorf("%w: %q must be a string", ErrMalformed, name)
		}
		*dst = unsafe.String(unsafe.SliceData(s), len(s))
		c.have |= bit
		return nil
	})
	if err != nil {
		if isDPoPError(err) {
			return err
		}
		return fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	if c.have&required != required {
		for _, m := range []struct {
			bit  uint8
			name string
		}{{hasJti, "jti"}, {hasHtm, "htm"}, {hasHtu, "htu"}, {hasIat, "iat"}} {
			if c.have&m.bit == 0 {
				return fmt.Errorf("%w: %w: %q", ErrMalformed, ErrMissingClaim, m.name)
			}
		}
	}
	if c.jti == "" || len(c.jti) > maxIDLength {
		return fmt.Errorf("%w: \"jti\" of %d bytes (want 1 to %d)", ErrMalformed, len(c.jti), maxIDLength)
	}
	return nil
}

// numericDate decodes a NumericDate ([RFC 7519, Section 2]): a JSON number
// of seconds since the epoch, possibly fractional, in [0, 9999-12-31].
//
// [RFC 7519, Section 2]: https://www.rfc-editor.org/rfc/rfc7519#section-2
func numericDate(value []byte) (time.Time, error) {
	if secs, err := strictjson.Int64(value); err == nil {
		if secs < 0 || secs > maxNumericDate {
			return time.Time{}, fmt.Errorf("%d is out of range", secs)
		}
		return time.Unix(secs, 0), nil
	}
	f, err := strictjson.Float64(value)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, fmt.Errorf("not a date in range")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
