package jws

import (
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
)

// Unverified is a token read by [UnsafeDecode]: nothing in it is
// authenticated.
type Unverified struct {
	// Header holds the parameters this package interprets. Its Algorithm
	// is whatever the token says, including names this package refuses to
	// verify, such as "none".
	Header Header
	// RawHeader is the decoded header JSON.
	RawHeader []byte
	// Payload is the decoded payload.
	Payload []byte
	// Signature is the decoded signature.
	Signature []byte
	// EmbeddedKey reports that the header carries "jku", "jwk", "x5u",
	// "x5c", "x5t" or "x5t#S256": parameters that some libraries use to
	// find keys and that this package never uses.
	EmbeddedKey bool
}

// UnsafeDecode parses a compact JWS without verifying it, for tools that
// show what a token contains. Nothing it returns can be trusted: use
// [Verify], or package jwt, to authenticate a token.
//
// The same structural rules as Verify apply (three segments, canonical
// base64url, a strict JSON header, maxSize or [DefaultMaxSize]), except that
// the signature may be empty and "alg" may name any algorithm.
func UnsafeDecode(token string, maxSize int) (*Unverified, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if len(token) > maxSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(token), maxSize)
	}
	seg, err := split(token, true)
	if err != nil {
		return nil, err
	}
	u := &Unverified{}
	if u.RawHeader, err = decodeSegment(seg.header, "header"); err != nil {
		return nil, err
	}
	if u.Payload, err = decodeSegment(seg.payload, "payload"); err != nil {
		return nil, err
	}
	if u.Signature, err = decodeSegment(seg.signature, "signature"); err != nil {
		return nil, err
	}
	flags, err := parseHeader(u.RawHeader, DefaultMaxDepth, false, &u.Header)
	if err != nil {
		return nil, err
	}
	u.EmbeddedKey = flags&hasEmbeddedKey != 0
	return u, nil
}

func decodeSegment(s, what string) ([]byte, error) {
	b, err := base64url.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
	}
	return b, nil
}
