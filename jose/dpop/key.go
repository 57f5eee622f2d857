package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"math/big"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
)

// proofJWK holds the members of a header "jwk" that this package reads,
// as raw JSON values.
type proofJWK struct {
	kty, crv, alg, use, x, y []byte
	private                  []byte // the name of a private member, if any
	hasKID                   bool
}

// parseProofKey turns the header "jwk" of a proof signed with alg into a
// public key bound to alg, and returns it with its RFC 7638 SHA-256
// thumbprint ([RFC 9449, Section 4.3], checks 5 to 7).
//
// EC and Ed25519 keys, the common case, are read here in one pass with the
// same rules as [jwk.ParseKey]; RSA keys are read by jwk.ParseKey itself.
//
// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
func parseProofKey(raw []byte, alg jwk.Algorithm, maxRSABits int) (*jwk.PublicKey, string, error) {
	if raw == nil {
		return nil, "", fmt.Errorf("%w: the header has no \"jwk\"", ErrInvalidKey)
	}
	if strictjson.KindOf(raw) != strictjson.Object {
		return nil, "", fmt.Errorf("%w: the header \"jwk\" is not an object", ErrInvalidKey)
	}
	var m proofJWK
	// raw was validated with the header, so this scan cannot fail.
	_ = strictjson.ForEachMember(raw, 0, func(name, value []byte) error {
		switch string(name) {
		case "kty":
			m.kty = value
		case "crv":
			m.crv = value
		case "alg":
			m.alg = value
		case "use":
			m.use = value
		case "x":
			m.x = value
		case "y":
			m.y = value
		case "kid":
			m.hasKID = true
		case "d", "p", "q", "dp", "dq", "qi", "oth", "k":
			if m.private == nil {
				m.private = name
			}
		}
		return nil
	})
	if m.private != nil {
		return nil, "", fmt.Errorf("%w: %q member", ErrPrivateKey, m.private)
	}
	if m.use != nil && string(m.use) != `"sig"` {
		return nil, "", fmt.Errorf("%w: \"use\" is %s, not \"sig\"", ErrInvalidKey, m.use)
	}
	var (
		key *jwk.PublicKey
		err error
	)
	switch string(m.kty) {
	case `"EC"`, `"OKP"`:
		key, err = m.curveKey(alg)
	default:
		key, err = rsaKey(raw, alg, maxRSABits, m.hasKID)
	}
	if err != nil {
		return nil, "", err
	}
	// The key ID is the thumbprint: it is not computed twice.
	return key, key.KeyID(), nil
}

// curveKey builds an EC or Ed25519 key for alg.
func (m *proofJWK) curveKey(alg jwk.Algorithm) (*jwk.PublicKey, error) {
	if kty, _ := strictjson.ValidString(m.kty); string(kty) != alg.KeyType() {
		return nil, fmt.Errorf("%w: %w: %s cannot be used with a key of type %s", ErrInvalidKey, jwk.ErrKeyMismatch, alg, kty)
	}
	crv, ok := strictjson.ValidString(m.crv)
	if !ok {
		return nil, fmt.Errorf("%w: \"crv\" is missing or not a string", ErrInvalidKey)
	}
	if string(crv) != alg.Curve() {
		return nil, fmt.Errorf("%w: %w: %s cannot be used with a %s key", ErrInvalidKey, jwk.ErrKeyMismatch, alg, crv)
	}
	if m.alg != nil {
		if a, ok := strictjson.ValidString(m.alg); !ok || string(a) != string(alg) {
			return nil, fmt.Errorf("%w: %w: the jwk \"alg\" is %s, the proof's %s", ErrInvalidKey, jwk.ErrAlgorithmConflict, m.alg, alg)
		}
	}
	if alg == jwk.EdDSA {
		var x [ed25519.PublicKeySize]byte
		if err := coordinate(x[:], "x", m.x, false); err != nil {
			return nil, err
		}
		return newKey(ed25519.PublicKey(x[:]), alg)
	}
	size := alg.SignatureSize() / 2
	var x, y [66]byte
	if err := coordinate(x[:size], "x", m.x, true); err != nil {
		return nil, err
	}
	if err := coordinate(y[:size], "y", m.y, true); err != nil {
		return nil, err
	}
	// The point is checked to be on the curve by the signature check
	// (crypto/ecdsa refuses a point that is not), and again, for a clear
	// error, when that check fails: see onCurve. Skipping
	// ecdsa.ParseUncompressedPublicKey here saves a conversion of the
	// point there and back, and most of the allocations of a proof.
	k := new(ecKey)
	k.x.SetBits(k.xw[:0]).SetBytes(x[:size])
	k.y.SetBits(k.yw[:0]).SetBytes(y[:size])
	k.pub = ecdsa.PublicKey{Curve: curve(alg), X: &k.x, Y: &k.y}
	return newKey(&k.pub, alg)
}

