package jwt_test

import (
	"crypto/rsa"
	"strconv"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/josetest"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// now is the fixed instant of the tests: 2023-11-14T22:13:20Z.
var now = time.Unix(1_700_000_000, 0)

func fixedNow() time.Time { return now }

const (
	issuer   = "https://issuer.example"
	audience = "api"
)

func unix(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }

func itoa(i int) string { return strconv.Itoa(i) }

// The shared helpers live in internal/josetest; these names keep the tests
// short.
var (
	isAny     = josetest.IsAny
	b64       = josetest.B64
	testKey   = josetest.Key
	setOf     = josetest.Set
	hashOf    = josetest.HashOf
	rawSign   = josetest.RawSign
	handToken = josetest.HandToken
)

func rsaKey(t testing.TB) *rsa.PrivateKey { return josetest.RSAKey(t) }

func headerAlg(token string) jwk.Algorithm {
	u, err := jws.UnsafeDecode(token, 0)
	if err != nil {
		return ""
	}
	return u.Header.Algorithm
}
