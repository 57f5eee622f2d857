package jws

import (
	"fmt"
	"unsafe"

	"github.com/wardauth/ward/jose/jwk"
)

// VerifyEmbeddedKey checks the signature of a compact JWS with the public
// key in its own "jwk" header parameter ([RFC 7515, Section 4.1.3]), as
// DPoP proofs do ([RFC 9449, Section 4.2]). Most users won't need this:
// package dpop calls it.
//
// Such a signature proves only that the signer holds the private half of
// the key it sent, not who the signer is: the key is used to bind, never to
// trust, and the caller must compare it (or its thumbprint) with a key it
// already trusts. Package jws uses a header "jwk" nowhere else.
//
// The header is parsed and checked against opts as by [Verify]; then bind
// is called with the header "alg" and the raw JSON of "jwk" (nil when the
// header has none), and returns the key to check the signature with. The
// key must be bound to alg, or VerifyEmbeddedKey fails with
// [ErrAlgorithmMismatch]. Errors from bind are returned unchanged. The key
// is kept in v.Key.
//
// [RFC 7515, Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.3
// [RFC 9449, Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func VerifyEmbeddedKey(token string, opts *VerifyOptions, bind func(alg Algorithm, jwk []byte) (*jwk.PublicKey, error), v *Verified) error {
	*v = Verified{}
	var raw []byte
	seg, err := decodeVerified(token, opts, v, &raw)
	if err != nil {
		return err
	}
	alg := v.Header.Algorithm
	key, err := bind(alg, raw)
	if err != nil {
		return err
	}
	if key == nil {
		return fmt.Errorf("%w: no key bound", ErrNoKey)
	}
	if key.Algorithm() != alg {
		return fmt.Errorf("%w: token says %s, its key is %s", ErrAlgorithmMismatch, alg, key.Algorithm())
	}
	v.Key = key
	return verifySignature(key, alg, bytesOf(seg.input), seg.signature)
}

// SignEmbeddedKey is [Sign] with the public half of key written into the
// protected header as "jwk" ([RFC 7515, Section 4.1.3]) and no "kid", as
// DPoP proofs require ([RFC 9449, Section 4.2]). The header "typ" and "cty"
// come from h, which may be nil. Most users won't need this: package dpop
// calls it.
//
// [RFC 7515, Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.3
// [RFC 9449, Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func SignEmbeddedKey(payload []byte, key *jwk.PrivateKey, h *Header) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: nil key", ErrNoKey)
	}
	alg := key.Algorithm()
	if !alg.Known() {
		return "", fmt.Errorf("%w: key is not bound to an algorithm", ErrUnsupportedAlgorithm)
	}
	hdr := Header{Algorithm: alg}
	if h != nil {
		if h.Algorithm != "" && h.Algorithm != alg {
			return "", fmt.Errorf("%w: header says %s, key is %s", ErrAlgorithmMismatch, h.Algorithm, alg)
		}
		hdr.Type, hdr.ContentType, hdr.Critical = h.Type, h.ContentType, h.Critical
	}
	pub, err := key.Public().WithKeyID("").MarshalJSON()
	if err != nil {
		return "", err
	}
	hjson, err := appendHeader(make([]byte, 0, 64+len(pub)), &hdr)
	if err != nil {
		return "", err
	}
	hjson = append(append(append(hjson[:len(hjson)-1], `,"jwk":`...), pub...), '}')
	b, err := appendSigned(nil, hjson, payload, key)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), nil
}

// VerifySignature checks that sig, the signature segment of a compact JWS,
// is key's signature of input, its signing input (the header and payload
// segments and the dot between them), under key's algorithm. It reads
// neither the header nor the payload: the caller must have checked,
// before, that the header is valid and names key's algorithm. Most users
// won't need this: package dpop calls it for a header it has already
// checked in full.
func VerifySignature(input, sig string, key jwk.VerificationKey) error {
	if key == nil || !key.Algorithm().Known() {
		return fmt.Errorf("%w: no usable key", ErrNoKey)
	}
	if sig == "" {
		return fmt.Errorf("%w: empty signature", ErrMalformed)
	}
	return verifySignature(key, key.Algorithm(), bytesOf(input), sig)
}
