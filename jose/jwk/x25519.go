package jwk

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
)

// X25519 key-agreement keys ([RFC 8037]) are OKP keys with "crv":"X25519".
// They are bound to one of the ECDH-ES algorithms and never sign. A public
// X25519 key holds an *ecdh.PublicKey; a private one holds its
// *ecdh.PrivateKey inside a [crypto.Signer] whose Sign always fails, so
// that a [PrivateKey] keeps one shape for every key type.
//
// [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037

// errNoSign is returned by the Sign method of key-agreement keys.
var errNoSign = errors.New("jwk: X25519 keys agree on keys; they cannot sign")

// x25519Key adapts an X25519 private key to [crypto.Signer].
type x25519Key struct{ priv *ecdh.PrivateKey }

func (k x25519Key) Public() crypto.PublicKey { return k.priv.PublicKey() }

func (x25519Key) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errNoSign
}

// NewECDHPrivateKey returns a private key-agreement key bound to alg, which
// must be ECDH-ES, ECDH-ES+A128KW or ECDH-ES+A256KW. priv is an X25519,
// P-256, P-384 or P-521 key; NIST-curve keys are held as *ecdsa.PrivateKey,
// as [ParseKey] holds them. The key ID is the RFC 7638 thumbprint.
func NewECDHPrivateKey(priv *ecdh.PrivateKey, alg Algorithm) (*PrivateKey, error) {
	if priv == nil {
		return nil, fmt.Errorf("%w: nil ECDH key", ErrMalformed)
	}
	if !alg.IsECDH() {
		return nil, fmt.Errorf("%w: %q is not an ECDH-ES algorithm", ErrKeyMismatch, string(alg))
	}
	var signer crypto.Signer
	switch priv.Curve() {
	case ecdh.X25519():
		signer = x25519Key{priv}
	case ecdh.P256(), ecdh.P384(), ecdh.P521():
		crv := map[ecdh.Curve]string{ecdh.P256(): "P-256", ecdh.P384(): "P-384", ecdh.P521(): "P-521"}[priv.Curve()]
		k, err := ecdsa.ParseRawPrivateKey(curveByName(crv), priv.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		signer = k
	default:
		return nil, fmt.Errorf("%w: ECDH curve %v", ErrUnsupportedKeyType, priv.Curve())
	}
	return NewPrivateKey(signer, alg)
}

// checkX25519Public checks an *ecdh.PublicKey offered as a JWK public key:
// only X25519 keys, and only for the ECDH-ES algorithms (or unbound).
func checkX25519Public(p *ecdh.PublicKey, alg Algorithm) error {
	if p == nil {
		return fmt.Errorf("%w: nil ECDH key", ErrMalformed)
	}
	if p.Curve() != ecdh.X25519() {
		return fmt.Errorf("%w: ECDH public keys on NIST curves are *ecdsa.PublicKey here", ErrUnsupportedKeyType)
	}
	if alg != "" && !alg.IsECDH() {
		return fmt.Errorf("%w: X25519 key cannot be used with %s", ErrKeyMismatch, alg)
	}
	return nil
}

// ECDH returns the key-agreement form of k: its *ecdh.PublicKey for an
// X25519 key, the conversion of its *ecdsa.PublicKey for a P-256, P-384 or
// P-521 key. Most users won't need this: package jwe calls it.
func (k *PublicKey) ECDH() (*ecdh.PublicKey, error) {
	switch p := k.key.(type) {
	case *ecdh.PublicKey:
		return p, nil
	case *ecdsa.PublicKey:
		return p.ECDH()
	}
	return nil, fmt.Errorf("%w: %s key cannot agree on keys", ErrKeyMismatch, k.KeyType())
}

// ECDH returns the key-agreement form of k: its *ecdh.PrivateKey for an
// X25519 key, the conversion of its *ecdsa.PrivateKey for a NIST-curve key.
// It fails for other keys, including opaque signers. Most users won't need
// this: package jwe calls it.
func (k *PrivateKey) ECDH() (*ecdh.PrivateKey, error) {
	switch s := k.signer.(type) {
	case x25519Key:
		return s.priv, nil
	case *ecdsa.PrivateKey:
		return s.ECDH()
	}
	return nil, fmt.Errorf("%w: %T cannot agree on keys", ErrKeyMismatch, k.signer)
}

// x25519Key builds an OKP "crv":"X25519" key. Without an algorithm it is
// bound to ECDH-ES, the algorithm of its curve, as EC keys are bound to the
// algorithm of theirs.
func (r *rawJWK) x25519Key(alg Algorithm) (Key, error) {
	if alg == "" {
		alg = ECDHES
	}
	if !alg.IsECDH() {
		return nil, fmt.Errorf("%w: %s cannot be used with an X25519 key", ErrKeyMismatch, alg)
	}
	x, err := fixedMember("x", r.x, 32, r.crv)
	if err != nil {
		return nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(x)
	if err != nil {
		return nil, fmt.Errorf("%w: X25519 public key: %v", ErrMalformed, err)
	}
	pk := r.publicKey(pub, alg)
	if r.d == nil {
		return pk, nil
	}
	d, err := fixedMember("d", r.d, 32, r.crv)
	if err != nil {
		return nil, err
	}
	priv, err := ecdh.X25519().NewPrivateKey(d)
	if err != nil {
		return nil, fmt.Errorf("%w: X25519 private key: %v", ErrMalformed, err)
	}
	if !priv.PublicKey().Equal(pub) {
		return nil, fmt.Errorf("%w: X25519 private key \"d\" does not match \"x\"", ErrMalformed)
	}
	return &PrivateKey{signer: x25519Key{priv}, public: pk}, nil
}
