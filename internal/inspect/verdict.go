package inspect

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

// Reason is the message of err without the package prefixes ("jwt: ",
// "jws: ", "jwe: ", "jwk: ") that the wrapping repeats.
func Reason(err error) string {
	msg := err.Error()
	for {
		trimmed := msg
		for _, p := range []string{"jwt: ", "jws: ", "jwe: ", "jwk: "} {
			trimmed = strings.TrimPrefix(trimmed, p)
		}
		if trimmed == msg {
			return msg
		}
		msg = trimmed
	}
}

// Explain turns the error v returned for tok into the reason shown to a
// person, adding what the token holds when that helps (the issuer it
// names, the time it expired). It reads claims only for claim errors,
// which [jwt.Verifier] returns only after the signature verified.
func Explain(err error, tok string, v *jwt.Verifier, now time.Time) string {
	msg := Reason(err)
	claimError := errors.Is(err, jwt.ErrExpired) || errors.Is(err, jwt.ErrNotYetValid) ||
		errors.Is(err, jwt.ErrInvalidIssuer) || errors.Is(err, jwt.ErrInvalidAudience)
	if !claimError {
		if errors.Is(err, jwt.ErrInvalidType) {
			msg += fmt.Sprintf(" (expected %q)", v.Type)
		}
		return msg
	}
	u, derr := jws.UnsafeDecode(tok, len(tok))
	if derr != nil {
		return msg
	}
	switch {
	case errors.Is(err, jwt.ErrExpired):
		if raw, ok := Member(u.Payload, "exp"); ok {
			if t, ok := NumericDate(raw); ok {
				msg += fmt.Sprintf(" (exp %s, %s ago)", t.UTC().Format(time.RFC3339), HumanDuration(now.Sub(t)))
			}
		}
	case errors.Is(err, jwt.ErrNotYetValid):
		if raw, ok := Member(u.Payload, "nbf"); ok {
			if t, ok := NumericDate(raw); ok && t.After(now) {
				msg += fmt.Sprintf(" (nbf %s, in %s)", t.UTC().Format(time.RFC3339), HumanDuration(t.Sub(now)))
			}
		}
	case errors.Is(err, jwt.ErrInvalidIssuer):
		if raw, ok := Member(u.Payload, "iss"); ok {
			msg += fmt.Sprintf(": token has %s, expected %q", raw, v.Issuer)
		} else {
			msg += fmt.Sprintf(": token has no \"iss\", expected %q", v.Issuer)
		}
	case errors.Is(err, jwt.ErrInvalidAudience):
		if raw, ok := Member(u.Payload, "aud"); ok {
			msg += fmt.Sprintf(": token has %s, expected %q", raw, v.Audience)
		} else {
			msg += fmt.Sprintf(": token has no \"aud\", expected %q", v.Audience)
		}
	}
	return msg
}

// Code returns a stable snake_case name for the kind of a verification
// error: "bad_signature", "expired", "not_yet_valid", "malformed", …, or
// "invalid" for an error of no known kind.
func Code(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{jwt.ErrTooLarge, "too_large"},
		{jwt.ErrUnsupportedAlgorithm, "unsupported_algorithm"},
		{jwt.ErrAlgorithmMismatch, "algorithm_mismatch"},
		{jwt.ErrKeyNotPermitted, "key_not_permitted"},
		{jwt.ErrNoKey, "no_key"},
		{jwt.ErrBadSignature, "bad_signature"},
		{jwt.ErrUnsupportedCritical, "unsupported_critical"},
		{jwt.ErrExpired, "expired"},
		{jwt.ErrNotYetValid, "not_yet_valid"},
		{jwt.ErrInvalidIssuer, "invalid_issuer"},
		{jwt.ErrInvalidAudience, "invalid_audience"},
		{jwt.ErrInvalidType, "invalid_type"},
		{jwt.ErrMissingClaim, "missing_claim"},
		{jwt.ErrRevoked, "revoked"},
		{jwt.ErrMalformed, "malformed"},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "invalid"
}
