package jwe

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

var errorsIs = errors.Is

// Decrypt decrypts a compact JWE and returns its header and plaintext.
func (d *Decrypter) Decrypt(token string) (*Decrypted, error) {
	out := new(Decrypted)
	if err := d.decrypt(token, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DecryptInto is [Decrypter.Decrypt] writing its result into out, for
// callers that reuse a [Decrypted]: the memory of out.Plaintext is reused
// when it is large enough (and overwritten, even when decryption fails), so
// a loop that decrypts into one Decrypted allocates nothing per token for
// "dir" with AES-GCM. Most users won't need this.
func (d *Decrypter) DecryptInto(token string, out *Decrypted) error {
	buf := out.Plaintext[:0:cap(out.Plaintext)]
	*out = Decrypted{Plaintext: buf}
	err := d.decrypt(token, out)
	if err != nil {
		out.Plaintext = nil
	}
	return err
}

// compact holds the five segments of a compact JWE ([RFC 7516, Section 7.1]).
type compact struct {
	header, encryptedKey, iv, ciphertext, tag string
}

// split cuts a compact JWE into its five segments.
func split(token string) (compact, error) {
	var seg [5]string
	rest := token
	for i := range 4 {
		j := strings.IndexByte(rest, '.')
		if j < 0 {
			return compact{}, segmentError(i + 1)
		}
		seg[i], rest = rest[:j], rest[j+1:]
	}
	if strings.IndexByte(rest, '.') >= 0 {
		return compact{}, segmentError(6 + strings.Count(rest, "."))
	}
	seg[4] = rest
	if seg[0] == "" {
		return compact{}, fmt.Errorf("%w: empty header", ErrMalformed)
	}
	return compact{seg[0], seg[1], seg[2], seg[3], seg[4]}, nil
}

func segmentError(n int) error {
	if n == 3 {
		return fmt.Errorf("%w: want 5 segments, have 3: this is a JWS, not a JWE", ErrMalformed)
	}
	return fmt.Errorf("%w: want 5 segments, have %d", ErrMalformed, n)
}

// scratch holds the secrets of one decryption. crypto/rsa and crypto/ecdh
// let their arguments escape, so a pool is cheaper than the stack.
type scratch struct {
	ek  [jwk.MaxRSABits / 8]byte // encrypted key
	cek [64]byte                 // content-encryption key
	kek [32]byte                 // key-wrapping key
	iv  [16]byte
	p2s [256]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (d *Decrypter) decrypt(token string, out *Decrypted) error {
	if err := d.Check(); err != nil {
		return err
	}
	s := &d.setup
	if len(token) > s.maxSize {
		return fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(token), s.maxSize)
	}
	seg, err := split(token)
	if err != nil {
		return err
	}
	ctLen := base64url.DecodedLen(len(seg.ciphertext))
	tagLen := base64url.DecodedLen(len(seg.tag))
	if ctLen < 0 || tagLen < 0 {
		return fmt.Errorf("%w: bad segment length", ErrMalformed)
	}
	var hv header
	if err := d.header(seg.header, &hv); err != nil {
		return err
	}
	h := &hv
	for _, c := range h.Critical {
		if !slices.Contains(d.Critical, c) {
			return fmt.Errorf("%w: %q", ErrUnsupportedCritical, c)
		}
	}
	alg, enc := h.Algorithm, h.Encryption
	if !slices.Contains(s.algs, alg) {
		return fmt.Errorf("%w: %s is not allowed", ErrUnsupportedAlgorithm, alg)
	}
	if !slices.Contains(s.encs, enc) {
		return fmt.Errorf("%w: %s is not allowed", ErrUnsupportedAlgorithm, enc)
	}

	// Structural checks, before any key is touched. A segment of the wrong
	// length that is not even base64url is malformed, whatever its length.
	if base64url.DecodedLen(len(seg.iv)) != enc.ivSize() {
		return fmt.Errorf("%w: %s initialization vector must be %d bytes", ErrMalformed, enc, enc.ivSize())
	}
	if tagLen != enc.tagSize() {
		if !base64url.InAlphabet(seg.tag) {
			return fmt.Errorf("%w: tag is not base64url", ErrMalformed)
		}
		return fmt.Errorf("%w: %s tag must be %d bytes", ErrInvalidTag, enc, enc.tagSize())
	}
	ekLen := base64url.DecodedLen(len(seg.encryptedKey))
	if ekLen < 0 || !base64url.InAlphabet(seg.encryptedKey) {
		return fmt.Errorf("%w: encrypted key is not base64url", ErrMalformed)
	}
	switch alg {
	case jwk.Dir, jwk.ECDHES:
		// RFC 7516, Sections 5.1 and 5.2: the encrypted key is empty.
		if ekLen != 0 {
			return fmt.Errorf("%w: %s must have an empty encrypted key", ErrInvalidEncryptedKey, alg)
		}
	case jwk.RSAOAEP, jwk.RSAOAEP256:
		if ekLen == 0 {
			return fmt.Errorf("%w: %s encrypted key is empty", ErrInvalidEncryptedKey, alg)
		}
	default: // key wrapping: the CEK plus the 8-byte integrity check value
		if ekLen != enc.KeySize()+8 {
			return fmt.Errorf("%w: %s encrypted key must be %d bytes for %s", ErrInvalidEncryptedKey, alg, enc.KeySize()+8, enc)
		}
	}

	key, err := selectKey(s.keys, h.KeyID, alg)
	if err != nil {
		return err
	}
	if alg == jwk.Dir && len(key.secret) != enc.KeySize() {
		return fmt.Errorf("%w: dir key of %d bytes cannot decrypt %s", ErrAlgorithmMismatch, len(key.secret), enc)
	}
	if key.rsa != nil && ekLen != key.rsaSize {
		return fmt.Errorf("%w: %s encrypted key must be %d bytes for this key", ErrInvalidEncryptedKey, alg, key.rsaSize)
	}

	sc := scratchPool.Get().(*scratch)
	err = d.finish(seg, h, key, ekLen, ctLen, sc, out)
	clear(sc.cek[:])
	clear(sc.kek[:])
	scratchPool.Put(sc)
	return err
}

// finish decodes the other segments, checks the algorithm parameters, and
// decrypts.
func (d *Decrypter) finish(seg compact, h *header, key *decKey, ekLen, ctLen int, sc *scratch, out *Decrypted) error {
	s := &d.setup
	alg, enc := h.Algorithm, h.Encryption
	iv := sc.iv[:enc.ivSize()]
	if _, err := base64url.Decode(iv, bytesOf(seg.iv)); err != nil {
		return fmt.Errorf("%w: initialization vector: %w", ErrMalformed, err)
	}
	ek := sc.ek[:ekLen]
	if _, err := base64url.Decode(ek, bytesOf(seg.encryptedKey)); err != nil {
		return fmt.Errorf("%w: encrypted key: %w", ErrMalformed, err)
	}
	// One allocation holds the ciphertext and the tag; the plaintext is
	// decrypted in place over the ciphertext.
	body := out.Plaintext[:0]
	if n := ctLen + enc.tagSize(); cap(body) >= n {
		body = body[:n]
	} else {
		body = make([]byte, n)
	}
	if _, err := base64url.Decode(body[:ctLen], bytesOf(seg.ciphertext)); err != nil {
		return fmt.Errorf("%w: ciphertext: %w", ErrMalformed, err)
	}
	if _, err := base64url.Decode(body[ctLen:], bytesOf(seg.tag)); err != nil {
		return fmt.Errorf("%w: tag: %w", ErrMalformed, err)
	}

	// Algorithm parameters that are checked before the key is used.
	var (
		err      error
		epk      *ecdh.PublicKey
		apu, apv []byte
		salt     []byte
		count    int
	)
	switch {
	case key.ecdh != nil:
		if epk, err = parseEPK(h.epk, s.maxDepth, key.ecdh.Curve()); err != nil {
			return err
		}
		if apu, apv, err = partyInfo(h); err != nil {
			return err
		}
	case key.alg == jwk.PBES2HS256A128KW || key.alg == jwk.PBES2HS512A256KW:
		if salt, count, err = pbes2Params(sc.p2s[:], h, s.maxP2C); err != nil {
			return err
		}
	}

	// From here on, every failure is ErrDecryption.
	aad := bytesOf(seg.header)
	var plaintext []byte
	if alg == jwk.Dir {
		plaintext, err = openWith(key.gcm, key.cbc, enc, iv, body, ctLen, aad)
	} else {
		cek := sc.cek[:enc.KeySize()]
		if err := unwrapCEK(cek, key, enc, ek, epk, apu, apv, salt, count, sc); err != nil {
			return err
		}
		plaintext, err = open(cek, enc, iv, body, ctLen, aad)
	}
	if err != nil {
		return err
	}
	if h.Compression == "DEF" {
		if plaintext, err = inflate(plaintext, s.maxZip); err != nil {
			return err
		}
	}
	out.Header = h.Header
	out.Plaintext = plaintext
	out.Key = key.key
	return nil
}

// cachedHeader is a parsed protected header and its encoded form. Tokens
// of one sender under dir, AES key wrap or RSA-OAEP repeat the same header,
// so the last one is kept, and a token with the same header segment skips
// decoding and parsing it. Headers with per-token parameters (ECDH-ES
// "epk", PBES2 "p2s") are never kept.
type cachedHeader struct {
	encoded string
	h       header // strings alias a copy owned by the cache
}

// header parses the encoded protected header into h.
func (d *Decrypter) header(encoded string, h *header) error {
	if c := d.last.Load(); c != nil && c.encoded == encoded {
		*h = c.h
		return nil
	}
	n := base64url.DecodedLen(len(encoded))
	if n <= 0 {
		return fmt.Errorf("%w: bad header length", ErrMalformed)
	}
	// The header gets its own allocation: the Header returned to the
	// caller aliases it, and the cache may keep it.
	buf := make([]byte, n)
	if _, err := base64url.Decode(buf, bytesOf(encoded)); err != nil {
		return fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if err := parseHeader(buf, d.setup.maxDepth, true, h); err != nil {
		return err
	}
	if h.epk == nil && h.p2s == nil && h.p2c == nil && h.apu == nil && h.apv == nil {
		d.last.Store(&cachedHeader{encoded: strings.Clone(encoded), h: *h})
	}
	return nil
}

// selectKey picks the key for a token's kid and alg.
func selectKey(keys []*decKey, kid string, alg jwk.Algorithm) (*decKey, error) {
	var (
		found    *decKey
		matches  int
		mismatch bool
		refused  error
	)
	for _, k := range keys {
		if kid != "" && k.kid != kid {
			continue
		}
		if k.alg != alg {
			mismatch = true
			continue
		}
		if k.refused != nil {
			refused = k.refused
			continue
		}
		if found == nil {
			found = k
		}
		matches++
	}
	switch {
	case matches == 1 || (matches > 1 && kid != ""):
		return found, nil
	case matches > 1:
		return nil, fmt.Errorf("%w: token has no \"kid\" and %d keys fit %s", ErrNoKey, matches, alg)
	case refused != nil:
		return nil, refused
	case mismatch:
		return nil, fmt.Errorf("%w: token says %s", ErrAlgorithmMismatch, alg)
	case kid != "":
		return nil, fmt.Errorf("%w: no key has kid %q", ErrNoKey, kid)
	}
	return nil, fmt.Errorf("%w: no key for %s", ErrNoKey, alg)
}

// unwrapCEK recovers the content-encryption key into cek. Every failure is
// ErrDecryption, and an RSA-OAEP failure is hidden behind a random key
// (RFC 7516, Section 11.5), so that the content decryption fails the same
// way, at the same point, as with a wrong key.
func unwrapCEK(cek []byte, key *decKey, enc Encryption, ek []byte, epk *ecdh.PublicKey, apu, apv, salt []byte, count int, sc *scratch) error {
	var kek []byte
	switch key.alg {
	case jwk.RSAOAEP, jwk.RSAOAEP256:
		hash := crypto.SHA1
		if key.alg == jwk.RSAOAEP256 {
			hash = crypto.SHA256
		}
		got, err := key.rsa.Decrypt(rand.Reader, ek, &rsa.OAEPOptions{Hash: hash})
		rand.Read(cek) // never fails, see crypto/rand.Read
		if err == nil && len(got) == len(cek) {
			copy(cek, got)
		}
		clear(got)
		return nil
	case jwk.A128KW, jwk.A256KW:
		if !unwrapKey(cek, key.kw, ek) {
			return ErrDecryption
		}
		return nil
	case jwk.PBES2HS256A128KW, jwk.PBES2HS512A256KW:
		k, err := pbes2Key(key.alg, key.secret, salt, count)
		if err != nil {
			return ErrDecryption
		}
		kek = k
	default: // ECDH-ES family
		// A low-order X25519 epk fails here with ErrInvalidEphemeralKey:
		// the all-zero secret it forces says nothing about the key.
		z, err := agree(key.ecdh, epk)
		if err != nil {
			return err
		}
		size, algID := ecdhKeySize(key.alg, enc)
		if key.alg == jwk.ECDHES {
			concatKDF(cek[:0], z, algID, apu, apv, size)
			return nil
		}
		kek = concatKDF(sc.kek[:0], z, algID, apu, apv, size)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return ErrDecryption
	}
	if !unwrapKey(cek, block, ek) {
		return ErrDecryption
	}
	return nil
}

// partyInfo decodes "apu" and "apv" ([RFC 7518, Sections 4.6.1.2 and
// 4.6.1.3]); a malformed one is ErrMalformed.
func partyInfo(h *header) (apu, apv []byte, err error) {
	if h.apu != nil {
		if apu, err = base64url.DecodeString(aliasString(h.apu)); err != nil {
			return nil, nil, fmt.Errorf("%w: \"apu\": %w", ErrMalformed, err)
		}
	}
	if h.apv != nil {
		if apv, err = base64url.DecodeString(aliasString(h.apv)); err != nil {
			return nil, nil, fmt.Errorf("%w: \"apv\": %w", ErrMalformed, err)
		}
	}
	return apu, apv, nil
}

// open decrypts body (ciphertext of ctLen bytes, then the tag) in place
// under a per-token content-encryption key.
func open(cek []byte, enc Encryption, iv, body []byte, ctLen int, aad []byte) ([]byte, error) {
	if enc.isGCM() {
		g, err := newGCM(cek)
		if err != nil {
			return nil, ErrDecryption
		}
		return openWith(g, nil, enc, iv, body, ctLen, aad)
	}
	c, err := newCBCHMAC(enc, cek)
	if err != nil {
		return nil, ErrDecryption
	}
	return openWith(nil, c, enc, iv, body, ctLen, aad)
}

// openWith decrypts body in place with a prepared GCM or CBC-HMAC.
func openWith(g cipher.AEAD, c *cbcHMAC, enc Encryption, iv, body []byte, ctLen int, aad []byte) ([]byte, error) {
	if enc.isGCM() {
		if g == nil {
			return nil, ErrDecryption
		}
		pt, err := g.Open(body[:0], iv, body, aad)
		if err != nil {
			return nil, ErrDecryption
		}
		return pt, nil
	}
	if c == nil || c.tagLen != enc.tagSize() {
		return nil, ErrDecryption
	}
	pt, ok := c.open(iv, body[:ctLen], aad, body[ctLen:])
	if !ok {
		return nil, ErrDecryption
	}
	return pt, nil
}
