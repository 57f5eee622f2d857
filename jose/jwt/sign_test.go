package jwt_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

// TestSignVerifyAllAlgorithms signs with every algorithm and verifies.
func TestSignVerifyAllAlgorithms(t *testing.T) {
	for _, alg := range jwk.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			key := testKey(t, alg)
			claims := &jwt.Claims{
				Issuer: issuer, Subject: "alice", Audience: jwt.Audience{audience, "other"},
				ExpiresAt: now.Add(time.Hour), NotBefore: now.Add(-time.Minute), IssuedAt: now, ID: "id-1",
			}
			tok, err := jwt.Sign(claims, key)
			if err != nil {
				t.Fatal(err)
			}
			u, err := jws.UnsafeDecode(tok, 0)
			if err != nil {
				t.Fatal(err)
			}
			wantHeader := `{"alg":"` + string(alg) + `"`
			if key.KeyID() != "" {
				wantHeader += `,"kid":"` + key.KeyID() + `"`
			}
			wantHeader += `,"typ":"JWT"}`
			if string(u.RawHeader) != wantHeader {
				t.Errorf("header = %s, want %s", u.RawHeader, wantHeader)
			}
			wantPayload := `{"iss":"` + issuer + `","sub":"alice","aud":["api","other"],"exp":` + unix(time.Hour) + `,"nbf":` + unix(-time.Minute) + `,"iat":` + unix(0) + `,"jti":"id-1"}`
			if string(u.Payload) != wantPayload {
				t.Errorf("payload = %s, want %s", u.Payload, wantPayload)
			}
			got, err := newVerifier(setOf(t, key), nil).Verify(tok)
			if err != nil {
				t.Fatal(err)
			}
			if got.Issuer != claims.Issuer || got.Subject != claims.Subject || len(got.Audience) != 2 || got.ID != claims.ID ||
				!got.ExpiresAt.Equal(claims.ExpiresAt) || !got.NotBefore.Equal(claims.NotBefore) || !got.IssuedAt.Equal(claims.IssuedAt) {
				t.Errorf("claims = %+v, want %+v", got, claims)
			}
		})
	}
}

