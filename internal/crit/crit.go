// Package crit checks the "crit" (critical) header parameter that JWS and
// JWE share ([RFC 7515, Section 4.1.11], [RFC 7516, Section 4.1.13]), so
// that packages jws and jwe apply one rule.
//
// Errors are plain; callers wrap them in their own sentinel.
//
// [RFC 7515, Section 4.1.11]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
// [RFC 7516, Section 4.1.13]: https://www.rfc-editor.org/rfc/rfc7516#section-4.1.13
package crit

import (
	"errors"
	"fmt"

	"github.com/wardauth/ward/internal/strictjson"
)

// Registered reports whether name is a header parameter that RFC 7515,
// RFC 7516 or RFC 7518 defines; "crit" must not list them.
func Registered(name string) bool {
	switch name {
	case "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
		"enc", "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c":
		return true
	}
	return false
}

// Parse parses the JSON value of "crit": a non-empty array of distinct
// strings, none of them a registered parameter. value must already have been
// validated by strictjson (as [strictjson.ForEachMember] does).
func Parse(value []byte, maxDepth int) ([]string, error) {
	var crit []string
	err := strictjson.ForEachElement(value, maxDepth, func(v []byte) error {
		s, ok := strictjson.ValidString(v)
		if !ok {
			return errors.New(`"crit" must be an array of strings`)
		}
		name := string(s)
		if Registered(name) {
			return fmt.Errorf(`"crit" lists registered parameter %q`, name)
		}
		for _, c := range crit {
			if c == name {
				return fmt.Errorf(`"crit" lists %q twice`, name)
			}
		}
		crit = append(crit, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(crit) == 0 {
		return nil, errors.New(`"crit" must not be empty`)
	}
	return crit, nil
}

// CheckPresent returns an error unless every name in crit is a member of
// the header object hdr ([RFC 7515, Section 4.1.11]: a listed parameter
// must be present).
//
// [RFC 7515, Section 4.1.11]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
func CheckPresent(hdr []byte, crit []string) error {
	for _, c := range crit {
		found := false
		_ = strictjson.ForEachMember(hdr, 0, func(n, _ []byte) error {
			if string(n) == c {
				found = true
			}
			return nil
		})
		if !found {
			return fmt.Errorf("%q is listed in \"crit\" but absent", c)
		}
	}
	return nil
}
