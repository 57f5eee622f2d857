package jwk

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"math/big"

	"github.com/wardauth/ward/internal/base64url"
)

// Thumbprint returns the [RFC 7638] thumbprint of k under hash h (SHA-256
// is the common choice): the digest of the required public members in
// lexicographic order with no whitespace. For a [*PrivateKey] the thumbprint
// is that of its public key. For a [*SecretKey] it hashes the secret; such a
// value must never be published, which is why secrets never get one as their
// default key ID.
//
// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
func Thumbprint(k Key, h crypto.Hash) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("jwk: thumbprint hash %v is not available", h)
	}
	var input []byte
	switch k := k.(type) {
	case *PublicKey:
		input = thumbprintInput(k.key)
	case *PrivateKey:
		input = thumbprintInput(k.public.key)
	case *SecretKey:
		input = append(append([]byte(`{"k":"`), base64url.EncodeToString(k.secret)...), `","kty":"oct"}`...)
	}
	if input == nil {
		return nil, fmt.Errorf("%w: cannot take thumbprint of %T", ErrMalformed, k)
	}
	d := h.New()
	d.Write(input)
	return d.Sum(nil), nil
}

// thumbprintInput returns the RFC 7638 JSON of a public key.
func thumbprintInput(pub crypto.PublicKey) []byte {
	m, ok := publicMembers(pub)
	if !ok {
		return nil
	}
	var b []byte
	switch m.kty {
	case KeyTypeRSA:
		b = fmt.Appendf(b, `{"e":"%s","kty":"RSA","n":"%s"}`, m.e, m.n)
	case KeyTypeEC:
		b = fmt.Appendf(b, `{"crv":"%s","kty":"EC","x":"%s","y":"%s"}`, m.crv, m.x, m.y)
	case KeyTypeOKP:
		b = fmt.Appendf(b, `{"crv":"%s","kty":"OKP","x":"%s"}`, m.crv, m.x)
	}
	return b
}

// members holds the base64url-encoded public JWK members of a key.
type members struct {
	kty, crv, x, y, n, e string
}

// publicMembers returns the public JWK members of pub, with EC coordinates
// left-padded to the curve size ([RFC 7518, Section 6.2.1.2]).
//
// [RFC 7518, Section 6.2.1.2]: https://www.rfc-editor.org/rfc/rfc7518#section-6.2.1.2
func publicMembers(pub crypto.PublicKey) (members, bool) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return members{
			kty: KeyTypeRSA,
			n:   base64url.EncodeToString(p.N.Bytes()),
			e:   base64url.EncodeToString(big.NewInt(int64(p.E)).Bytes()),
		}, true
	case *ecdsa.PublicKey:
		crv := curveName(p.Curve)
		point, err := p.Bytes() // 0x04 || X || Y, each padded to the curve size
		if crv == "" || err != nil {
			return members{}, false
		}
		size := (len(point) - 1) / 2
		return members{
			kty: KeyTypeEC,
			crv: crv,
			x:   base64url.EncodeToString(point[1 : 1+size]),
			y:   base64url.EncodeToString(point[1+size:]),
		}, true
	case ed25519.PublicKey:
		return members{kty: KeyTypeOKP, crv: "Ed25519", x: base64url.EncodeToString(p)}, true
	case *ecdh.PublicKey:
		if p.Curve() != ecdh.X25519() {
			return members{}, false
		}
		return members{kty: KeyTypeOKP, crv: CurveX25519, x: base64url.EncodeToString(p.Bytes())}, true
	}
	return members{}, false
}

// mustThumbprintKID returns the base64url SHA-256 thumbprint used as the
// default key ID of an asymmetric key.
func mustThumbprintKID(k *PublicKey) string {
	input := thumbprintInput(k.key)
	d := crypto.SHA256.New()
	d.Write(input)
	return base64url.EncodeToString(d.Sum(nil))
}
