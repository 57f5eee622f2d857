package inspect_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

var now = time.Unix(1_700_000_000, 0)

func token(header, payload string) string {
	return base64url.EncodeToString([]byte(header)) + "." + base64url.EncodeToString([]byte(payload)) + ".c2ln"
}

// TestJWSWarnings checks the warnings of ward decode, which the debugger
// page shows too, one row per concern.
func TestJWSWarnings(t *testing.T) {
	for _, tc := range []struct {
		header, payload, want string
	}{
		{`{"alg":"none"}`, `{"exp":1700000600}`, `alg "none": the token is not signed`},
		{`{"alg":"HS257","typ":"JWT"}`, `{"exp":1700000600}`, `unknown alg "HS257"`},
		{`{"alg":"HS256","typ":"JWT","jku":"https://x"}`, `{"exp":1700000600}`, `header "jku" is present`},
		{`{"alg":"HS256","typ":"JWT","x5u":"https://x"}`, `{"exp":1700000600}`, `header "x5u" is present`},
		{`{"alg":"HS256","typ":"JWT","crit":["b"],"b":1}`, `{"exp":1700000600}`, `header "crit" lists "b"`},
		{`{"alg":"HS256"}`, `{"exp":1700000600}`, `no "typ" header`},
		{`{"alg":"HS256","typ":"JWT"}`, `{"sub":"a"}`, `no "exp" claim`},
		{`{"alg":"HS256","typ":"JWT"}`, `{"exp":1699999000}`, `the token expired 16m ago`},
		{`{"alg":"HS256","typ":"JWT"}`, `{"iat":1690000000,"exp":1700000600}`, `is over a day`},
		{`{"alg":"HS256","typ":"JWT"}`, `{"exp":1700000600,"nbf":1700000300}`, `not valid yet`},
		{`{"alg":"HS256","typ":"JWT"}`, `{"exp":"soon"}`, `claim "exp" is not a number`},
		{`{"alg":"HS256","typ":"JWT"}`, `[1]`, `the payload is not a JSON object`},
		{`{"alg":"HS256","typ":"JWT"}`, `{"exp":1700000600,"a":1,"a":2}`, `not strict JSON`},
	} {
		u, err := jws.UnsafeDecode(token(tc.header, tc.payload), 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.header, err)
		}
		got := strings.Join(inspect.JWS(u, now).Warnings, "\n")
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s . %s: warnings\n%s\nwant %q", tc.header, tc.payload, got, tc.want)
		}
	}
}

func TestCleanToken(t *testing.T) {
	for in, want := range map[string]string{
		"a.b.c\n":         "a.b.c",
		"a.b.c\r\n":       "a.b.c",
		"a.b.c\n\n":       "a.b.c\n",
		"Bearer a.b.c":    "a.b.c",
		"bearer a.b.c\n":  "a.b.c",
		" a.b.c":          " a.b.c",
		"Bearer  a.b.c\n": " a.b.c",
	} {
		if got := inspect.CleanToken(in); got != want {
			t.Errorf("CleanToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCode(t *testing.T) {
	for err, want := range map[error]string{
		jwt.ErrExpired:      "expired",
		jwt.ErrBadSignature: "bad_signature",
		jwt.ErrNotYetValid:  "not_yet_valid",
		errors.New("x"):     "invalid",
	} {
		if got := inspect.Code(err); got != want {
			t.Errorf("Code(%v) = %q, want %q", err, got, want)
		}
	}
}

// FuzzJWS: the inspection of any token that decodes never panics, and its
// dates are the claims it names.
func FuzzJWS(f *testing.F) {
	f.Add(token(`{"alg":"HS256","typ":"JWT"}`, `{"iat":1690000000,"exp":1700000600,"nbf":1}`))
	f.Add(token(`{"alg":"none","jku":"x","crit":["a"]}`, `{"exp":"x"}`))
	f.Add(token(`{"alg":"HS256"}`, `not json`))
	f.Fuzz(func(t *testing.T, tok string) {
		u, err := jws.UnsafeDecode(tok, 0)
		if err != nil {
			return
		}
		d := inspect.JWS(u, now)
		for _, dc := range d.Dates {
			if !inspect.HasMember(u.Payload, dc.Name) {
				t.Fatalf("date %q is not a claim of %s", dc.Name, u.Payload)
			}
		}
	})
}
