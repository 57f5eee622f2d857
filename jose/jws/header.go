package jws

import (
	"fmt"
	"unsafe"

	"github.com/wardauth/ward/internal/crit"
	"github.com/wardauth/ward/internal/strictjson"
)

// parseHeader parses the decoded protected header. Strings in h alias data,
// which the caller must never modify. When strictAlg is set, "alg" must be a
// supported algorithm; UnsafeDecode clears it to show what a token claims.
func parseHeader(data []byte, maxDepth int, strictAlg bool, h *Header) (extra headerFlags, err error) {
	return parseHeaderJWK(data, maxDepth, strictAlg, h, nil)
}

// parseHeaderJWK is parseHeader that also sets *jwk, if jwk is not nil, to
// the raw JSON of the "jwk" member (for [VerifyEmbeddedKey] only).
func parseHeaderJWK(data []byte, maxDepth int, strictAlg bool, h *Header, jwk *[]byte) (extra headerFlags, err error) {
	err = strictjson.ForEachMember(data, maxDepth, func(name, value []byte) error {
		switch string(name) {
		case "alg":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			alg := knownAlgorithm(s)
			if alg == "" {
				if strictAlg {
					return fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, s)
				}
				alg = Algorithm(string(s))
			}
			h.Algorithm = alg
			extra |= hasAlg
		case "kid":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			h.KeyID = unsafe.String(unsafe.SliceData(s), len(s))
		case "typ":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			h.Type = unsafe.String(unsafe.SliceData(s), len(s))
		case "cty":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			h.ContentType = unsafe.String(unsafe.SliceData(s), len(s))
		case "crit":
			crit, err := parseCrit(value, maxDepth)
			if err != nil {
				return err
			}
			h.Critical = crit
		case "b64":
			// RFC 7797 unencoded payloads are not supported.
			if string(value) != "true" {
				return fmt.Errorf("%w: \"b64\": unencoded payloads are not supported", ErrUnsupportedCritical)
			}
		case "enc", "zip":
			return fmt.Errorf("%w: header has %q: this is a JWE, not a JWS", ErrMalformed, name)
		case "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256":
			// Never used to find or trust a key (DESIGN §2).
			extra |= hasEmbeddedKey
			if jwk != nil && string(name) == "jwk" {
				*jwk = value
			}
		}
		return nil
	})
	if err != nil {
		return 0, wrapJSON(err)
	}
	if extra&hasAlg == 0 {
		return 0, fmt.Errorf("%w: header has no \"alg\"", ErrMalformed)
	}
	if err := crit.CheckPresent(data, h.Critical); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return extra, nil
}

type headerFlags uint8

const (
	hasAlg headerFlags = 1 << iota
	hasEmbeddedKey
)

func headerString(name, value []byte) ([]byte, error) {
	s, ok := strictjson.ValidString(value) // value was validated by ForEachMember
	if !ok {
		return nil, fmt.Errorf("%w: header %q must be a string", ErrMalformed, name)
	}
	return s, nil
}

func parseCrit(value []byte, maxDepth int) ([]string, error) {
	c, err := crit.Parse(value, maxDepth)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return c, nil
}

// knownAlgorithm maps a header "alg" to its constant, comparing exactly:
// "none", "None", "hs256" and every other spelling are unknown.
func knownAlgorithm(s []byte) Algorithm {
	switch string(s) {
	case "HS256":
		return HS256
	case "HS384":
		return HS384
	case "HS512":
		return HS512
	case "RS256":
		return RS256
	case "RS384":
		return RS384
	case "RS512":
		return RS512
	case "PS256":
		return PS256
	case "PS384":
		return PS384
	case "PS512":
		return PS512
	case "ES256":
		return ES256
	case "ES384":
		return ES384
	case "ES512":
		return ES512
	case "EdDSA":
		return EdDSA
	}
	return ""
}

// wrapJSON makes a strictjson error a jws error: errors of our own pass
// through; JSON errors become ErrMalformed, keeping the JSON error in the
// chain.
func wrapJSON(err error) error {
	if isJWSError(err) {
		return err
	}
	return fmt.Errorf("%w: header: %w", ErrMalformed, err)
}

func isJWSError(err error) bool {
	for _, e := range []error{ErrMalformed, ErrTooLarge, ErrUnsupportedAlgorithm, ErrAlgorithmMismatch, ErrNoKey, ErrBadSignature, ErrUnsupportedCritical} {
		if errorsIs(err, e) {
			return true
		}
	}
	return false
}

// appendHeader appends the JSON of a protected header.
func appendHeader(dst []byte, h *Header) ([]byte, error) {
	dst = append(dst, `{"alg":"`...)
	dst = append(dst, h.Algorithm...)
	dst = append(dst, '"')
	var err error
	if h.KeyID != "" {
		dst = append(dst, `,"kid":`...)
		if dst, err = strictjson.AppendString(dst, h.KeyID); err != nil {
			return nil, err
		}
	}
	if h.Type != "" {
		dst = append(dst, `,"typ":`...)
		if dst, err = strictjson.AppendString(dst, h.Type); err != nil {
			return nil, err
		}
	}
	if h.ContentType != "" {
		dst = append(dst, `,"cty":`...)
		if dst, err = strictjson.AppendString(dst, h.ContentType); err != nil {
			return nil, err
		}
	}
	if len(h.Critical) > 0 {
		return nil, fmt.Errorf("%w: signing with \"crit\" is not supported", ErrUnsupportedCritical)
	}
	return append(dst, '}'), nil
}
