package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

var errorsIs = errors.Is

// VerifyOptions configures [Verify]. The zero value (or nil) is safe: each
// key's own algorithm, [DefaultMaxSize], [DefaultMaxDepth], no critical
// extensions.
type VerifyOptions struct {
	// Algorithms is an allow-list of header "alg" values. Empty allows the
	// algorithm each key is bound to; a token is always checked with the
	// algorithm of its key.
	Algorithms []Algorithm
	// MaxSize limits the length of the compact token. Zero means
	// [DefaultMaxSize].
	MaxSize int
	// MaxDepth limits JSON nesting in the header. Zero means
	// [DefaultMaxDepth].
	MaxDepth int
	// Critical lists the extension header parameters that the caller
	// processes itself; a token whose "crit" names anything else fails with
	// [ErrUnsupportedCritical].
	Critical []string
}

// Verified is a token whose signature has been checked.
type Verified struct {
	// Header is the protected header.
	Header Header
	// Payload is the decoded payload. It is the caller's to keep, and must
	// not be modified: strings in Header share its memory.
	Payload []byte
	// Key is the key that verified the signature.
	Key jwk.VerificationKey
}

// Verify checks the signature of a compact JWS with a key from keys and
// returns its header and payload. The key is chosen by the header "kid"; a
// token without "kid" is accepted only if exactly one key in the set is bound
// to its "alg". The header "alg" must equal the chosen key's algorithm.
//
// Verify does not interpret the payload: to check JWT claims use package jwt.
func Verify(token string, keys *jwk.Set, opts *VerifyOptions) (*Verified, error) {
	v := new(Verified)
	if err := verify(token, keys, opts, v); err != nil {
		return nil, err
	}
	return v, nil
}

// VerifyInto is [Verify] writing its result into v, for callers that reuse
// or embed a [Verified] to save an allocation. Most users won't need this.
func VerifyInto(token string, keys *jwk.Set, opts *VerifyOptions, v *Verified) error {
	*v = Verified{}
	return verify(token, keys, opts, v)
}

func verify(token string, keys *jwk.Set, opts *VerifyOptions, v *Verified) error {
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if len(token) > o.MaxSize {
		return fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(token), o.MaxSize)
	}
	// An empty signature is refused after the header is parsed, so that
	// "alg":"none" tokens, which have one, fail as ErrUnsupportedAlgorithm.
	seg, err := split(token, true)
	if err != nil {
		return err
	}
	hdrLen := base64url.DecodedLen(len(seg.header))
	payLen := base64url.DecodedLen(len(seg.payload))
	if hdrLen <= 0 || payLen < 0 {
		return fmt.Errorf("%w: bad segment length", ErrMalformed)
	}
	// One allocation holds the decoded header and payload; header strings
	// alias it and the payload is handed to the caller.
	buf := make([]byte, hdrLen+payLen)
	n, err := base64url.Decode(buf[:hdrLen], bytesOf(seg.header))
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	hdr := buf[:n]
	m, err := base64url.Decode(buf[hdrLen:], bytesOf(seg.payload))
	if err != nil {
		return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	v.Payload = buf[hdrLen : hdrLen+m : hdrLen+m]

	if _, err := parseHeader(hdr, o.MaxDepth, true, &v.Header); err != nil {
		return err
	}
	if seg.signature == "" {
		return fmt.Errorf("%w: empty signature", ErrMalformed)
	}
	for _, c := range v.Header.Critical {
		if !slices.Contains(o.Critical, c) {
			return fmt.Errorf("%w: %q", ErrUnsupportedCritical, c)
		}
	}
	alg := v.Header.Algorithm
	if len(o.Algorithms) > 0 && !slices.Contains(o.Algorithms, alg) {
		return fmt.Errorf("%w: %s is not allowed", ErrUnsupportedAlgorithm, alg)
	}
	key, err := selectKey(keys, v.Header.KeyID, alg)
	if err != nil {
		return err
	}
	v.Key = key
	if err := verifySignature(key, alg, bytesOf(seg.input), seg.signature); err != nil {
		return err
	}
	return nil
}