// ecKey is an ECDSA public key with the storage of its coordinates, so
// that building one is one allocation.
type ecKey struct {
	pub    ecdsa.PublicKey
	x, y   big.Int
	xw, yw [(66 + 3) / 4]big.Word // room for a P-521 coordinate, even with 32-bit words
}

// onCurve reports whether key, which failed to verify a signature, is a
// valid point: if it is not, the key is to blame rather than the signature.
func onCurve(key *jwk.PublicKey) bool {
	pub, ok := key.CryptoPublicKey().(*ecdsa.PublicKey)
	if !ok {
		return true
	}
	b, err := pub.Bytes() // fails for a point that is not on the curve
	if err != nil {
		return false
	}
	_, err = ecdsa.ParseUncompressedPublicKey(pub.Curve, b)
	return err == nil
}

// coordinate decodes the base64url member value into dst, which it must
// fill exactly ([RFC 7518, Section 6.2.1.2], [RFC 8037, Section 2]). With
// pad, a shorter value is left-padded with zeros, as package jwk reads the
// EC keys that some producers write with the leading zero octets dropped.
//
// [RFC 7518, Section 6.2.1.2]: https://www.rfc-editor.org/rfc/rfc7518#section-6.2.1.2
// [RFC 8037, Section 2]: https://www.rfc-editor.org/rfc/rfc8037#section-2
func coordinate(dst []byte, name string, value []byte, pad bool) error {
	s, ok := strictjson.ValidString(value)
	if !ok {
		return fmt.Errorf("%w: %w: %q is missing or not a string", ErrInvalidKey, jwk.ErrMalformed, name)
	}
	n := base64url.DecodedLen(len(s))
	if n < 0 || n > len(dst) || n < len(dst) && (!pad || n == 0) {
		return fmt.Errorf("%w: %w: %q is not %d bytes", ErrInvalidKey, jwk.ErrMalformed, name, len(dst))
	}
	if _, err := base64url.Decode(dst[len(dst)-n:], s); err != nil {
		return fmt.Errorf("%w: %w: %q is not canonical base64url", ErrInvalidKey, jwk.ErrMalformed, name)
	}
	return nil
}

func curve(alg jwk.Algorithm) elliptic.Curve {
	switch alg {
	case jwk.ES384:
		return elliptic.P384()
	case jwk.ES512:
		return elliptic.P521()
	}
	return elliptic.P256()
}

func newKey(pub any, alg jwk.Algorithm) (*jwk.PublicKey, error) {
	key, err := jwk.NewPublicKey(pub, alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return key, nil
}

// rsaKey reads an RSA key (or any other kty, which fails) with
// jwk.ParseKey, bound to alg, and applies the verifier's size limit. The
// key ID of the result is its thumbprint.
func rsaKey(raw []byte, alg jwk.Algorithm, maxRSABits int, hasKID bool) (*jwk.PublicKey, error) {
	k, err := jwk.ParseKey(raw, alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	key, ok := k.(*jwk.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: not a public key", ErrInvalidKey)
	}
	if pub, ok := key.CryptoPublicKey().(*rsa.PublicKey); ok && pub.N.BitLen() > maxRSABits {
		return nil, fmt.Errorf("%w: %w: RSA modulus of %d bits (at most %d)", ErrInvalidKey, jwk.ErrWeakKey, pub.N.BitLen(), maxRSABits)
	}
	if !hasKID {
		return key, nil // its key ID is the thumbprint
	}
	sum, err := jwk.Thumbprint(key, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return key.WithKeyID(base64url.EncodeToString(sum)), nil
}
