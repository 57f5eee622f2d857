package ops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jws"
)

// Decoded is what the page shows of a token before any key is given.
type Decoded struct {
	// Kind is "JWS" or "JWE".
	Kind string `json:"kind"`
	// Parts are the dot-separated segments of the token.
	Parts []string `json:"parts"`
	// Header is the protected header, indented, member order kept.
	Header string `json:"header"`
	// Alg is the header's "alg" as the token says it (for display only).
	Alg string `json:"alg"`
	// Claims is the payload, indented, if it is a JSON object.
	Claims string `json:"claims,omitempty"`
	// Payload is the payload when it is not a JSON object (quoted when it
	// is not printable text).
	Payload *string `json:"payload,omitempty"`
	// Dates are the time claims.
	Dates []Date `json:"dates"`
	// SignatureBytes is the length of a JWS signature.
	SignatureBytes int `json:"signature_bytes"`
	// Nested says a JWE holds a signed JWT ("cty":"JWT").
	Nested bool `json:"nested,omitempty"`
	// Sizes are the lengths of a JWE's encrypted key, IV, ciphertext and tag.
	Sizes map[string]int `json:"sizes,omitempty"`
	// Warnings are those of "ward decode".
	Warnings []string `json:"warnings"`
}

// Date is one time claim.
type Date struct {
	Name string `json:"name"`
	// Time is the instant in RFC 3339, UTC.
	Time string `json:"time"`
	// Unix is the instant in seconds since 1970.
	Unix int64 `json:"unix"`
	// Desc says it relative to now: "expires in 9m".
	Desc string `json:"desc"`
}

// Decode reads a token without verifying it, judging dates as of now, as
// "ward decode" does (with the same warnings).
func Decode(token string, now time.Time) (*Decoded, error) {
	token = cleanToken(token)
	if len(token) > MaxInput {
		return nil, fmt.Errorf("%w: the token is over %d bytes", ErrInput, MaxInput)
	}
	if inspect.IsJWE(token) {
		u, err := jwe.UnsafeDecode(token, 0)
		if err != nil {
			return nil, err
		}
		return &Decoded{
			Kind:   "JWE",
			Parts:  strings.Split(token, "."),
			Header: indent(u.RawHeader),
			Alg:    string(u.Header.Algorithm),
			Nested: inspect.IsNestedJWT(u),
			Sizes: map[string]int{
				"encrypted_key": u.EncryptedKeySize,
				"iv":            u.IVSize,
				"ciphertext":    u.CiphertextSize,
				"tag":           u.TagSize,
			},
			Dates:    []Date{},
			Warnings: orEmpty(inspect.JWE(u)),
		}, nil
	}
	u, err := jws.UnsafeDecode(token, 0)
	if err != nil {
		return nil, err
	}
	t := inspect.JWS(u, now)
	d := &Decoded{
		Kind:           "JWS",
		Parts:          strings.Split(token, "."),
		Header:         indent(t.Header),
		Alg:            string(u.Header.Algorithm),
		SignatureBytes: t.SignatureBytes,
		Dates:          []Date{},
		Warnings:       orEmpty(t.Warnings),
	}
	if t.Claims != nil {
		d.Claims = indent(t.Claims)
	} else {
		s := payloadText(t.Payload)
		d.Payload = &s
	}
	for _, dc := range t.Dates {
		d.Dates = append(d.Dates, Date{Name: dc.Name, Time: dc.Time.UTC().Format(time.RFC3339), Unix: dc.Time.Unix(), Desc: dc.Desc})
	}
	return d, nil
}

// cleanToken treats a pasted token as the CLI treats one read from a
// file: one trailing newline and a leading "Bearer " are dropped.
var cleanToken = inspect.CleanToken

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// indent pretty-prints valid JSON text, keeping member order and number
// spelling as they are in the token.
func indent(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// payloadText shows a payload that is not JSON: as text if it is UTF-8
// without control characters, quoted otherwise.
func payloadText(p []byte) string {
	if utf8.Valid(p) && !strings.ContainsFunc(string(p), func(r rune) bool {
		return r != '\n' && r != '\t' && unicode.IsControl(r)
	}) {
		return string(p)
	}
	return strconv.Quote(string(p))
}
