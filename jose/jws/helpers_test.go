package jws_test

import (
	"strconv"
	"testing"

	"crypto/rsa"

	"github.com/wardauth/ward/internal/josetest"
)

// The shared helpers live in internal/josetest; these names keep the tests
// short.
var (
	isAny           = josetest.IsAny
	b64             = josetest.B64
	testKey         = josetest.Key
	verificationSet = josetest.Set
	hashOf          = josetest.HashOf
	rawSign         = josetest.RawSign
	handToken       = josetest.HandToken
	derOf           = josetest.DER
	signPSSSalt     = josetest.SignPSSSalt
)

func itoa(i int) string { return strconv.Itoa(i) }

func rsaKey(t testing.TB) *rsa.PrivateKey { return josetest.RSAKey(t) }
