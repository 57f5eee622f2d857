package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/wardauth/ward/jose/jwe"
)

// encryptedNote is the line decode prints in place of a JWE's content.
const encryptedNote = "encrypted: the content cannot be shown without the key"

// isJWE reports whether tok has the five segments of a compact JWE (a JWS
// has three).
func isJWE(tok string) bool { return strings.Count(tok, ".") == 4 }

// decodeJWE shows the protected header of a JWE and what is dangerous
// about it; the content stays encrypted.
func decodeJWE(e *env, tok string, asJSON bool) int {
	u, err := jwe.UnsafeDecode(tok, 0)
	if err != nil {
		e.errorf("cannot decode token: %s", reason(err))
		return exitInvalid
	}
	warnings := inspectJWE(u)
	// RFC 7519, Section 5.2: "cty" is "JWT" (a media type, so also
	// "application/jwt", in any case) for a nested JWT.
	cty := u.Header.ContentType
	nested := strings.EqualFold(cty, "JWT") || strings.EqualFold(cty, "application/jwt")
	if asJSON {
		out := struct {
			Type      string          `json:"type"`
			Header    json.RawMessage `json:"header"`
			Encrypted bool            `json:"encrypted"`
			Content   string          `json:"content"`
			Nested    bool            `json:"nested"`
			Sizes     map[string]int  `json:"sizes"`
			Warnings  []string        `json:"warnings"`
			Verified  bool            `json:"verified"`
		}{
			Type:      "JWE",
			Header:    u.RawHeader,
			Encrypted: true,
			Content:   encryptedNote,
			Nested:    nested,
			Sizes: map[string]int{
				"encrypted_key": u.EncryptedKeySize,
				"iv":            u.IVSize,
				"ciphertext":    u.CiphertextSize,
				"tag":           u.TagSize,
			},
			Warnings: warnings,
		}
		if out.Warnings == nil {
			out.Warnings = []string{}
		}
		return printIndented(e, out)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s\n\nJWE protected header:\n%s\n\n%s\n", notVerified, indentJSON(u.RawHeader), encryptedNote)
	if nested {
		fmt.Fprintf(w, "(\"cty\":\"JWT\": it holds a signed JWT; \"ward decrypt\", then \"ward verify\")\n")
	} else {
		fmt.Fprintf(w, "(\"ward decrypt\" shows it, given the key)\n")
	}
	fmt.Fprintf(w, "\nEncrypted key: %d bytes, IV: %d bytes, ciphertext: %d bytes, tag: %d bytes\n",
		u.EncryptedKeySize, u.IVSize, u.CiphertextSize, u.TagSize)
	if len(warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings:\n")
		for _, s := range warnings {
			fmt.Fprintf(w, "    - %s\n", s)
		}
	}
	return exitOK
}

// inspectJWE lists what a decrypter should worry about in a JWE header.
func inspectJWE(u *jwe.Unverified) []string {
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
		if hasMember(u.RawHeader, name) {
			warn("header %q is present: a decrypter that uses it to find the key lets the sender choose the key", name)
		}
	}
	if len(h.Critical) > 0 {
		warn("header \"crit\" lists %s: decrypters that do not process them must reject the token", strings.Join(quoteAll(h.Critical), ", "))
	}
	if raw, ok := member(u.RawHeader, "p2c"); ok {
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
