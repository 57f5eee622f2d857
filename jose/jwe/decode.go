package jwe

import (
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
)

// Unverified is a token read by [UnsafeDecode]: its protected header, which
// nothing has authenticated yet. The content cannot be shown without the
// key.
type Unverified struct {
	// Header holds the parameters this package interprets. Its Algorithm
	// and Encryption are whatever the token says, including names this
	// package refuses, such as "RSA1_5".
	Header Header
	// RawHeader is the decoded protected header JSON.
	RawHeader []byte
	// EncryptedKeySize, IVSize, CiphertextSize and TagSize are the decoded
	// sizes of the other four segments, in bytes.
	EncryptedKeySize, IVSize, CiphertextSize, TagSize int
}

// UnsafeDecode parses a compact JWE without decrypting it, for tools that
// show what a token says about itself. Nothing it returns can be trusted:
// the header is only authenticated by decrypting the token with a
// [Decrypter].
//
// The structural rules of decryption apply (five segments, canonical
// base64url, a strict JSON header with "alg" and "enc", maxSize or
// [DefaultMaxSize]), but "alg", "enc" and "zip" may name anything.
func UnsafeDecode(token string, maxSize int) (*Unverified, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if len(token) > maxSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(token), maxSize)
	}
	seg, err := split(token)
	if err != nil {
		return nil, err
	}
	u := &Unverified{}
	if u.RawHeader, err = base64url.DecodeString(seg.header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	for _, p := range []struct {
		s string
		n *int
	}{{seg.encryptedKey, &u.EncryptedKeySize}, {seg.iv, &u.IVSize}, {seg.ciphertext, &u.CiphertextSize}, {seg.tag, &u.TagSize}} {
		b, err := base64url.DecodeString(p.s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		*p.n = len(b)
	}
	var h header
	if err := parseHeader(u.RawHeader, DefaultMaxDepth, false, &h); err != nil {
		return nil, err
	}
	u.Header = h.Header
	return u, nil
}
