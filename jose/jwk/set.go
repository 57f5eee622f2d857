package jwk

import "fmt"

// Set is a JWK Set ([RFC 7517, Section 5]). A Set is immutable once built.
//
// [RFC 7517, Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
type Set struct {
	keys []Key
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
