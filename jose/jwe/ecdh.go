package jwe

import (
	"crypto/ecdh"
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
)

// ECDH-ES key agreement ([RFC 7518, Section 4.6], [RFC 8037, Section 3.2]):
// the sender's ephemeral public key travels as the "epk" header member, and
// the Concat KDF turns the shared secret into the content-encryption key
// ("ECDH-ES") or into a key-wrapping key ("ECDH-ES+A128KW/A256KW").
//
// [RFC 7518, Section 4.6]: https://www.rfc-editor.org/rfc/rfc7518#section-4.6
// [RFC 8037, Section 3.2]: https://www.rfc-editor.org/rfc/rfc8037#section-3.2

// curveInfo names a key-agreement curve and the size of its coordinates.
func curveInfo(c ecdh.Curve) (crv string, size int) {
	switch c {
	case ecdh.P256():
		return "P-256", 32
	case ecdh.P384():
		return "P-384", 48
	case ecdh.P521():
		return "P-521", 66
	case ecdh.X25519():
		return jwk.CurveX25519, 32
	}
	return "", 0
}

// parseEPK parses the "epk" header member, a public JWK on curve want, and
// returns it as a key-agreement key. Every problem is ErrInvalidEphemeralKey:
// a kty or crv other than the key's, a coordinate of the wrong length, a
// point not on the curve (which covers the identity, which has no affine
// coordinates), or private members.
func parseEPK(raw []byte, maxDepth int, want ecdh.Curve) (*ecdh.PublicKey, error) {
	if raw == nil {
		return nil, fmt.Errorf("%w: header has no \"epk\"", ErrInvalidEphemeralKey)
	}
	var kty, crv, x, y []byte
	err := strictjson.ForEachMember(raw, maxDepth, func(name, value []byte) error {
		var dst *[]byte
		switch string(name) {
		case "kty":
			dst = &kty
		case "crv":
			dst = &crv
		case "x":
			dst = &x
		case "y":
			dst = &y
		case "d", "p", "q", "dp", "dq", "qi", "k":
			return fmt.Errorf("%w: \"epk\" holds private member %q", ErrInvalidEphemeralKey, name)
		default:
			return nil
		}
		s, ok := strictjson.ValidString(value)
		if !ok {
			return fmt.Errorf("%w: \"epk\" member %q is not a string", ErrInvalidEphemeralKey, name)
		}
		*dst = s
		return nil
	})
	if err != nil {
		if errorsIs(err, ErrInvalidEphemeralKey) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidEphemeralKey, err)
	}
	wantCrv, size := curveInfo(want)
	if string(crv) != wantCrv {
		return nil, fmt.Errorf("%w: \"epk\" is on %q, the key on %s", ErrInvalidEphemeralKey, crv, wantCrv)
	}
	var point [1 + 2*66]byte
	if want == ecdh.X25519() {
		if string(kty) != jwk.KeyTypeOKP || y != nil {
			return nil, fmt.Errorf("%w: X25519 \"epk\" must be an OKP key with only \"x\"", ErrInvalidEphemeralKey)
		}
		if err := decodeCoordinate(point[:size], x, "x"); err != nil {
			return nil, err
		}
		pub, err := want.NewPublicKey(point[:size])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidEphemeralKey, err)
		}
		return pub, nil
	}
	if string(kty) != jwk.KeyTypeEC {
		return nil, fmt.Errorf("%w: %s \"epk\" must be an EC key", ErrInvalidEphemeralKey, wantCrv)
	}
	point[0] = 4
	if err := decodeCoordinate(point[1:1+size], x, "x"); err != nil {
		return nil, err
	}
	if err := decodeCoordinate(point[1+size:1+2*size], y, "y"); err != nil {
		return nil, err
	}
	// NewPublicKey checks that the point is on the curve; the identity has
	// no uncompressed encoding and is refused with it.
	pub, err := want.NewPublicKey(point[:1+2*size])
	if err != nil {
		return nil, fmt.Errorf("%w: \"epk\" is not a point on %s", ErrInvalidEphemeralKey, wantCrv)
	}
	return pub, nil
}

// decodeCoordinate decodes a base64url coordinate that must fill dst
// exactly: a shorter or longer one is refused ([RFC 7518, Section 6.2.1.2]).
//
// [RFC 7518, Section 6.2.1.2]: https://www.rfc-editor.org/rfc/rfc7518#section-6.2.1.2
func decodeCoordinate(dst []byte, s []byte, name string) error {
	if s == nil {
		return fmt.Errorf("%w: \"epk\" has no %q", ErrInvalidEphemeralKey, name)
	}
	if base64url.DecodedLen(len(s)) != len(dst) {
		return fmt.Errorf("%w: \"epk\" %q is not %d bytes", ErrInvalidEphemeralKey, name, len(dst))
	}
	if _, err := base64url.Decode(dst, s); err != nil {
		return fmt.Errorf("%w: \"epk\" %q: %v", ErrInvalidEphemeralKey, name, err)
	}
	return nil
}

// appendEPK appends `,"epk":{…}` for the ephemeral public key pub.
func appendEPK(dst []byte, pub *ecdh.PublicKey) []byte {
	crv, size := curveInfo(pub.Curve())
	b := pub.Bytes()
	if pub.Curve() == ecdh.X25519() {
		dst = append(dst, `,"epk":{"kty":"OKP","crv":"X25519","x":"`...)
		dst = base64url.AppendEncode(dst, b)
		return append(dst, `"}`...)
	}
	dst = append(dst, `,"epk":{"kty":"EC","crv":"`...)
	dst = append(dst, crv...)
	dst = append(dst, `","x":"`...)
	dst = base64url.AppendEncode(dst, b[1:1+size])
	dst = append(dst, `","y":"`...)
	dst = base64url.AppendEncode(dst, b[1+size:])
	return append(dst, `"}`...)
}

// agree computes the shared secret of priv and the ephemeral key pub. A
// low-order X25519 point, which gives an all-zero secret whatever the
// private key, is ErrInvalidEphemeralKey: it says nothing about the key.
func agree(priv *ecdh.PrivateKey, pub *ecdh.PublicKey) ([]byte, error) {
	z, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidEphemeralKey, err)
	}
	return z, nil
}

// ecdhKeySize returns the size of the key that the Concat KDF derives for
// alg and enc, and the AlgorithmID it uses ([RFC 7518, Section 4.6.2]).
func ecdhKeySize(alg jwk.Algorithm, enc Encryption) (int, string) {
	switch alg {
	case jwk.ECDHESA128KW:
		return 16, string(alg)
	case jwk.ECDHESA256KW:
		return 32, string(alg)
	}
	return enc.KeySize(), string(enc)
}
