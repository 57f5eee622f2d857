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

	"github.com/wardauth/ward/internal/strictjson"
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
	d := inspect(u, at.now())
	if *asJSON {
		return d.printJSON(e)
	}
	d.print(e)
	return exitOK
}

const notVerified = "NOT VERIFIED — decoded only; anyone can forge these contents"

// decoded is what decode shows of a token.
type decoded struct {
	header    json.RawMessage // always a JSON object
	claims    json.RawMessage // nil if the payload is not a JSON object
	payload   []byte          // the payload when claims is nil
	dates     []dateClaim
	signature int
	warnings  []string
}

type dateClaim struct {
	name string
	t    time.Time
	desc string // "expires in 9m"
}

// inspect reads what u holds and what is dangerous about it, judging dates
// as of now.
func inspect(u *jws.Unverified, now time.Time) *decoded {
	d := &decoded{header: u.RawHeader, signature: len(u.Signature)}
	warn := func(format string, args ...any) {
		d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
	}

	alg := string(u.Header.Algorithm)
	switch {
	case strings.EqualFold(alg, "none"):
		warn("alg %q: the token is not signed, so anyone can forge it", alg)
	case !u.Header.Algorithm.Known():
		warn("unknown alg %q: no verifier should accept it", alg)
	case len(u.Signature) == 0:
		warn("the signature is empty")
	}
	for _, name := range []string{"jku", "jwk", "x5u", "x5c"} {
		if hasMember(u.RawHeader, name) {
			warn("header %q is present: a verifier that uses it to find the key lets the sender choose the key", name)
		}
	}
	if len(u.Header.Critical) > 0 {
		warn("header \"crit\" lists %s: verifiers that do not process them must reject the token", strings.Join(quoteAll(u.Header.Critical), ", "))
	}
	if !hasMember(u.RawHeader, "typ") {
		warn("no \"typ\" header: verifiers cannot tell this token from other JWTs")
	}

	if strictjson.KindOf(u.Payload) != strictjson.Object || !json.Valid(u.Payload) {
		d.payload = u.Payload
		warn("the payload is not a JSON object")
		return d
	}
	d.claims = u.Payload
	if err := strictjson.ForEachMember(u.Payload, 0, func([]byte, []byte) error { return nil }); err != nil {
		warn("the claims are not strict JSON, so verifiers reject them: %v", err)
	}
	times := map[string]time.Time{}
	for _, name := range []string{"exp", "nbf", "iat"} {
		raw, ok := member(u.Payload, name)
		if !ok {
			continue
		}
		t, ok := numericDate(raw)
		if !ok {
			warn("claim %q is not a number of seconds since 1970, so verifiers reject the token", name)
			continue
		}
		times[name] = t
		d.dates = append(d.dates, dateClaim{name: name, t: t, desc: describeDate(name, t, now)})
	}
	exp, hasExp := times["exp"]
	switch {
	case !hasExp:
		warn("no \"exp\" claim: the token never expires")
	case !now.Before(exp):
		warn("the token expired %s ago", humanDuration(now.Sub(exp)))
	}
	if iat, ok := times["iat"]; ok {
		if hasExp && exp.Sub(iat) > 24*time.Hour {
			warn("lifetime of %s (exp - iat) is over a day", humanDuration(exp.Sub(iat)))
		}
		if iat.After(now) {
			warn("issued in the future (in %s)", humanDuration(iat.Sub(now)))
		}
	}
	if nbf, ok := times["nbf"]; ok && nbf.After(now) {
		warn("not valid yet: valid from %s, in %s", nbf.UTC().Format(time.RFC3339), humanDuration(nbf.Sub(now)))
	}
	return d
}

func describeDate(name string, t, now time.Time) string {
	future := t.After(now)
	rel := humanDuration(t.Sub(now))
	switch name {
	case "exp":
		if future {
			return "expires in " + rel
		}
		return "expired " + rel + " ago"
	case "nbf":
		if future {
			return "valid in " + rel
		}
		return "valid since " + rel + " ago"
	}
	if future {
		return "issued in " + rel + " (in the future)"
	}
	return "issued " + rel + " ago"
}

// member returns the raw value of the member name of the JSON object data.
func member(data []byte, name string) ([]byte, bool) {
	var value []byte
	found := false
	_ = strictjson.ForEachMember(data, 0, func(n, v []byte) error {
		if !found && string(n) == name {
			value, found = v, true
		}
		return nil
	})
	return value, found
}

// numericDate parses a JSON number of seconds since the epoch.
func numericDate(raw []byte) (time.Time, bool) {
	if strictjson.KindOf(raw) != strictjson.Number {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f < 0 || f > 253402300799 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return q
}

func (d *decoded) print(e *env) {
	w := e.stdout
	fmt.Fprintf(w, "%s\n\nHeader:\n%s\n", notVerified, indentJSON(d.header))
	if d.claims != nil {
		fmt.Fprintf(w, "\nClaims:\n%s\n", indentJSON(d.claims))
	} else {
		fmt.Fprintf(w, "\nPayload (not JSON):\n%s\n", payloadText(d.payload))
	}
	if len(d.dates) > 0 {
		fmt.Fprintf(w, "\nDates:\n")
		for _, dc := range d.dates {
			fmt.Fprintf(w, "    %s  %s  %s\n", dc.name, dc.t.UTC().Format(time.RFC3339), dc.desc)
		}
	}
	fmt.Fprintf(w, "\nSignature: %d bytes\n", d.signature)
	if len(d.warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings:\n")
		for _, s := range d.warnings {
			fmt.Fprintf(w, "    - %s\n", s)
		}
	}
}

func (d *decoded) printJSON(e *env) int {
	out := struct {
		Header         json.RawMessage   `json:"header"`
		Claims         json.RawMessage   `json:"claims"`
		Payload        *string           `json:"payload,omitempty"`
		Dates          map[string]string `json:"dates"`
		SignatureBytes int               `json:"signature_bytes"`
		Warnings       []string          `json:"warnings"`
		Verified       bool              `json:"verified"`
	}{
		Header:         d.header,
		Claims:         d.claims,
		Dates:          map[string]string{},
		SignatureBytes: d.signature,
		Warnings:       d.warnings,
	}
	if d.claims == nil {
		out.Claims = json.RawMessage("null")
		s := payloadText(d.payload)
		out.Payload = &s
	}
	for _, dc := range d.dates {
		out.Dates[dc.name] = dc.t.UTC().Format(time.RFC3339)
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
