package jwk

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
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

// thumbprintInput returns the RFC 7638 JSON of a public key, or nil.
func thumbprintInput(pub crypto.PublicKey) []byte {
	return appendThumbprintInput(nil, pub)
}

// appendThumbprintInput appends the RFC 7638 JSON of a public key to dst:
// the required members in lexicographic order, with no whitespace, EC
// coordinates left-padded to the curve size. It returns nil for a key it
// cannot describe.
func appendThumbprintInput(dst []byte, pub crypto.PublicKey) []byte {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		var e [8]byte
		binary.BigEndian.PutUint64(e[:], uint64(p.E))
		i := 0
		for i < len(e)-1 && e[i] == 0 {
			i++
		}
		var n [MaxRSABits / 8]byte
		size := (p.N.BitLen() + 7) / 8
		if size > len(n) {
			return nil
		}
		dst = append(dst, `{"e":"`...)
		dst = base64url.AppendEncode(dst, e[i:])
		dst = append(dst, `","kty":"RSA","n":"`...)
		dst = base64url.AppendEncode(dst, p.N.FillBytes(n[:size]))
		return append(dst, `"}`...)
	case *ecdsa.PublicKey:
		crv := curveName(p.Curve)
		if crv == "" {
			return nil
		}
		var point [1 + 2*66]byte
		size := (p.Curve.Params().BitSize + 7) / 8
		// The affine coordinates, when set and in range, give the padded
		// point without the conversions of p.Bytes.
		if p.X == nil || p.Y == nil || p.X.Sign() < 0 || p.Y.Sign() < 0 || p.X.BitLen() > 8*size || p.Y.BitLen() > 8*size {
			b, err := p.Bytes()
			if err != nil || len(b) != 1+2*size {
				return nil
			}
			copy(point[:], b)
		} else {
			p.X.FillBytes(point[1 : 1+size])
			p.Y.FillBytes(point[1+size : 1+2*size])
		}
		dst = append(dst, `{"crv":"`...)
		dst = append(dst, crv...)
		dst = append(dst, `","kty":"EC","x":"`...)
		dst = base64url.AppendEncode(dst, point[1:1+size])
		dst = append(dst, `","y":"`...)
		dst = base64url.AppendEncode(dst, point[1+size:1+2*size])
		return append(dst, `"}`...)
	case ed25519.PublicKey:
		dst = append(dst, `{"crv":"Ed25519","kty":"OKP","x":"`...)
		dst = base64url.AppendEncode(dst, p)
		return append(dst, `"}`...)
	case *ecdh.PublicKey:
		if p.Curve() != ecdh.X25519() {
			return nil
		}
		dst = append(dst, `{"crv":"`+CurveX25519+`","kty":"OKP","x":"`...)
		dst = base64url.AppendEncode(dst, p.Bytes())
		return append(dst, `"}`...)
	}
	return nil
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
// default key ID of an asymmetric key. It allocates only the result.
func mustThumbprintKID(k *PublicKey) string {
	var buf [64 + 4*MaxRSABits/8/3]byte
	sum := sha256.Sum256(appendThumbprintInput(buf[:0], k.key))
	var kid [43]byte // base64url of 32 bytes
	base64url.Encode(kid[:], sum[:])
	return string(kid[:])
}
