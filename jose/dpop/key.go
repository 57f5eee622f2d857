package dpop

import (
	"crypto"
	"crypto/rsa"
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
)

// parseProofKey turns the header "jwk" of a proof signed with alg into a
// public key bound to alg, and returns it with its RFC 7638 SHA-256
// thumbprint ([RFC 9449, Section 4.3], checks 5 and 6).
//
// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
func parseProofKey(raw []byte, alg jwk.Algorithm, maxRSABits int) (*jwk.PublicKey, string, error) {
	if raw == nil {
		return nil, "", fmt.Errorf("%w: the header has no \"jwk\"", ErrInvalidKey)
	}
	if strictjson.KindOf(raw) != strictjson.Object {
		return nil, "", fmt.Errorf("%w: the header \"jwk\" is not an object", ErrInvalidKey)
	}
	hasKID := false
	// raw was validated with the header, so this scan cannot fail.
	var private []byte
	_ = strictjson.ForEachMember(raw, 0, func(name, _ []byte) error {
		switch string(name) {
		case "d", "p", "q", "dp", "dq", "qi", "oth", "k":
			if private == nil {
				private = name
			}
		case "kid":
			hasKID = true
		}
		return nil
	})
	if private != nil {
		return nil, "", fmt.Errorf("%w: %q member", ErrPrivateKey, private)
	}
	k, err := jwk.ParseKey(raw, alg)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	key, ok := k.(*jwk.PublicKey)
	if !ok {
		return nil, "", fmt.Errorf("%w: not a public key", ErrInvalidKey)
	}
	if key.Use() == "enc" {
		return nil, "", fmt.Errorf("%w: the key is for encryption (\"use\":\"enc\")", ErrInvalidKey)
	}
	if pub, ok := key.CryptoPublicKey().(*rsa.PublicKey); ok && pub.N.BitLen() > maxRSABits {
		return nil, "", fmt.Errorf("%w: %w: RSA modulus of %d bits (at most %d)", ErrInvalidKey, jwk.ErrWeakKey, pub.N.BitLen(), maxRSABits)
	}
	// Without a "kid" member, the key ID is the thumbprint: it is not
	// computed twice.
	if !hasKID {
		return key, key.KeyID(), nil
	}
	sum, err := jwk.Thumbprint(key, crypto.SHA256)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return key, base64url.EncodeToString(sum), nil
}