func TestSignerOptions(t *testing.T) {
	key := testKey(t, jwk.ES256)
	s := &jwt.Signer{Key: key, Type: "at+jwt", Lifetime: 10 * time.Minute, Now: fixedNow}
	claims := &appClaims{Claims: jwt.Claims{Issuer: issuer, Audience: jwt.Audience{audience}, Subject: "alice"}, Roles: []string{"admin"}, Tenant: "t1"}
	tok, err := s.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	if !claims.ExpiresAt.IsZero() || !claims.IssuedAt.IsZero() {
		t.Error("Sign modified the caller's claims")
	}
	u, err := jws.UnsafeDecode(tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	if u.Header.Type != "at+jwt" {
		t.Errorf("typ = %q", u.Header.Type)
	}
	want := `{"iss":"` + issuer + `","sub":"alice","aud":"api","exp":` + unix(10*time.Minute) + `,"iat":` + unix(0) + `,"roles":["admin"],"tenant":"t1","meta":null,"level":0}`
	if string(u.Payload) != want {
		t.Errorf("payload =\n%s\nwant\n%s", u.Payload, want)
	}
	v := newVerifier(setOf(t, key), func(v *jwt.Verifier) { v.Type = "application/at+jwt" })
	var got appClaims
	if err := v.VerifyInto(tok, &got); err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "t1" || len(got.Roles) != 1 || !got.ExpiresAt.Equal(now.Add(10*time.Minute)) {
		t.Errorf("claims = %+v", got)
	}
	// An explicit exp is kept.
	claims.ExpiresAt = now.Add(time.Minute)
	tok, err = s.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.Verify(tok); err != nil || !c.ExpiresAt.Equal(now.Add(time.Minute)) || !c.IssuedAt.IsZero() {
		t.Errorf("explicit exp: %+v, %v", c, err)
	}
}

func TestSignClaimKinds(t *testing.T) {
	key := testKey(t, jwk.HS256)
	v := newVerifier(setOf(t, key), nil)
	exp := now.Add(time.Hour)
	type plain struct {
		Iss string   `json:"iss"`
		Aud []string `json:"aud"`
		Exp int64    `json:"exp"`
		X   string   `json:"x"`
	}
	for name, claims := range map[string]any{
		"Claims value":     jwt.Claims{Issuer: issuer, Audience: jwt.Audience{audience}, ExpiresAt: exp},
		"*Claims":          &jwt.Claims{Issuer: issuer, Audience: jwt.Audience{audience}, ExpiresAt: exp},
		"struct value":     appClaims{Claims: jwt.Claims{Issuer: issuer, Audience: jwt.Audience{audience}, ExpiresAt: exp}},
		"*struct":          &appClaims{Claims: jwt.Claims{Issuer: issuer, Audience: jwt.Audience{audience}, ExpiresAt: exp}},
		"plain struct":     plain{Iss: issuer, Aud: []string{audience}, Exp: exp.Unix(), X: "x"},
		"map":              map[string]any{"iss": issuer, "aud": audience, "exp": exp.Unix()},
		"map aud array":    map[string]any{"iss": issuer, "aud": []string{"x", audience}, "exp": float64(exp.Unix())},
		"map custom value": map[string]any{"iss": issuer, "aud": audience, "exp": exp.Unix(), "roles": []any{"a", 1.5, nil, map[string]any{"k": true}}},
	} {
		t.Run(name, func(t *testing.T) {
			tok, err := jwt.Sign(claims, key)
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.Verify(tok)
			if err != nil {
				t.Fatal(err)
			}
			if c.Issuer != issuer || !c.ExpiresAt.Equal(exp) {
				t.Errorf("claims = %+v", c)
			}
		})
	}
}

func TestSignMisuse(t *testing.T) {
	key := testKey(t, jwk.HS256)
	exp := now.Add(time.Hour)
	type conflict struct {
		jwt.Claims
		Exp int64 `json:"exp"`
	}
	type timeExp struct {
		Exp time.Time `json:"exp"`
	}
	cases := map[string]any{
		"nil":                      nil,
		"int":                      42,
		"string":                   `{"iss":"x"}`,
		"nil *struct":              (*appClaims)(nil),
		"nil *Claims":              (*jwt.Claims)(nil),
		"map[string]string":        map[string]string{"iss": "x"},
		"field conflicts w/Claims": &conflict{},
		"channel field":            &struct{ C chan int }{},
		"map exp time.Time":        map[string]any{"iss": issuer, "exp": exp},
		"map exp string":           map[string]any{"iss": issuer, "exp": "tomorrow"},
		"map iss number":           map[string]any{"iss": 1, "exp": exp.Unix()},
		"map aud number":           map[string]any{"aud": 1, "exp": exp.Unix()},
		"map exp negative":         map[string]any{"exp": -1},
		"struct exp time.Time":     timeExp{Exp: exp},
	}
	for name, claims := range cases {
		t.Run(name, func(t *testing.T) {
			tok, err := jwt.Sign(claims, key)
			if err == nil {
				t.Fatalf("Sign succeeded: %s", tok)
			}
			if !errors.Is(err, jwt.ErrMisconfigured) && !strings.HasPrefix(err.Error(), "jwt: encoding claims") {
				t.Errorf("got %v, want ErrMisconfigured", err)
			}
		})
	}
	if _, err := jwt.Sign(&jwt.Claims{}, nil); !errors.Is(err, jwt.ErrMisconfigured) {
		t.Errorf("nil key: got %v", err)
	}
	var s jwt.Signer
	if _, err := s.Sign(&jwt.Claims{}); !errors.Is(err, jwt.ErrMisconfigured) {
		t.Errorf("zero Signer: got %v", err)
	}
	// An unbound secret key cannot sign.
	unbound, err := jwk.ParseKey([]byte(`{"kty":"oct","k":"`+b64(strings.Repeat("k", 32))+`"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.Sign(&jwt.Claims{}, unbound.(jwk.SigningKey)); err == nil {
		t.Error("unbound key signed")
	}
}

// TestSignDateRange: a date that the Verifier would refuse as malformed is
// refused when signing, rather than producing a token nobody accepts.
func TestSignDateRange(t *testing.T) {
	key, err := jwk.Generate(jwk.HS256)
	if err != nil {
		t.Fatal(err)
	}
	for _, when := range []time.Time{time.Unix(-1, 0), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		_, err := jwt.Sign(&jwt.Claims{ExpiresAt: when}, key)
		if !errors.Is(err, jwt.ErrMisconfigured) {
			t.Errorf("exp %v: got %v, want ErrMisconfigured", when, err)
		}
	}
}
