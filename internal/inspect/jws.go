package inspect

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jws"
)

// Token is what can be read of a compact JWS without verifying it.
type Token struct {
	// Header is the protected header, always a JSON object.
	Header json.RawMessage
	// Claims is the payload if it is a JSON object, else nil.
	Claims json.RawMessage
	// Payload is the payload when Claims is nil.
	Payload []byte
	// Dates holds the "exp", "nbf" and "iat" claims that are numbers.
	Dates []Date
	// SignatureBytes is the length of the decoded signature.
	SignatureBytes int
	// Warnings lists what a verifier, or a reader, should worry about.
	Warnings []string
}

// Date is one time claim of a token.
type Date struct {
	Name string    // "exp", "nbf" or "iat"
	Time time.Time // the instant the claim names
	Desc string    // relative to now: "expires in 9m", "issued 2h ago"
}

// JWS reads what u holds and what is dangerous about it, judging dates as
// of now: "alg" none or unknown, an empty signature, "jku", "jwk", "x5u"
// and "x5c" headers, "crit", no "typ", a payload that is not a (strict)
// JSON object, time claims that are not numbers, no "exp", a lifetime over
// a day, an expired or not yet valid token, one issued in the future.
func JWS(u *jws.Unverified, now time.Time) *Token {
	d := &Token{Header: u.RawHeader, SignatureBytes: len(u.Signature)}
	warn := func(format string, args ...any) {
		d.Warnings = append(d.Warnings, fmt.Sprintf(format, args...))
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
		if HasMember(u.RawHeader, name) {
			warn("header %q is present: a verifier that uses it to find the key lets the sender choose the key", name)
		}
	}
	if len(u.Header.Critical) > 0 {
		warn("header \"crit\" lists %s: verifiers that do not process them must reject the token", strings.Join(quoteAll(u.Header.Critical), ", "))
	}
	if !HasMember(u.RawHeader, "typ") {
		warn("no \"typ\" header: verifiers cannot tell this token from other JWTs")
	}

	if strictjson.KindOf(u.Payload) != strictjson.Object || !json.Valid(u.Payload) {
		d.Payload = u.Payload
		warn("the payload is not a JSON object")
		return d
	}
	d.Claims = u.Payload
	if err := strictjson.ForEachMember(u.Payload, 0, func([]byte, []byte) error { return nil }); err != nil {
		warn("the claims are not strict JSON, so verifiers reject them: %v", err)
	}
	times := map[string]time.Time{}
	for _, name := range []string{"exp", "nbf", "iat"} {
		raw, ok := Member(u.Payload, name)
		if !ok {
			continue
		}
		t, ok := NumericDate(raw)
		if !ok {
			warn("claim %q is not a number of seconds since 1970, so verifiers reject the token", name)
			continue
		}
		times[name] = t
		d.Dates = append(d.Dates, Date{Name: name, Time: t, Desc: describeDate(name, t, now)})
	}
	exp, hasExp := times["exp"]
	switch {
	case !hasExp:
		warn("no \"exp\" claim: the token never expires")
	case !now.Before(exp):
		warn("the token expired %s ago", HumanDuration(now.Sub(exp)))
	}
	if iat, ok := times["iat"]; ok {
		if hasExp && exp.Sub(iat) > 24*time.Hour {
			warn("lifetime of %s (exp - iat) is over a day", HumanDuration(exp.Sub(iat)))
		}
		if iat.After(now) {
			warn("issued in the future (in %s)", HumanDuration(iat.Sub(now)))
		}
	}
	if nbf, ok := times["nbf"]; ok && nbf.After(now) {
		warn("not valid yet: valid from %s, in %s", nbf.UTC().Format(time.RFC3339), HumanDuration(nbf.Sub(now)))
	}
	return d
}

func describeDate(name string, t, now time.Time) string {
	future := t.After(now)
	rel := HumanDuration(t.Sub(now))
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

// HumanDuration shows the length of d (its sign dropped) the way people
// say it: "42s", "9m", "3h5m", "12d".
func HumanDuration(d time.Duration) string {
	d = d.Abs()
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + "h"
		}
		return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// Member returns the raw value of the first member called name (compared
// exactly) of the JSON object data.
func Member(data []byte, name string) ([]byte, bool) {
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

// HasMember reports whether data is a JSON object with a member called
// name (compared exactly). Invalid JSON has no members.
func HasMember(data []byte, name string) bool {
	_, ok := Member(data, name)
	return ok
}

// NumericDate parses a JSON number of seconds since the epoch (RFC 7519,
// Section 2), up to the year 9999.
func NumericDate(raw []byte) (time.Time, bool) {
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
