package jwe

import (
	"fmt"
	"slices"

	"github.com/wardauth/ward/jose/jwk"
)

// keyOps is implemented by keys that carry their JWK "key_ops". keyUse is
// the one place where jwe asks what a key may do, so that it follows
// package jwk's "use" and "key_ops" rules as they grow.
type keyOps interface{ KeyOps() []string }

// keyUse reports, as an error wrapping ErrKeyUse, whether the key's "use"
// or "key_ops" ([RFC 7517, Sections 4.2 and 4.3]) forbid it to decrypt (or,
// with encrypt set, to encrypt) with alg.
//
// [RFC 7517, Sections 4.2 and 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.2
func keyUse(k jwk.Key, alg jwk.Algorithm, encrypt bool) error {
	var use string
	switch k := k.(type) {
	case *jwk.PrivateKey:
		use = k.Public().Use()
	case interface{ Use() string }: // public keys, and secret keys that keep "use"
		use = k.Use()
	}
	if use == "sig" {
		return fmt.Errorf("%w: key %q is for signatures (\"use\":\"sig\")", ErrKeyUse, k.KeyID())
	}
	o, ok := k.(keyOps)
	if !ok || o.KeyOps() == nil {
		return nil
	}
	var allowed []string
	switch {
	case alg == jwk.Dir && encrypt:
		allowed = []string{"encrypt"}
	case alg == jwk.Dir:
		allowed = []string{"decrypt"}
	case alg.IsECDH():
		allowed = []string{"deriveKey", "deriveBits"}
	case encrypt:
		allowed = []string{"wrapKey", "encrypt"}
	default:
		allowed = []string{"unwrapKey", "decrypt"}
	}
	for _, op := range o.KeyOps() {
		if slices.Contains(allowed, op) {
			return nil
		}
	}
	return fmt.Errorf("%w: key %q has \"key_ops\" %v, none of %v", ErrKeyUse, k.KeyID(), o.KeyOps(), allowed)
}