type segments struct {
	input     string // header.payload, the JWS signing input
	header    string
	payload   string
	signature string
}

// split cuts a compact JWS into its three segments. The signature may be
// empty only if emptySig is set.
func split(token string, emptySig bool) (segments, error) {
	i := strings.IndexByte(token, '.')
	if i < 0 {
		return segments{}, fmt.Errorf("%w: want 3 segments, have 1", ErrMalformed)
	}
	j := strings.IndexByte(token[i+1:], '.')
	if j < 0 {
		return segments{}, fmt.Errorf("%w: want 3 segments, have 2", ErrMalformed)
	}
	j += i + 1
	if k := strings.IndexByte(token[j+1:], '.'); k >= 0 {
		return segments{}, fmt.Errorf("%w: want 3 segments, have %d", ErrMalformed, 3+strings.Count(token[j+1:], "."))
	}
	s := segments{input: token[:j], header: token[:i], payload: token[i+1 : j], signature: token[j+1:]}
	if s.header == "" {
		return segments{}, fmt.Errorf("%w: empty header", ErrMalformed)
	}
	if s.signature == "" && !emptySig {
		return segments{}, fmt.Errorf("%w: empty signature", ErrMalformed)
	}
	return s, nil
}

// selectKey picks the key for a token's kid and alg. A key whose "use" or
// "key_ops" forbids verifying is never picked; when such a key is all the
// set has for the token, the error says so (ErrKeyNotPermitted).
func selectKey(keys *jwk.Set, kid string, alg Algorithm) (jwk.VerificationKey, error) {
	if keys == nil || keys.Len() == 0 {
		return nil, fmt.Errorf("%w: empty key set", ErrNoKey)
	}
	var (
		found     jwk.VerificationKey
		matches   int
		mismatch  bool
		forbidden error
	)
	for _, k := range keys.Keys() {
		if kid != "" && k.KeyID() != kid {
			continue
		}
		vk := verificationKey(k)
		if vk == nil {
			continue
		}
		// Without a "kid", only keys of the token's algorithm are the
		// token's: an encryption key beside them is no reason to fail.
		if err := k.CheckOp(jwk.OpVerify); err != nil {
			if forbidden == nil && (kid != "" || k.Algorithm() == alg) {
				forbidden = err
			}
			continue
		}
		if k.Algorithm() != alg {
			mismatch = true
			continue
		}
		if found == nil {
			found = vk
		}
		matches++
	}
	switch {
	case matches == 1 || (matches > 1 && kid != ""):
		return found, nil
	case matches > 1:
		return nil, fmt.Errorf("%w: token has no \"kid\" and %d keys fit %s", ErrNoKey, matches, alg)
	case forbidden != nil && kid != "":
		return nil, fmt.Errorf("%w: kid %q: %w", ErrKeyNotPermitted, kid, forbidden)
	case forbidden != nil:
		return nil, fmt.Errorf("%w: %s key: %w", ErrKeyNotPermitted, alg, forbidden)
	case mismatch:
		return nil, fmt.Errorf("%w: token says %s", ErrAlgorithmMismatch, alg)
	case kid != "":
		return nil, fmt.Errorf("%w: no key has kid %q", ErrNoKey, kid)
	}
	return nil, fmt.Errorf("%w: no key for %s", ErrNoKey, alg)
}

func verificationKey(k jwk.Key) jwk.VerificationKey {
	switch k := k.(type) {
	case *jwk.PublicKey:
		return k
	case *jwk.SecretKey:
		return k
	case *jwk.PrivateKey:
		return k.Public()
	}
	return nil
}

// maxSignature is the largest encoded signature: RSA with MaxRSABits.
const maxSignature = jwk.MaxRSABits / 8

