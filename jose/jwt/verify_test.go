package jwt_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

type appClaims struct {
	jwt.Claims
	Roles  []string          `json:"roles"`
	Tenant string            `json:"tenant"`
	Meta   map[string]string `json:"meta"`
	Level  int               `json:"level"`
}

type pointerClaims struct {
	*jwt.Claims
	Tenant string `json:"tenant"`
}

func TestVerifyIntoDestinations(t *testing.T) {
	hs := testKey(t, jwk.HS256)
	tok := handToken(t, `{"alg":"HS256"}`, baseClaims(`,"sub":"alice","roles":["a","b"],"tenant":"t1","meta":{"k":"v"},"level":3,"other":true`), hs, jwk.HS256)
	v := newVerifier(setOf(t, hs), nil)

	var app appClaims
	if err := v.VerifyInto(tok, &app); err != nil {
		t.Fatal(err)
	}
	if app.Subject != "alice" || app.Issuer != issuer || !app.Audience.Contains(audience) || !app.ExpiresAt.Equal(now.Add(time.Hour)) ||
		len(app.Roles) != 2 || app.Roles[1] != "b" || app.Tenant != "t1" || app.Meta["k"] != "v" || app.Level != 3 {
		t.Errorf("appClaims = %+v", app)
	}

	var c jwt.Claims
	if err := v.VerifyInto(tok, &c); err != nil || c.Subject != "alice" {
		t.Errorf("Claims = %+v, %v", c, err)
	}

	pc := pointerClaims{Claims: new(jwt.Claims)}
	if err := v.VerifyInto(tok, &pc); err != nil || pc.Subject != "alice" || pc.Tenant != "t1" {
		t.Errorf("pointerClaims = %+v, %v", pc, err)
	}

	m := map[string]any{}
	if err := v.VerifyInto(tok, &m); err != nil {
		t.Fatal(err)
	}
	if m["sub"] != "alice" || m["other"] != true || m["level"] != float64(3) {
		t.Errorf("map = %v", m)
	}
	var nilMap map[string]any
	if err := v.VerifyInto(tok, &nilMap); err != nil || nilMap["tenant"] != "t1" {
		t.Errorf("nil map = %v, %v", nilMap, err)
	}

	// Destinations that cannot hold claims are a programming error, never
	// a panic and never a silent success.
	for _, dst := range []any{
		nil,
		(*jwt.Claims)(nil),
		(*appClaims)(nil),
		(*map[string]any)(nil),
		&pointerClaims{}, // embeds a nil *jwt.Claims
		jwt.Claims{},
		appClaims{},
		map[string]any{},
		new(int),
		"claims",
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("VerifyInto(%T) panicked: %v", dst, r)
				}
			}()
			if err := v.VerifyInto(tok, dst); !errors.Is(err, jwt.ErrMisconfigured) {
				t.Errorf("VerifyInto(%T) = %v, want ErrMisconfigured", dst, err)
			}
		}()
	}

	// A custom claim of the wrong type is malformed.
	bad := handToken(t, `{"alg":"HS256"}`, baseClaims(`,"level":"high"`), hs, jwk.HS256)
	if err := v.VerifyInto(bad, &appClaims{}); !errors.Is(err, jwt.ErrMalformed) {
		t.Errorf("level as string: got %v, want ErrMalformed", err)
	}
	// ... but Verify, which decodes only the registered claims, accepts it.
	if _, err := v.Verify(bad); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestVerifierConcurrent shares one Verifier between goroutines from its
// first use on (run with -race).
func TestVerifierConcurrent(t *testing.T) {
	hs := testKey(t, jwk.HS256)
	es := testKey(t, jwk.ES256)
	v := newVerifier(setOf(t, hs, es), nil)
	good := handToken(t, `{"alg":"HS256"}`, baseClaims(`,"tenant":"t1"`), hs, jwk.HS256)
	goodES := handToken(t, `{"alg":"ES256"}`, baseClaims(`,"tenant":"t2"`), es, jwk.ES256)
	expired := handToken(t, `{"alg":"HS256"}`, `{"iss":"`+issuer+`","aud":"api","exp":1}`, hs, jwk.HS256)
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for i := range 50 {
				var c appClaims
				switch (g + i) % 3 {
				case 0:
					if err = v.VerifyInto(good, &c); err == nil && c.Tenant != "t1" {
						err = errors.New("wrong tenant")
					}
				case 1:
					if err = v.VerifyInto(goodES, &c); err == nil && c.Tenant != "t2" {
						err = errors.New("wrong tenant")
					}
				case 2:
					if _, e := v.Verify(expired); !errors.Is(e, jwt.ErrExpired) {
						err = fmt.Errorf("expired token: got %v", e)
					}
				}
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
