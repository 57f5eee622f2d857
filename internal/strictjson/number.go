package strictjson

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"unsafe"
)

// Int64 parses raw, exactly one JSON number, as an int64. It returns an
// error wrapping [ErrType] if raw is not a number, and [ErrNumber] if the
// number is not integral or out of range. Integral numbers written with a
// fraction or exponent, such as 1.0 or 1e3, are accepted.
func Int64(raw []byte) (int64, error) {
	neg, mag, err := parseInteger(raw)
	if err != nil {
		return 0, err
	}
	if neg {
		if mag > 1<<63 {
			return 0, rangeError(raw, "int64")
		}
		return -int64(mag), nil
	}
	if mag > math.MaxInt64 {
		return 0, rangeError(raw, "int64")
	}
	return int64(mag), nil
}

// Uint64 is like [Int64] for an unsigned target.
func Uint64(raw []byte) (uint64, error) {
	neg, mag, err := parseInteger(raw)
	if err != nil {
		return 0, err
	}
	if neg && mag != 0 {
		return 0, rangeError(raw, "uint64")
	}
	return mag, nil
}

// Float64 parses raw, exactly one JSON number, as a float64, rounding to the
// nearest value. It returns an error wrapping [ErrType] if raw is not a
// number, and [ErrNumber] if its magnitude is too large for a float64.
// Numbers too small to represent become zero.
func Float64(raw []byte) (float64, error) {
	if err := checkNumber(raw); err != nil {
		return 0, err
	}
	// Fast path: up to 15 digits, no fraction or exponent, is exact.
	d := raw
	if d[0] == '-' {
		d = d[1:]
	}
	if len(d) <= 15 {
		var v uint64
		ok := true
		for _, c := range d {
			if c-'0' > 9 {
				ok = false
				break
			}
			v = v*10 + uint64(c-'0')
		}
		if ok {
			f := float64(v)
			if raw[0] == '-' {
				f = -f
			}
			return f, nil
		}
	}
	// strconv does not keep the string it is given past the call.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
			return 0, rangeError(raw, "float64")
		}
		return 0, newError(ErrSyntax, -1, "invalid number")
	}
	return f, nil
}

// checkNumber reports whether raw is exactly one JSON number.
func checkNumber(raw []byte) error {
	if len(raw) == 0 || (raw[0] != '-' && raw[0]-'0' > 9) {
		return typeError(raw, "number")
	}
	end, err := scanNumber(raw, 0)
	if err != nil {
		return err
	}
	if end != len(raw) {
		return newError(ErrSyntax, end, "invalid character "+quoteChar(raw[end])+" after number")
	}
	return nil
}

func rangeError(raw []byte, typ string) error {
	return newError(ErrNumber, -1, "number "+truncate(raw)+" out of range for "+typ)
}

// parseInteger parses raw, exactly one JSON number, as an integer of
// magnitude at most MaxUint64.
func parseInteger(raw []byte) (neg bool, mag uint64, err error) {
	if err := checkNumber(raw); err != nil {
		return false, 0, err
	}
	d := raw
	if d[0] == '-' {
		neg = true
		d = d[1:]
	}
	// Fast path: up to 19 digits, no fraction or exponent.
	if len(d) <= 19 {
		var v uint64
		ok := true
		for _, c := range d {
			if c-'0' > 9 {
				ok = false
				break
			}
			v = v*10 + uint64(c-'0')
		}
		if ok {
			return neg, v, nil
		}
	}
	// Slow path: value = mant × 10^exp with mant the digits of the integer
	// and fraction parts.
	i := 0
	for i < len(d) && d[i]-'0' <= 9 {
		i++
	}
	intPart := d[:i]
	var frac []byte
	if i < len(d) && d[i] == '.' {
		j := i + 1
		for j < len(d) && d[j]-'0' <= 9 {
			j++
		}
		frac = d[i+1 : j]
		i = j
	}
	// exp is an int64 so that the clamp below, and so the results, are the
	// same where int has 32 bits.
	var exp int64
	if i < len(d) { // 'e' or 'E'
		i++
		expNeg := false
		if d[i] == '+' || d[i] == '-' {
			expNeg = d[i] == '-'
			i++
		}
		for ; i < len(d); i++ {
			if exp < 1<<40 {
				exp = exp*10 + int64(d[i]-'0')
			}
		}
		if expNeg {
			exp = -exp
		}
	}
	exp -= int64(len(frac))
	// Count significant digits, ignoring leading zeros and moving trailing
	// zeros into the exponent.
	digit := func(k int) byte {
		if k < len(intPart) {
			return intPart[k]
		}
		return frac[k-len(intPart)]
	}
	n := len(intPart) + len(frac)
	lo := 0
	for lo < n && digit(lo) == '0' {
		lo++
	}
	if lo == n {
		return neg, 0, nil
	}
	hi := n
	for digit(hi-1) == '0' {
		hi--
		exp++
	}
	if exp < 0 {
		return false, 0, newError(ErrNumber, -1, "number "+truncate(raw)+" is not an integer")
	}
	if int64(hi-lo)+exp > 20 {
		return false, 0, rangeError(raw, "integer")
	}
	var v uint64
	for k := lo; k < hi+int(exp); k++ {
		d := uint64(0)
		if k < hi {
			d = uint64(digit(k) - '0')
		}
		h, l := bits.Mul64(v, 10)
		var carry uint64
		v, carry = bits.Add64(l, d, 0)
		if h != 0 || carry != 0 {
			return false, 0, rangeError(raw, "integer")
		}
	}
	return neg, v, nil
}

func truncate(raw []byte) string {
	if len(raw) > 40 {
		raw = raw[:40]
	}
	return string(raw)
}
