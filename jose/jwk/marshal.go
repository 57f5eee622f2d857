package jwk

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"math/big"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
)

// MarshalJSON returns the JWK of k ([RFC 7517, Section 4]): only public
// members, in a fixed order ("kty", then "crv", "x", "y" or "n", "e", then
// "alg", "kid", "use" and "key_ops" when set). EC coordinates are left-padded to the
// curve size ([RFC 7518, Section 6.2.1.2]).
//
// [RFC 7517, Section 4]: https://www.rfc-editor.org/rfc/rfc7517#section-4
// [RFC 7518, Section 6.2.1.2]: https://www.rfc-editor.org/rfc/rfc7518#section-6.2.1.2
func (k *PublicKey) MarshalJSON() ([]byte, error) {
	return appendAsymmetricJSON(nil, k, nil)
}

// MarshalJSON returns the private JWK of k: the members of
// [PublicKey.MarshalJSON] plus "d" (and "p", "q", "dp", "dq", "qi" for RSA)
// right after the public key members. Handle the result as the secret it is;
// to publish the key, marshal [PrivateKey.Public] instead.
//
// It fails with [ErrNotExportable] unless the signer is an *rsa.PrivateKey
// with two primes, an *ecdsa.PrivateKey or an ed25519.PrivateKey.
func (k *PrivateKey) MarshalJSON() ([]byte, error) {
	priv, err := privateMembers(k.signer)
	if err != nil {
		return nil, err
	}
	return appendAsymmetricJSON(nil, k.public, priv)
}

// MarshalJSON returns the JWK of k: "kty" ("oct"), "k", then "alg", "kid",
// "use" and "key_ops" when set ([RFC 7518, Section 6.4]). The result holds the secret.
//
// [RFC 7518, Section 6.4]: https://www.rfc-editor.org/rfc/rfc7518#section-6.4
func (k *SecretKey) MarshalJSON() ([]byte, error) {
	return appendSecretJSON(nil, k)
}

// MarshalJSON returns the JWK Set of the public keys in s ([RFC 7517,
// Section 5]): the public halves of private keys, and no secret keys, as
// [Set.Public] selects. The result is safe to serve at a JWKS endpoint. To
// store a set with its private keys, use [MarshalPrivateSet].
//
// [RFC 7517, Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func (s *Set) MarshalJSON() ([]byte, error) {
	b := []byte(`{"keys":[`)
	if s != nil {
		for i, k := range s.Public().keys {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendAsymmetricJSON(b, k.(*PublicKey), nil); err != nil {
				return nil, err
			}
		}
	}
	return append(b, "]}"...), nil
}