// verifySignature checks sig (base64url) over input with key, whose
// algorithm is alg.
func verifySignature(key jwk.VerificationKey, alg Algorithm, input []byte, sig string) error {
	switch k := key.(type) {
	case *jwk.SecretKey:
		return verifyHMAC(k, input, sig)
	case *jwk.PublicKey:
		switch pub := k.CryptoPublicKey().(type) {
		case *rsa.PublicKey:
			return verifyRSA(pub, alg, input, sig)
		case *ecdsa.PublicKey:
			return verifyECDSA(pub, alg, input, sig)
		case ed25519.PublicKey:
			return verifyEd25519(pub, input, sig)
		}
	}
	return fmt.Errorf("%w: unusable key", ErrNoKey)
}

func decodeSig(dst []byte, sig string, want int) error {
	if base64url.DecodedLen(len(sig)) != want {
		// Padding, whitespace or a trailing newline make the token
		// malformed, whatever the length they add up to.
		if !base64url.InAlphabet(sig) {
			return fmt.Errorf("%w: signature is not base64url", ErrMalformed)
		}
		return fmt.Errorf("%w: signature of wrong length", ErrBadSignature)
	}
	if _, err := base64url.Decode(dst[:want], bytesOf(sig)); err != nil {
		return fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	return nil
}

func verifyHMAC(k *jwk.SecretKey, input []byte, sig string) error {
	var buf [64]byte
	n := k.Algorithm().SignatureSize()
	if err := decodeSig(buf[:], sig, n); err != nil {
		return err
	}
	if !k.VerifyMAC(input, buf[:n]) {
		return ErrBadSignature
	}
	return nil
}

func verifyRSA(pub *rsa.PublicKey, alg Algorithm, input []byte, sig string) error {
	var buf [maxSignature]byte
	n := pub.Size()
	if err := decodeSig(buf[:], sig, n); err != nil {
		return err
	}
	d := getScratch()
	defer scratchPool.Put(d)
	hashed := d.sum(alg.Hash(), input)
	var err error
	if alg.IsPSS() {
		// The salt length must equal the hash length (RFC 7518, Section 3.5).
		err = rsa.VerifyPSS(pub, alg.Hash(), hashed, buf[:n], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		err = rsa.VerifyPKCS1v15(pub, alg.Hash(), hashed, buf[:n])
	}
	if err != nil {
		return ErrBadSignature
	}
	return nil
}

func verifyECDSA(pub *ecdsa.PublicKey, alg Algorithm, input []byte, sig string) error {
	var buf [132]byte
	n := alg.SignatureSize()
	if err := decodeSig(buf[:], sig, n); err != nil {
		return err
	}
	d := getScratch()
	defer scratchPool.Put(d)
	asn1, ok := rawToDER(d.der[:0], buf[:n])
	if !ok {
		return fmt.Errorf("%w: r or s is zero", ErrBadSignature)
	}
	if !ecdsa.VerifyASN1(pub, d.sum(alg.Hash(), input), asn1) {
		return ErrBadSignature
	}
	return nil
}

func verifyEd25519(pub ed25519.PublicKey, input []byte, sig string) error {
	var buf [ed25519.SignatureSize]byte
	if err := decodeSig(buf[:], sig, ed25519.SignatureSize); err != nil {
		return err
	}
	if !ed25519.Verify(pub, input, buf[:]) {
		return ErrBadSignature
	}
	return nil
}

// scratch holds a digest and a DER signature for one signature operation.
// crypto/rsa and crypto/ecdsa let their slice arguments escape, so scratch
// space on the stack would be moved to the heap on every call; a pool of
// them is not.
type scratch struct {
	b   [64]byte  // digest
	der [144]byte // ECDSA signature in DER, at most P-521's
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// sum returns the digest of msg under h, in d.
func (d *scratch) sum(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(msg)
		return append(d.b[:0], s[:]...)
	case crypto.SHA384:
		s := sha512.Sum384(msg)
		return append(d.b[:0], s[:]...)
	case crypto.SHA512:
		s := sha512.Sum512(msg)
		return append(d.b[:0], s[:]...)
	}
	panic("jws: unreachable hash")
}

// bytesOf returns the bytes of s without copying. The result must not be
// modified.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
