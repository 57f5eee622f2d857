package jwk

import (
	"errors"
	"fmt"
	"strings"
)

// Set is a JWK Set ([RFC 7517, Section 5]). A Set is immutable once built.
//
// [RFC 7517, Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
type Set struct {
	keys    []Key
	skipped []SkippedKey
}

// SkippedKey is a key of a JWK Set that [ParseSet] did not use, and why.
type SkippedKey struct {
	// Index is the key's position in the "keys" array, from 0.
	Index int
	// KeyID is the key's "kid" member, or "" if it has none.
	KeyID string
	// Err says why the key was skipped. It wraps [ErrUnsupportedKeyType]
	// (a "kty" or "crv" this package does not implement) or
	// [ErrUnsupportedAlgorithm] (an "alg" it does not implement).
	Err error
}

func (k SkippedKey) String() string {
	if k.KeyID != "" {
		return fmt.Sprintf("keys[%d] (kid %q): %v", k.Index, k.KeyID, k.Err)
	}
	return fmt.Sprintf("keys[%d]: %v", k.Index, k.Err)
}

// ErrNoUsableKey means a JWK Set holds no key this package can use: its
// "keys" array is empty, or every key in it was skipped. [ParseSet] returns
// it inside a [*SetError].
var ErrNoUsableKey = errors.New("jwk: JWK Set has no usable key")

// SetError is the error of [ParseSet] for a set in which no key is usable.
// It wraps [ErrNoUsableKey] and the Err of every skipped key.
type SetError struct {
	// Skipped lists the keys of the set, all of them skipped; it is empty
	// for an empty "keys" array.
	Skipped []SkippedKey
}

func (e *SetError) Error() string {
	if len(e.Skipped) == 0 {
		return ErrNoUsableKey.Error() + ": \"keys\" is empty"
	}
	// The first few reasons; a set of 256 identical keys says it once.
	const shown = 4
	var b strings.Builder
	fmt.Fprintf(&b, "%v: all %d skipped: ", ErrNoUsableKey, len(e.Skipped))
	for i, k := range e.Skipped[:min(len(e.Skipped), shown)] {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k.String())
	}
	if len(e.Skipped) > shown {
		fmt.Fprintf(&b, "; and %d more", len(e.Skipped)-shown)
	}
	return b.String()
}

// Unwrap returns [ErrNoUsableKey] and the reason each key was skipped.
func (e *SetError) Unwrap() []error {
	errs := []error{ErrNoUsableKey}
	for _, k := range e.Skipped {
		errs = append(errs, k.Err)
	}
	return errs
}

// NewSet returns a set holding keys, in order. It fails with
// [ErrAlgorithmConflict] if the same key material appears twice under two
// different algorithms, which would let a token choose how a key is used.
func NewSet(keys ...Key) (*Set, error) {
	for i, a := range keys {
		if a == nil {
			return nil, fmt.Errorf("%w: nil key in set", ErrMalformed)
		}
		for _, b := range keys[:i] {
			if a.Algorithm() != b.Algorithm() && sameMaterial(a, b) {
				return nil, fmt.Errorf("%w: key %q offered as %s and %s", ErrAlgorithmConflict, a.KeyID(), b.Algorithm(), a.Algorithm())
			}
		}
	}
	return &Set{keys: append([]Key(nil), keys...)}, nil
}

func sameMaterial(a, b Key) bool {
	pub := func(k Key) *PublicKey {
		switch k := k.(type) {
		case *PublicKey:
			return k
		case *PrivateKey:
			return k.public
		}
		return nil
	}
	if pa, pb := pub(a), pub(b); pa != nil && pb != nil {
		return pa.Equal(pb)
	}
	sa, ok1 := a.(*SecretKey)
	sb, ok2 := b.(*SecretKey)
	if ok1 && ok2 {
		c := *sb
		c.alg = sa.alg
		return sa.Equal(&c)
	}
	return false
}

// Skipped returns the keys that [ParseSet] skipped when it built s, in
// order, or nil. A caller that expects every key of a set to be usable
// should check it: a key skipped here is one its tokens cannot be verified
// with. The caller must not modify the slice.
func (s *Set) Skipped() []SkippedKey { return s.skipped }

// Keys returns the keys of s. The caller must not modify the slice.
func (s *Set) Keys() []Key { return s.keys }

// Len returns the number of keys in s.
func (s *Set) Len() int { return len(s.keys) }

// Public returns a set of the public halves of the asymmetric keys in s,
// without secret keys: what may be published at a JWKS endpoint.
func (s *Set) Public() *Set {
	out := &Set{}
	for _, k := range s.keys {
		switch k := k.(type) {
		case *PublicKey:
			out.keys = append(out.keys, k)
		case *PrivateKey:
			out.keys = append(out.keys, k.public)
		}
	}
	return out
}

// Lookup returns the keys of s whose key ID is kid.
func (s *Set) Lookup(kid string) []Key {
	var out []Key
	for _, k := range s.keys {
		if k.KeyID() == kid {
			out = append(out, k)
		}
	}
	return out
}
