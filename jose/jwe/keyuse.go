package jwe

import (
	"fmt"

	"github.com/wardauth/ward/jose/jwk"
)

// opChecker is implemented by every jwk key: it says whether the key's
// "use" and "key_ops" members permit an operation.
type opChecker interface{ CheckOp(jwk.KeyOp) error }

// keyOps returns the operations ([RFC 7517, Section 4.3]) that decrypting
// (or, with encrypt set, encrypting) with alg performs with the key; the
// key must permit one of them. A dir key encrypts and decrypts content;
// an ECDH-ES key derives keys; the others wrap and unwrap keys (RSA-OAEP
// keys may also say "encrypt" and "decrypt", as some producers write).
//
// [RFC 7517, Section 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.3
func keyOps(alg jwk.Algorithm, encrypt bool) []jwk.KeyOp {
	switch {
	case alg == jwk.Dir && encrypt:
		return []jwk.KeyOp{jwk.OpEncrypt}
	case alg == jwk.Dir:
		return []jwk.KeyOp{jwk.OpDecrypt}
	case alg.IsECDH():
		return []jwk.KeyOp{jwk.OpDeriveKey, jwk.OpDeriveBits}
	case (alg == jwk.RSAOAEP || alg == jwk.RSAOAEP256) && encrypt:
		return []jwk.KeyOp{jwk.OpWrapKey, jwk.OpEncrypt}
	case alg == jwk.RSAOAEP || alg == jwk.RSAOAEP256:
		return []jwk.KeyOp{jwk.OpUnwrapKey, jwk.OpDecrypt}
	case encrypt:
		return []jwk.KeyOp{jwk.OpWrapKey}
	}
	return []jwk.KeyOp{jwk.OpUnwrapKey}
}

// keyUse reports, as an error wrapping ErrKeyUse (and
// [jwk.ErrOperationNotPermitted]), whether the key's "use" or "key_ops"
// ([RFC 7517, Sections 4.2 and 4.3]) forbid it to decrypt (or, with encrypt
// set, to encrypt) with alg: a key marked "use":"sig" never does either.
//
// [RFC 7517, Sections 4.2 and 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.2
func keyUse(k jwk.Key, alg jwk.Algorithm, encrypt bool) error {
	c, ok := k.(opChecker)
	if !ok {
		return nil
	}
	var first error
	for _, op := range keyOps(alg, encrypt) {
		err := c.CheckOp(op)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return fmt.Errorf("%w: key %q: %w", ErrKeyUse, k.KeyID(), first)
}
