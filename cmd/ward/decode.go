package main

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
	"github.com/wardauth/ward/jose/jws"
)

const decodeUsage = `Usage: ward decode [--json] [--at TIME] [TOKEN | FILE | -]

Shows the header and claims of a token WITHOUT VERIFYING IT: anyone can
forge what it prints. Use "ward verify" to check a token.

Of an encrypted token (a JWE, five segments) it shows the protected header
and the sizes of the other parts, with the line "encrypted: the content
cannot be shown without the key": "ward decrypt" shows the content.

The token is the argument, the content of the file the argument names, or
standard input ("-", or no argument when standard input is not a
terminal). One trailing newline is trimmed from files and standard input,
and a leading "Bearer " is dropped.

Dates ("exp", "nbf", "iat") are shown in RFC 3339 with the time to or from
now. Warnings flag what a verifier should worry about: "alg" none or
unknown, "jku", "jwk", "x5u" and "x5c" headers, "crit", no "typ", no "exp",
a lifetime over a day, an expired or not yet valid token, a payload that is
not a JSON object.

Flags:
    --json       print one JSON object: {"header", "claims", "dates",
                 "signature_bytes", "warnings", "verified": false}; a
                 payload that is not a JSON object is in "payload" as text.
                 For a JWE: {"type": "JWE", "header", "encrypted": true,
                 "content", "nested", "sizes", "warnings", "verified":
                 false}
    --at TIME    judge dates as of TIME (RFC 3339 or Unix seconds), not now
    -h, --help   show this help

Exit status: 0 if the token could be decoded (even with warnings), 1 if it
is malformed, 2 on a usage error.

Examples:
    $ ward sign --key key.jwk --sub alice | ward decode
    $ ward decode --json token.txt | jq .claims.sub
    $ ward decode "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."
    $ ward encrypt --password-file pw.txt claims.json | ward decode
`

func runDecode(e *env, args []string) int {
	fs := newFlagSet("decode")
	asJSON := fs.Bool("json", false, "")
	var at timeFlag
	fs.Var(&at, "at", "")
	pos, code := parseFlags(e, fs, args, decodeUsage)
	if code >= 0 {
		return code
	}
	tok, err := readToken(e, "decode", pos)
	if err != nil {
		return e.fail("decode", err)
	}
	if isJWE(tok) {
		return decodeJWE(e, tok, *asJSON)
	}
	u, err := jws.UnsafeDecode(tok, 0)
	if err != nil {
		e.errorf("cannot decode token: %s", reason(err))
		return exitInvalid
	}
	d := inspect.JWS(u, at.now())
	if *asJSON {
		return printDecodedJSON(e, d)
	}
	printDecoded(e, d)
	return exitOK
}

const notVerified = "NOT VERIFIED — decoded only; anyone can forge these contents"

// decoded is what decode shows of a token.
type decoded = inspect.Token

func printDecoded(e *env, d *decoded) {
	w := e.stdout
	fmt.Fprintf(w, "%s\n\nHeader:\n%s\n", notVerified, indentJSON(d.Header))
	if d.Claims != nil {
		fmt.Fprintf(w, "\nClaims:\n%s\n", indentJSON(d.Claims))
	} else {
		fmt.Fprintf(w, "\nPayload (not JSON):\n%s\n", payloadText(d.Payload))
	}
	if len(d.Dates) > 0 {
		fmt.Fprintf(w, "\nDates:\n")
		for _, dc := range d.Dates {
			fmt.Fprintf(w, "    %s  %s  %s\n", dc.Name, dc.Time.UTC().Format(time.RFC3339), dc.Desc)
		}
	}
	fmt.Fprintf(w, "\nSignature: %d bytes\n", d.SignatureBytes)
	if len(d.Warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings:\n")
		for _, s := range d.Warnings {
			fmt.Fprintf(w, "    - %s\n", s)
		}
	}
}

func printDecodedJSON(e *env, d *decoded) int {
	out := struct {
		Header         json.RawMessage   `json:"header"`
		Claims         json.RawMessage   `json:"claims"`
		Payload        *string           `json:"payload,omitempty"`
		Dates          map[string]string `json:"dates"`
		SignatureBytes int               `json:"signature_bytes"`
		Warnings       []string          `json:"warnings"`
		Verified       bool              `json:"verified"`
	}{
		Header:         d.Header,
		Claims:         d.Claims,
		Dates:          map[string]string{},
		SignatureBytes: d.SignatureBytes,
		Warnings:       d.Warnings,
	}
	if d.Claims == nil {
		out.Claims = json.RawMessage("null")
		s := payloadText(d.Payload)
		out.Payload = &s
	}
	for _, dc := range d.Dates {
		out.Dates[dc.Name] = dc.Time.UTC().Format(time.RFC3339)
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return printIndented(e, out)
}

// printIndented prints decode's --json result v, indented, on standard
// output.
func printIndented(e *env, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		e.errorf("encoding the result: %v", err)
		return exitInvalid
	}
	fmt.Fprintf(e.stdout, "%s\n", b)
	return exitOK
}

// indentJSON pretty-prints valid JSON text, keeping member order and
// number spelling as they are in the token.
func indentJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// payloadText shows a payload that is not JSON: as text if it is UTF-8
// without control characters (which could drive the terminal), quoted
// otherwise.
func payloadText(p []byte) string {
	if utf8.Valid(p) && !strings.ContainsFunc(string(p), func(r rune) bool {
		return r != '\n' && r != '\t' && unicode.IsControl(r)
	}) {
		return string(p)
	}
	return strconv.Quote(string(p))
}

// member, hasMember and numericDate read a JSON object's members and
// dates as decode and verify show them.
var (
	member      = inspect.Member
	hasMember   = inspect.HasMember
	numericDate = inspect.NumericDate
)
