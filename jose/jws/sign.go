package jws

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"unsafe"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

// Sign signs payload with key and returns the compact serialization. The
// protected header has "alg" from the key, "kid" from the key when it has
// one, and "typ" and "cty" from h, which may be nil. If h sets Algorithm or
// KeyID they must match the key.
func Sign(payload []byte, key jwk.SigningKey, h *Header) (string, error) {
	b, err := AppendSign(nil, payload, key, h)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), nil
}

// AppendSign is [Sign] appending the token to dst. When dst is nil it
// allocates exactly once for the token. Most users won't need this.
func AppendSign(dst []byte, payload []byte, key jwk.SigningKey, h *Header) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: nil key", ErrNoKey)
	}
	alg := key.Algorithm()
	if !alg.Known() {
		return nil, fmt.Errorf("%w: key is not bound to an algorithm", ErrUnsupportedAlgorithm)
	}
	if err := key.CheckOp(jwk.OpSign); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyNotPermitted, err)
	}
	hdr := Header{Algorithm: alg, KeyID: key.KeyID()}
	if h != nil {
		if h.Algorithm != "" && h.Algorithm != alg {
			return nil, fmt.Errorf("%w: header says %s, key is %s", ErrAlgorithmMismatch, h.Algorithm, alg)
		}
		if h.KeyID != "" && hdr.KeyID != "" && h.KeyID != hdr.KeyID {
			return nil, fmt.Errorf("%w: header kid %q differs from the key's %q", ErrNoKey, h.KeyID, hdr.KeyID)
		}
		if hdr.KeyID == "" {
			hdr.KeyID = h.KeyID
		}
		hdr.Type, hdr.ContentType, hdr.Critical = h.Type, h.ContentType, h.Critical
	}
	var hbuf [256]byte
	hjson, err := appendHeader(hbuf[:0], &hdr)
	if err != nil {
		return nil, err
	}
	sigSize := alg.SignatureSize()
	if sigSize == 0 {
		sigSize = jwk.MaxRSABits / 8
	}
	if dst == nil {
		dst = make([]byte, 0, base64url.EncodedLen(len(hjson))+1+base64url.EncodedLen(len(payload))+1+base64url.EncodedLen(sigSize))
	}
	start := len(dst)
	dst = base64url.AppendEncode(dst, hjson)
	dst = append(dst, '.')
	dst = base64url.AppendEncode(dst, payload)
	input := dst[start:]

	switch k := key.(type) {
	case *jwk.SecretKey:
		var mac [64]byte
		sum, err := k.AppendMAC(mac[:0], input)
		if err != nil {
			return nil, err
		}
		dst = append(dst, '.')
		return base64url.AppendEncode(dst, sum), nil
	case *jwk.PrivateKey:
		return appendAsymmetric(dst, k, alg, input)
	}
	return nil, fmt.Errorf("%w: unusable key %T", ErrNoKey, key)
}

// appendAsymmetric signs input with k and appends '.' and the encoded
// signature to dst. input may alias dst.
func appendAsymmetric(dst []byte, k *jwk.PrivateKey, alg Algorithm, input []byte) ([]byte, error) {
	sig, d, err := signAsymmetric(k, alg, input)
	if d != nil {
		defer scratchPool.Put(d)
	}
	if err != nil {
		return nil, err
	}
	dst = append(dst, '.')
	return base64url.AppendEncode(dst, sig), nil
}

// signAsymmetric returns the JWS signature of input. The signature may live
// in the returned scratch, which the caller must put back after using it.
func signAsymmetric(k *jwk.PrivateKey, alg Algorithm, input []byte) ([]byte, *scratch, error) {
	signer := k.Signer()
	switch alg.KeyType() {
	case jwk.KeyTypeOKP:
		sig, err := signer.Sign(rand.Reader, input, crypto.Hash(0))
		if err != nil {
			return nil, nil, fmt.Errorf("jws: signing: %w", err)
		}
		return sig, nil, nil
	case jwk.KeyTypeRSA:
		d := getScratch()
		hashed := d.sum(alg.Hash(), input)
		var opts crypto.SignerOpts = alg.Hash()
		if alg.IsPSS() {
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: alg.Hash()}
		}
		sig, err := signer.Sign(rand.Reader, hashed, opts)
		if err != nil {
			return nil, d, fmt.Errorf("jws: signing: %w", err)
		}
		return sig, d, nil
	case jwk.KeyTypeEC:
		d := getScratch()
		hashed := d.sum(alg.Hash(), input)
		der, err := signer.Sign(rand.Reader, hashed, alg.Hash())
		if err != nil {
			return nil, d, fmt.Errorf("jws: signing: %w", err)
		}
		// The digest has been used: its scratch holds R || S now.
		raw, ok := derToRaw(d.der[:0], der, alg.SignatureSize()/2)
		if !ok {
			return nil, d, fmt.Errorf("jws: signing: signer returned a malformed ECDSA signature")
		}
		return raw, d, nil
	}
	return nil, nil, fmt.Errorf("%w: %s", ErrUnsupportedAlgorithm, alg)
}
