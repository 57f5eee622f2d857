package inspect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wardauth/ward/jose/jwe"
)

// IsJWE reports whether tok has the five segments of a compact JWE (a JWS
// has three).
func IsJWE(tok string) bool { return strings.Count(tok, ".") == 4 }

// IsNestedJWT reports whether the JWE u says it holds a signed JWT: its
// "cty" is "JWT" (a media type, so also "application/jwt", in any case;
// RFC 7519, Section 5.2).
func IsNestedJWT(u *jwe.Unverified) bool {
	cty := u.Header.ContentType
	return strings.EqualFold(cty, "JWT") || strings.EqualFold(cty, "application/jwt")
}

// JWE lists what a decrypter should worry about in the header of u:
// RSA1_5, unknown "alg" or "enc", compression, "jku", "jwk", "x5u" and
// "x5c" headers, "crit", a PBES2 count out of Ward's bounds.
func JWE(u *jwe.Unverified) []string {
	var warnings []string
	warn := func(format string, args ...any) {
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}
	h := u.Header
	alg, enc := string(h.Algorithm), string(h.Encryption)
	switch {
	case alg == "RSA1_5":
		warn("alg %q (RSAES-PKCS1-v1_5) invites padding-oracle attacks: Ward never decrypts it", alg)
	case !h.Algorithm.IsKeyManagement():
		warn("unknown key-management alg %q: no decrypter should accept it", alg)
	}
	if !h.Encryption.Known() {
		warn("unknown content encryption enc %q: no decrypter should accept it", enc)
	}
	switch h.Compression {
	case "":
	case "DEF":
		warn("the content is compressed (\"zip\":\"DEF\"): its length can leak secrets, and a decrypter must cap how far it inflates")
	default:
		warn("unknown compression zip %q: decrypters refuse it", h.Compression)
	}
	for _, name := range []string{"jku", "jwk", "x5u", "x5c"} {
		if HasMember(u.RawHeader, name) {
			warn("header %q is present: a decrypter that uses it to find the key lets the sender choose the key", name)
		}
	}
	if len(h.Critical) > 0 {
		warn("header \"crit\" lists %s: decrypters that do not process them must reject the token", strings.Join(quoteAll(h.Critical), ", "))
	}
	if raw, ok := Member(u.RawHeader, "p2c"); ok {
		n, err := strconv.ParseFloat(string(raw), 64)
		switch {
		case err != nil:
			warn("\"p2c\" is not a number: decrypters refuse the token")
		case n > jwe.DefaultMaxPBES2Count:
			warn("\"p2c\" %s is over %d: each iteration costs the decrypter an HMAC, so Ward refuses it by default", raw, jwe.DefaultMaxPBES2Count)
		case n < jwe.MinPBES2Count:
			warn("\"p2c\" %s is under %d: the password is cheap to guess, and Ward refuses it", raw, jwe.MinPBES2Count)
		}
	}
	return warnings
}
