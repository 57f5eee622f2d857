package jwt_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

type rfcVector struct {
	Name   string          `json:"name"`
	Source string          `json:"source"`
	Alg    jwk.Algorithm   `json:"alg"`
	Typ    string          `json:"typ"`
	JWK    json.RawMessage `json:"jwk"`
	Token  string          `json:"token"`
}

func loadRFC(t testing.TB) []rfcVector {
	t.Helper()
	data, err := os.ReadFile("testdata/rfc.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Source  string      `json:"source"`
		Vectors []rfcVector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Source == "" || len(f.Vectors) == 0 {
		t.Fatal("testdata/rfc.json is incomplete")
	}
	return f.Vectors
}

// The claims of RFC 7519, Section 3.1: {"iss":"joe","exp":1300819380,
// "http://example.com/is_root":true}, which expired in March 2011.
var rfcExp = time.Unix(1300819380, 0)

type rfcClaims struct {
	jwt.Claims
	IsRoot bool `json:"http://example.com/is_root"`
}

func TestRFCVectors(t *testing.T) {
	for _, v := range loadRFC(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			key, err := jwk.ParseKey(v.JWK, v.Alg)
			if err != nil {
				t.Fatalf("%s: %v", v.Source, err)
			}
			set := mustSet(t, key)
			at := func(d time.Duration, leeway time.Duration) *jwt.Verifier {
				return &jwt.Verifier{
					Keys: set, Issuer: "joe", InsecureSkipAudienceCheck: true,
					Now: func() time.Time { return rfcExp.Add(d) }, Leeway: leeway,
				}
			}

			c, err := at(-time.Hour, 0).Verify(v.Token)
			if err != nil {
				t.Fatalf("%s: %v", v.Source, err)
			}
			if c.Issuer != "joe" || !c.ExpiresAt.Equal(rfcExp) || c.Subject != "" || len(c.Audience) != 0 || !c.IssuedAt.IsZero() || !c.NotBefore.IsZero() {
				t.Errorf("claims = %+v", c)
			}

			var custom rfcClaims
			if err := at(-time.Hour, 0).VerifyInto(v.Token, &custom); err != nil {
				t.Fatal(err)
			}
			if !custom.IsRoot || custom.Issuer != "joe" {
				t.Errorf("custom claims = %+v", custom)
			}
			m := map[string]any{}
			if err := at(-time.Hour, 0).VerifyInto(v.Token, &m); err != nil {
				t.Fatal(err)
			}
			if m["http://example.com/is_root"] != true || m["iss"] != "joe" {
				t.Errorf("map claims = %v", m)
			}

			// The token is expired at exp, and today.
			if _, err := at(0, -1).Verify(v.Token); !errors.Is(err, jwt.ErrExpired) {
				t.Errorf("at exp: got %v, want ErrExpired", err)
			}
			if _, err := at(-time.Second, -1).Verify(v.Token); err != nil {
				t.Errorf("a second before exp: %v", err)
			}
			today := &jwt.Verifier{Keys: set, Issuer: "joe", InsecureSkipAudienceCheck: true}
			if _, err := today.Verify(v.Token); !errors.Is(err, jwt.ErrExpired) {
				t.Errorf("today: got %v, want ErrExpired", err)
			}
			// The issuer is checked, and so is the audience unless waived:
			// the example has none.
			wrongIss := at(-time.Hour, 0)
			wrongIss.Issuer = "jane"
			if _, err := wrongIss.Verify(v.Token); !errors.Is(err, jwt.ErrInvalidIssuer) {
				t.Errorf("issuer jane: got %v", err)
			}
			withAud := &jwt.Verifier{Keys: set, Issuer: "joe", Audience: "api", Now: func() time.Time { return rfcExp.Add(-time.Hour) }}
			if _, err := withAud.Verify(v.Token); !errors.Is(err, jwt.ErrInvalidAudience) {
				t.Errorf("audience api: got %v", err)
			}
			// Only A.1 has "typ":"JWT".
			typed := at(-time.Hour, 0)
			typed.Type = "JWT"
			_, err = typed.Verify(v.Token)
			if v.Typ == "JWT" && err != nil {
				t.Errorf("Type JWT: %v", err)
			}
			if v.Typ == "" && !errors.Is(err, jwt.ErrInvalidType) {
				t.Errorf("Type JWT, token without typ: got %v", err)
			}
		})
	}
}
