package jwe

import (
	"fmt"
	"unsafe"

	"github.com/wardauth/ward/internal/crit"
	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
)

// header is a parsed protected header: the public [Header] and the
// algorithm parameters of RFC 7518, kept raw until the algorithm needs them.
type header struct {
	Header
	epk      []byte // the "epk" JSON object
	apu, apv []byte // base64url text of "apu" and "apv"
	p2s      []byte // base64url text of "p2s"
	p2c      []byte // the "p2c" JSON number
}

// parseHeader parses the decoded protected header ([RFC 7516, Section 4]).
// Strings in h alias data, which must not be modified. Unknown members are
// ignored; "crit" follows the JWS rules. When strict is false (for
// UnsafeDecode), "alg" and "enc" may name anything.
//
// [RFC 7516, Section 4]: https://www.rfc-editor.org/rfc/rfc7516#section-4
func parseHeader(data []byte, maxDepth int, strict bool, h *header) error {
	var hasAlg, hasEnc bool
	err := strictjson.ForEachMember(data, maxDepth, func(name, value []byte) error {
		switch string(name) {
		case "alg":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			h.Algorithm, hasAlg = knownAlgorithm(s), true
			if h.Algorithm == "" {
				if strict {
					return unsupportedAlg(s)
				}
				h.Algorithm = jwk.Algorithm(aliasString(s))
			}
		case "enc":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			h.Encryption, hasEnc = knownEncryption(s), true
			if h.Encryption == "" {
				if strict {
					return fmt.Errorf("%w: \"enc\" %q", ErrUnsupportedAlgorithm, s)
				}
				h.Encryption = Encryption(aliasString(s))
			}
		case "zip":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			// RFC 7516, Section 4.1.3: "DEF", case-sensitive; nothing else.
			if string(s) != "DEF" && strict {
				return fmt.Errorf("%w: \"zip\" %q (only \"DEF\")", ErrUnsupportedCompression, s)
			}
			h.Compression = aliasString(s)
		case "kid", "typ", "cty":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			switch name[0] {
			case 'k':
				h.KeyID = aliasString(s)
			case 't':
				h.Type = aliasString(s)
			default:
				h.ContentType = aliasString(s)
			}
		case "crit":
			c, err := crit.Parse(value, maxDepth)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			h.Critical = c
		case "epk":
			if strictjson.KindOf(value) != strictjson.Object {
				return fmt.Errorf("%w: \"epk\" is not a JSON object", ErrInvalidEphemeralKey)
			}
			h.epk = value
		case "apu", "apv":
			s, err := headerString(name, value)
			if err != nil {
				return err
			}
			if name[2] == 'u' {
				h.apu = s
			} else {
				h.apv = s
			}
		case "p2s":
			s, ok := strictjson.ValidString(value)
			if !ok {
				return fmt.Errorf("%w: \"p2s\" is not a string", ErrInvalidPBES2)
			}
			h.p2s = s
		case "p2c":
			h.p2c = value
		}
		return nil
	})
	if err != nil {
		if isJWEError(err) {
			return err
		}
		return fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if !hasAlg {
		return fmt.Errorf("%w: header has no \"alg\"", ErrMalformed)
	}
	if !hasEnc {
		return fmt.Errorf("%w: header has no \"enc\" (a JWS is not a JWE)", ErrMalformed)
	}
	if err := crit.CheckPresent(data, h.Critical); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

func headerString(name, value []byte) ([]byte, error) {
	s, ok := strictjson.ValidString(value) // validated by ForEachMember
	if !ok {
		return nil, fmt.Errorf("%w: header %q must be a string", ErrMalformed, name)
	}
	return s, nil
}

// aliasString returns b as a string without copying; b must never change.
func aliasString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// knownAlgorithm maps a header "alg" to its key-management constant,
// comparing exactly.
func knownAlgorithm(s []byte) jwk.Algorithm {
	switch string(s) {
	case "dir":
		return jwk.Dir
	case "A128KW":
		return jwk.A128KW
	case "A256KW":
		return jwk.A256KW
	case "RSA-OAEP":
		return jwk.RSAOAEP
	case "RSA-OAEP-256":
		return jwk.RSAOAEP256
	case "ECDH-ES":
		return jwk.ECDHES
	case "ECDH-ES+A128KW":
		return jwk.ECDHESA128KW
	case "ECDH-ES+A256KW":
		return jwk.ECDHESA256KW
	case "PBES2-HS256+A128KW":
		return jwk.PBES2HS256A128KW
	case "PBES2-HS512+A256KW":
		return jwk.PBES2HS512A256KW
	}
	return ""
}

func unsupportedAlg(s []byte) error {
	switch {
	case string(s) == "RSA1_5":
		return fmt.Errorf("%w: \"RSA1_5\" is not supported (RSAES-PKCS1-v1_5 invites padding oracles)", ErrUnsupportedAlgorithm)
	case jwk.Algorithm(s).Known():
		return fmt.Errorf("%w: %q is a JWS algorithm, not a key-management algorithm", ErrUnsupportedAlgorithm, s)
	}
	return fmt.Errorf("%w: \"alg\" %q", ErrUnsupportedAlgorithm, s)
}

func knownEncryption(s []byte) Encryption {
	switch string(s) {
	case "A128GCM":
		return A128GCM
	case "A256GCM":
		return A256GCM
	case "A128CBC-HS256":
		return A128CBCHS256
	case "A256CBC-HS512":
		return A256CBCHS512
	}
	return ""
}

func isJWEError(err error) bool {
	for _, e := range []error{ErrMalformed, ErrUnsupportedAlgorithm, ErrUnsupportedCompression, ErrInvalidEphemeralKey, ErrInvalidPBES2} {
		if errorsIs(err, e) {
			return true
		}
	}
	return false
}

// appendHeader appends the JSON of a protected header with the algorithm
// parameters in params (already JSON, starting with a comma, or empty).
func appendHeader(dst []byte, h *Header, params []byte) ([]byte, error) {
	dst = append(dst, `{"alg":"`...)
	dst = append(dst, h.Algorithm...)
	dst = append(dst, `","enc":"`...)
	dst = append(dst, h.Encryption...)
	dst = append(dst, '"')
	if h.Compression != "" {
		dst = append(dst, `,"zip":"DEF"`...)
	}
	var err error
	for _, m := range [3]struct{ name, value string }{{"kid", h.KeyID}, {"typ", h.Type}, {"cty", h.ContentType}} {
		if m.value == "" {
			continue
		}
		dst = append(dst, `,"`...)
		dst = append(dst, m.name...)
		dst = append(dst, `":`...)
		if dst, err = strictjson.AppendString(dst, m.value); err != nil {
			return nil, fmt.Errorf("%w: header %q: %w", ErrMisconfigured, m.name, err)
		}
	}
	dst = append(dst, params...)
	return append(dst, '}'), nil
}
