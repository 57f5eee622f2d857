package jwk_test

import (
	"errors"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
)

// "use" and "key_ops" decide which operations a key may be used for
// (RFC 7517, Sections 4.2 and 4.3), and are written back as read.
func TestCheckOp(t *testing.T) {
	t.Parallel()
	ec := func(extra ...string) []byte {
		return with([]string{"kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y)}, extra...)
	}
	oct := func(extra ...string) []byte {
		return with([]string{"kty", q("oct"), "alg", q("HS256"), "k", q(b64(make([]byte, 32)))}, extra...)
	}
	all := []jwk.KeyOp{jwk.OpSign, jwk.OpVerify, jwk.OpEncrypt, jwk.OpDecrypt, jwk.OpWrapKey, jwk.OpUnwrapKey, jwk.OpDeriveKey, jwk.OpDeriveBits}
	sig := []jwk.KeyOp{jwk.OpSign, jwk.OpVerify}
	enc := all[2:]
	for _, c := range []struct {
		name string
		data []byte
		ok   []jwk.KeyOp // the operations permitted; the others are not
	}{
		{"RFC 7517 4.2, 4.3: neither member", ec(), all},
		{"RFC 7517 4.2: use sig", ec("use", q("sig")), sig},
		{"RFC 7517 4.2: use enc", ec("use", q("enc")), enc},
		{"RFC 7517 4.3: key_ops verify", ec("key_ops", `["verify"]`), []jwk.KeyOp{jwk.OpVerify}},
		{"RFC 7517 4.3: key_ops encrypt (Wycheproof JWS tcId 356)", ec("key_ops", `["encrypt"]`), []jwk.KeyOp{jwk.OpEncrypt}},
		{"RFC 7517 4.3: key_ops empty", ec("key_ops", `[]`), nil},
		{"RFC 7517 4.3: key_ops with an unregistered value", ec("key_ops", `["frobnicate","verify"]`), []jwk.KeyOp{jwk.OpVerify}},
		{"RFC 7517 4.3: use sig and key_ops verify", ec("use", q("sig"), "key_ops", `["verify"]`), []jwk.KeyOp{jwk.OpVerify}},
		{"RFC 7517 4.3: use enc and key_ops verify (inconsistent)", ec("use", q("enc"), "key_ops", `["verify"]`), nil},
		{"RFC 7517 4.2: oct use enc", oct("use", q("enc")), enc},
		{"RFC 7517 4.3: oct key_ops sign", oct("key_ops", `["sign"]`), []jwk.KeyOp{jwk.OpSign}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := mustParseKey(t, c.data, "")
			for _, op := range all {
				err := k.CheckOp(op)
				want := false
				for _, o := range c.ok {
					want = want || o == op
				}
				if want && err != nil {
					t.Errorf("%s: %v", op, err)
				}
				if !want && !errors.Is(err, jwk.ErrOperationNotPermitted) {
					t.Errorf("%s: got %v, want ErrOperationNotPermitted", op, err)
				}
			}
			// Written back and read again, the key permits the same.
			out, err := marshalKey(k)
			if err != nil {
				t.Fatal(err)
			}
			if err := keysEqual(k, mustParseKey(t, out, "")); err != nil {
				t.Errorf("round trip of %s: %v", out, err)
			}
		})
	}
}
