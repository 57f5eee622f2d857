package jwk

import (
	"errors"
	"fmt"
	"slices"
)

// KeyOp is a JWK "key_ops" value ([RFC 7517, Section 4.3]): an operation
// that a key is meant for.
//
// [RFC 7517, Section 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.3
type KeyOp string

// The key operations of [RFC 7517, Section 4.3]. Other values may appear in
// a JWK and are kept; they permit nothing this module does.
//
// [RFC 7517, Section 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.3
const (
	OpSign       KeyOp = "sign"       // compute a digital signature or MAC
	OpVerify     KeyOp = "verify"     // verify a digital signature or MAC
	OpEncrypt    KeyOp = "encrypt"    // encrypt content
	OpDecrypt    KeyOp = "decrypt"    // decrypt content and validate decryption
	OpWrapKey    KeyOp = "wrapKey"    // encrypt a key
	OpUnwrapKey  KeyOp = "unwrapKey"  // decrypt a key and validate decryption
	OpDeriveKey  KeyOp = "deriveKey"  // derive a key
	OpDeriveBits KeyOp = "deriveBits" // derive bits not to be used as a key
)

// ErrOperationNotPermitted means that a key's "use" or "key_ops" member
// does not allow the operation asked of it, such as verifying a signature
// with a key marked "use":"enc" or whose "key_ops" lacks "verify".
var ErrOperationNotPermitted = errors.New("jwk: key is not meant for this operation")

// usage holds the "use" and "key_ops" members of a key. The zero value
// permits every operation: a JWK without either member.
type usage struct {
	use string  // "sig", "enc" or "" (absent)
	ops []KeyOp // nil when "key_ops" is absent; never modified
}

// check returns nil if u permits op, or an error wrapping
// [ErrOperationNotPermitted] that says why not. "use":"sig" permits sign
// and verify, "use":"enc" every other operation ([RFC 7517, Section 4.2]);
// "key_ops" permits the operations it lists ([RFC 7517, Section 4.3]).
// When both are present, both must permit op.
//
// [RFC 7517, Section 4.2]: https://www.rfc-editor.org/rfc/rfc7517#section-4.2
// [RFC 7517, Section 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.3
func (u usage) check(op KeyOp) error {
	if u.use != "" {
		want := "enc"
		if op == OpSign || op == OpVerify {
			want = "sig"
		}
		if u.use != want {
			return fmt.Errorf("%w: key has \"use\":%q, cannot %s", ErrOperationNotPermitted, u.use, op)
		}
	}
	if u.ops != nil && !slices.Contains(u.ops, op) {
		return fmt.Errorf("%w: key's \"key_ops\" %q lacks %q", ErrOperationNotPermitted, u.ops, op)
	}
	return nil
}

// Use returns the JWK "use" member: "sig", "enc" or "" (absent). See
// [PublicKey.CheckOp].
func (k *PublicKey) Use() string { return k.use }

// KeyOps returns the JWK "key_ops" member, or nil if it is absent. The
// caller must not modify the slice.
func (k *PublicKey) KeyOps() []KeyOp { return k.ops }

// CheckOp returns nil if k may be used for op, and otherwise an error
// wrapping [ErrOperationNotPermitted] that says why: a key whose "use" is
// "enc" never signs or verifies, one whose "use" is "sig" does nothing
// else, and a key with "key_ops" does only what it lists. A key with
// neither member may be used for anything its type allows. Package jws
// checks [OpVerify] and [OpSign]; decryption checks the operations of
// encryption keys.
func (k *PublicKey) CheckOp(op KeyOp) error { return k.usage.check(op) }

// CheckOp is [PublicKey.CheckOp] for the "use" and "key_ops" members of the
// private JWK, which its public half shares.
func (k *PrivateKey) CheckOp(op KeyOp) error { return k.public.usage.check(op) }

// Use returns the JWK "use" member: "sig", "enc" or "" (absent).
func (k *SecretKey) Use() string { return k.use }

// KeyOps returns the JWK "key_ops" member, or nil if it is absent. The
// caller must not modify the slice.
func (k *SecretKey) KeyOps() []KeyOp { return k.ops }

// CheckOp is [PublicKey.CheckOp] for a secret key.
func (k *SecretKey) CheckOp(op KeyOp) error { return k.usage.check(op) }
