//go:build goexperiment.jsonv2

package interop

import (
	"testing"

	xjwe "github.com/lestrrat-go/jwx/v4/jwe"
)

func init() {
	jwxJWEBench.decrypt = func(tb testing.TB, c *jweBenchCase) func(string) ([]byte, error) {
		opt := xjwe.WithKey(jwxKeyAlg(c.key), c.key.priv)
		return func(tok string) ([]byte, error) {
			return xjwe.Decrypt([]byte(tok), opt)
		}
	}
}
