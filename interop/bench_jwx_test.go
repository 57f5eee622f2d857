//go:build goexperiment.jsonv2

package interop

import (
	"testing"

	xjwt "github.com/lestrrat-go/jwx/v4/jwt"
)

func init() {
	jwxBench.verify = func(tb testing.TB, f *fixture) func(string) error {
		// Exactly WithKey and WithValidate(false) take jwx's fast parse
		// path; Validate then runs the default exp/iat/nbf checks plus
		// ours. This beats one Parse with every option (82 allocs/op and
		// slower, for HS256): see docs/benchmarks.md.
		opts := []xjwt.ParseOption{xjwt.WithKey(jwxAlg(f.alg), f.pub), xjwt.WithValidate(false)}
		vopts := jwxValidation()
		return func(tok string) error {
			t, err := xjwt.Parse([]byte(tok), opts...)
			if err != nil {
				return err
			}
			if err := xjwt.Validate(t, vopts...); err != nil {
				return err
			}
			roles, err := xjwt.Get[[]string](t, "roles")
			if err != nil {
				return err
			}
			if len(roles) != 2 {
				return errRoles
			}
			return nil
		}
	}
	jwxBench.sign = func(tb testing.TB, f *fixture) func() error {
		var key any = f.priv
		if f.kid != "" {
			key = jwxKey(tb, f.priv, f)
		}
		alg := jwxAlg(f.alg)
		return func() error {
			t, err := xjwt.NewBuilder().
				Issuer(testIssuer).
				Subject(testSubject).
				Audience([]string{testAudience}).
				Expiration(benchExpiry).
				IssuedAt(benchIssuedAt).
				JwtID(testJTI).
				Claim("roles", testRoles).
				Build()
			if err != nil {
				return err
			}
			t.Options().Enable(xjwt.FlattenAudience)
			tok, err := xjwt.Sign(t, xjwt.WithKey(alg, key))
			signSink = string(tok)
			return err
		}
	}
}
