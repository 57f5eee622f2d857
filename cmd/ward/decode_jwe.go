package main

import (
	"encoding/json"
	"fmt"

	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/jose/jwe"
)

// encryptedNote is the line decode prints in place of a JWE's content.
const encryptedNote = "encrypted: the content cannot be shown without the key"

// isJWE reports whether tok has the five segments of a compact JWE.
var isJWE = inspect.IsJWE

// decodeJWE shows the protected header of a JWE and what is dangerous
// about it; the content stays encrypted.
func decodeJWE(e *env, tok string, asJSON bool) int {
	u, err := jwe.UnsafeDecode(tok, 0)
	if err != nil {
		e.errorf("cannot decode token: %s", reason(err))
		return exitInvalid
	}
	warnings := inspect.JWE(u)
	nested := inspect.IsNestedJWT(u)
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