// MarshalPrivateSet returns the JWK Set of every key in s, with the private
// members of private keys and the secrets of secret keys, for storing in a
// file. Never publish the result: serve [Set.MarshalJSON] instead.
//
// It fails with [ErrNotExportable] if s holds a private key whose signer
// cannot be exported (see [PrivateKey.MarshalJSON]).
func MarshalPrivateSet(s *Set) ([]byte, error) {
	b := []byte(`{"keys":[`)
	for i, k := range s.Keys() {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		switch k := k.(type) {
		case *PublicKey:
			b, err = appendAsymmetricJSON(b, k, nil)
		case *PrivateKey:
			var priv []member
			if priv, err = privateMembers(k.signer); err == nil {
				b, err = appendAsymmetricJSON(b, k.public, priv)
			}
		case *SecretKey:
			b, err = appendSecretJSON(b, k)
		default:
			err = fmt.Errorf("%w: key of type %T", ErrMalformed, k)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}

// member is a private JWK member and its unencoded value.
type member struct {
	name  string
	value []byte
}

// privateMembers returns the private JWK members of signer, in order.
func privateMembers(signer crypto.Signer) ([]member, error) {
	switch p := signer.(type) {
	case *rsa.PrivateKey:
		if len(p.Primes) != 2 {
			return nil, fmt.Errorf("%w: RSA key with %d primes", ErrNotExportable, len(p.Primes))
		}
		P, Q := p.Primes[0], p.Primes[1]
		dp, dq, qi := p.Precomputed.Dp, p.Precomputed.Dq, p.Precomputed.Qinv
		if dp == nil || dq == nil || qi == nil {
			one := big.NewInt(1)
			dp = new(big.Int).Mod(p.D, new(big.Int).Sub(P, one))
			dq = new(big.Int).Mod(p.D, new(big.Int).Sub(Q, one))
			qi = new(big.Int).ModInverse(Q, P)
			if qi == nil {
				return nil, fmt.Errorf("%w: invalid RSA private key", ErrMalformed)
			}
		}
		return []member{
			{"d", p.D.Bytes()}, {"p", P.Bytes()}, {"q", Q.Bytes()},
			{"dp", dp.Bytes()}, {"dq", dq.Bytes()}, {"qi", qi.Bytes()},
		}, nil
	case *ecdsa.PrivateKey:
		d, err := p.Bytes() // fixed size, RFC 7518, Section 6.2.2.1
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotExportable, err)
		}
		return []member{{"d", d}}, nil
	case ed25519.PrivateKey:
		return []member{{"d", p.Seed()}}, nil
	case x25519Key:
		return []member{{"d", p.priv.Bytes()}}, nil
	}
	return nil, fmt.Errorf("%w: private key of a %T signer", ErrNotExportable, signer)
}

func appendAsymmetricJSON(b []byte, k *PublicKey, priv []member) ([]byte, error) {
	m, ok := publicMembers(k.key)
	if !ok {
		return nil, fmt.Errorf("%w: public key of type %T", ErrMalformed, k.key)
	}
	b = append(b, `{"kty":"`...)
	b = append(b, m.kty...)
	switch m.kty {
	case KeyTypeRSA:
		b = appendMember(b, "n", m.n)
		b = appendMember(b, "e", m.e)
	case KeyTypeEC:
		b = appendMember(b, "crv", m.crv)
		b = appendMember(b, "x", m.x)
		b = appendMember(b, "y", m.y)
	case KeyTypeOKP:
		b = appendMember(b, "crv", m.crv)
		b = appendMember(b, "x", m.x)
	}
	for _, p := range priv {
		b = append(b, `","`...)
		b = append(b, p.name...)
		b = append(b, `":"`...)
		b = base64url.AppendEncode(b, p.value)
	}
	b = append(b, '"')
	return appendCommon(b, k.alg, k.kid, k.usage)
}

func appendSecretJSON(b []byte, k *SecretKey) ([]byte, error) {
	b = append(b, `{"kty":"oct","k":"`...)
	b = base64url.AppendEncode(b, k.secret)
	b = append(b, '"')
	return appendCommon(b, k.alg, k.kid, k.usage)
}

// appendMember appends `","name":"value` for a value that needs no escaping.
func appendMember(b []byte, name, value string) []byte {
	b = append(b, `","`...)
	b = append(b, name...)
	b = append(b, `":"`...)
	return append(b, value...)
}

// appendCommon appends the "alg", "kid", "use" and "key_ops" members that
// are set, and closes the object.
func appendCommon(b []byte, alg Algorithm, kid string, u usage) ([]byte, error) {
	var err error
	for _, m := range [3]struct{ name, value string }{{"alg", string(alg)}, {"kid", kid}, {"use", u.use}} {
		if m.value == "" {
			continue
		}
		b = append(b, `,"`...)
		b = append(b, m.name...)
		b = append(b, `":`...)
		if b, err = strictjson.AppendString(b, m.value); err != nil {
			return nil, fmt.Errorf("%w: %q member: %w", ErrMalformed, m.name, err)
		}
	}
	if u.ops != nil {
		b = append(b, `,"key_ops":[`...)
		for i, op := range u.ops {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = strictjson.AppendString(b, string(op)); err != nil {
				return nil, fmt.Errorf("%w: \"key_ops\" member: %w", ErrMalformed, err)
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}
