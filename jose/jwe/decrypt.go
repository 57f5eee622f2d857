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

// A Decrypter decrypts compact JWE tokens. It is configured like
// [crypto/tls.Config]: set the fields, then call [Decrypter.Decrypt] from
// any number of goroutines. A Decrypter must not be modified after its first
// use. Each field's doc says what its zero value does; every zero value is
// the safe choice.
type Decrypter struct {
	// Keys holds the decryption keys: [*jwk.SecretKey] for dir, A128KW,
	// A256KW and PBES2 (the password), [*jwk.PrivateKey] for RSA-OAEP and
	// ECDH-ES. A token's key is chosen by its "kid"; a token without "kid"
	// needs a set with exactly one key for its "alg". Public keys and keys
	// bound to signature algorithms are ignored; an oct key without an
	// algorithm is bound to the one algorithm in KeyAlgorithms that takes
	// oct keys, or ignored. Nil or empty: every token fails with
	// [ErrMisconfigured].
	Keys *jwk.Set

	// KeyAlgorithms is an allow-list of header "alg" values. Empty: the
	// algorithms the keys are bound to. A token is always decrypted with
	// the algorithm of its key, never just the one its header names.
	KeyAlgorithms []jwk.Algorithm

	// Encryptions is an allow-list of header "enc" values. Empty: all of
	// [Encryptions], which are all authenticated.
	Encryptions []Encryption

	// MaxSize limits the token length in bytes. Zero: [DefaultMaxSize].
	MaxSize int

	// MaxDepth limits JSON nesting in the header. Zero: [DefaultMaxDepth].
	MaxDepth int

	// Critical lists header extensions the caller processes itself, which a
	// token may then mark critical. Empty: a token with "crit" fails.
	Critical []string

	// MaxPBES2Count caps the PBES2 iteration count "p2c". Zero:
	// [DefaultMaxPBES2Count]. Below [MinPBES2Count]: every token fails
	// with [ErrMisconfigured].
	MaxPBES2Count int

	// MaxDecompressedSize caps the size a "zip":"DEF" payload inflates to.
	// Zero: 16 times the maximum token size; the cap is never more than
	// [MaxDecompressedSize] (1 MiB), whatever the value.
	MaxDecompressedSize int

	once  sync.Once
	setup decrypterSetup
}

// Decrypted is a decrypted token.
type Decrypted struct {
	// Header is the protected header.
	Header Header
	// Plaintext is the decrypted (and, with "zip", inflated) payload. It
	// is the caller's to keep; strings in Header may share its memory, so
	// it must not be modified.
	Plaintext []byte
	// Key is the key that decrypted the token.
	Key jwk.Key
}

type decrypterSetup struct {
	err      error
	keys     []*decKey
	algs     []jwk.Algorithm
	encs     []Encryption
	maxSize  int
	maxDepth int
	maxP2C   int
	maxZip   int
}

// decKey is a decryption key with what it needs prepared once.
type decKey struct {
	key     jwk.Key
	alg     jwk.Algorithm
	kid     string
	refused error // non-nil: "use" or "key_ops" forbid decrypting

	secret []byte       // dir: the content-encryption key; PBES2: the password
	kw     cipher.Block // A128KW, A256KW
	gcm    cipher.AEAD  // dir with a 16- or 32-byte key: A128GCM or A256GCM
	cbc    *cbcHMAC     // dir with a 32- or 64-byte key: A128CBC-HS256 or A256CBC-HS512

	ecdh    *ecdh.PrivateKey
	rsa     crypto.Decrypter
	rsaSize int
}

// Check reports whether d is usable, with the same error every Decrypt
// would return while it is not (wrapping [ErrMisconfigured]). Calling it
// once at start-up turns a bad configuration into a clear error before the
// first token arrives.
func (d *Decrypter) Check() error {
	d.once.Do(func() { d.setup = d.prepare() })
	return d.setup.err
}

func (d *Decrypter) prepare() decrypterSetup {
	fail := func(format string, args ...any) decrypterSetup {
		return decrypterSetup{err: fmt.Errorf("%w: "+format, append([]any{ErrMisconfigured}, args...)...)}
	}
	s := decrypterSetup{maxSize: d.MaxSize, maxDepth: d.MaxDepth, maxP2C: d.MaxPBES2Count, maxZip: d.MaxDecompressedSize}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxSize
	}
	if s.maxDepth <= 0 {
		s.maxDepth = DefaultMaxDepth
	}
	switch {
	case s.maxP2C == 0:
		s.maxP2C = DefaultMaxPBES2Count
	case s.maxP2C < MinPBES2Count:
		return fail("MaxPBES2Count %d is below %d", s.maxP2C, MinPBES2Count)
	}
	if s.maxZip <= 0 {
		s.maxZip = 16 * s.maxSize
	}
	s.maxZip = min(s.maxZip, MaxDecompressedSize)
	for _, a := range d.KeyAlgorithms {
		if !a.IsKeyManagement() {
			return fail("%q is not a supported key-management algorithm", string(a))
		}
	}
	s.encs = d.Encryptions
	if len(s.encs) == 0 {
		s.encs = Encryptions()
	}
	for _, e := range s.encs {
		if !e.Known() {
			return fail("unsupported content encryption %q", string(e))
		}
	}
	if d.Keys == nil || d.Keys.Len() == 0 {
		return fail("Decrypter has no keys")
	}
	for _, k := range d.Keys.Keys() {
		dk, err := prepareKey(k, d.KeyAlgorithms)
		if err != nil {
			return fail("key %q: %v", k.KeyID(), err)
		}
		if dk == nil {
			continue
		}
		s.keys = append(s.keys, dk)
		if len(d.KeyAlgorithms) == 0 && !slices.Contains(s.algs, dk.alg) {
			s.algs = append(s.algs, dk.alg)
		}
	}
	if len(d.KeyAlgorithms) > 0 {
		s.algs = d.KeyAlgorithms
	}
	if len(s.keys) == 0 {
		return fail("no key can decrypt: keys must be private or secret keys bound to a key-management algorithm")
	}
	return s
}

// prepareKey returns k prepared for decrypting, or nil if k cannot decrypt
// (a public key, a signature key, an oct key that cannot be bound).
func prepareKey(k jwk.Key, algs []jwk.Algorithm) (*decKey, error) {
	alg := k.Algorithm()
	if sk, ok := k.(*jwk.SecretKey); ok && alg == "" {
		var fit []jwk.Algorithm
		for _, a := range algs {
			if a.KeyType() == jwk.KeyTypeOct {
				fit = append(fit, a)
			}
		}
		if len(fit) != 1 {
			return nil, nil
		}
		b, err := sk.WithAlgorithm(fit[0])
		if err != nil {
			return nil, nil // a secret of the wrong size for that algorithm
		}
		k, alg = b, fit[0]
	}
	if !alg.IsKeyManagement() {
		return nil, nil
	}
	dk := &decKey{key: k, alg: alg, kid: k.KeyID(), refused: keyUse(k, alg, false)}
	switch k := k.(type) {
	case *jwk.SecretKey:
		dk.secret = k.Secret()
		switch alg {
		case jwk.A128KW, jwk.A256KW:
			b, err := aes.NewCipher(dk.secret)
			if err != nil {
				return nil, err
			}
			dk.kw = b
		case jwk.Dir:
			if len(dk.secret) <= 32 {
				g, err := newGCM(dk.secret)
				if err != nil {
					return nil, err
				}
				dk.gcm = g
			}
			if len(dk.secret) >= 32 {
				e := A128CBCHS256
				if len(dk.secret) == 64 {
					e = A256CBCHS512
				}
				c, err := newCBCHMAC(e, dk.secret)
				if err != nil {
					return nil, err
				}
				dk.cbc = c
			}
		}
	case *jwk.PrivateKey:
		if alg.IsECDH() {
			e, err := k.ECDH()
			if err != nil {
				return nil, err
			}
			dk.ecdh = e
			break
		}
		dec, ok := k.Signer().(crypto.Decrypter)
		if !ok {
			return nil, fmt.Errorf("%T cannot decrypt", k.Signer())
		}
		pub, ok := k.Public().CryptoPublicKey().(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s key is not an RSA key", alg)
		}
		dk.rsa, dk.rsaSize = dec, pub.Size()
	default:
		return nil, nil // public keys cannot decrypt
	}
	return dk, nil
}

// keyOps is implemented by keys that carry their JWK "key_ops".
type keyOps interface{ KeyOps() []string }

// keyUse reports, as an error wrapping ErrKeyUse, whether the key's "use"
// or "key_ops" ([RFC 7517, Sections 4.2 and 4.3]) forbid it to decrypt (or,
// with encrypt set, to encrypt) with alg.
//
// [RFC 7517, Sections 4.2 and 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.2
func keyUse(k jwk.Key, alg jwk.Algorithm, encrypt bool) error {
	var pub *jwk.PublicKey
	switch k := k.(type) {
	case *jwk.PublicKey:
		pub = k
	case *jwk.PrivateKey:
		pub = k.Public()
	}
	if pub != nil && pub.Use() == "sig" {
		return fmt.Errorf("%w: key %q is for signatures (\"use\":\"sig\")", ErrKeyUse, k.KeyID())
	}
	o, ok := k.(keyOps)
	if !ok || o.KeyOps() == nil {
		return nil
	}
	var allowed []string
	switch {
	case alg == jwk.Dir && encrypt:
		allowed = []string{"encrypt"}
	case alg == jwk.Dir:
		allowed = []string{"decrypt"}
	case alg.IsECDH():
		allowed = []string{"deriveKey", "deriveBits"}
	case encrypt:
		allowed = []string{"wrapKey", "encrypt"}
	default:
		allowed = []string{"unwrapKey", "decrypt"}
	}
	for _, op := range o.KeyOps() {
		if slices.Contains(allowed, op) {
			return nil
		}
	}
	return fmt.Errorf("%w: key %q has \"key_ops\" %v, none of %v", ErrKeyUse, k.KeyID(), o.KeyOps(), allowed)
}

// Decrypt decrypts a compact JWE and returns its header and plaintext.
func (d *Decrypter) Decrypt(token string) (*Decrypted, error) {
	out := new(Decrypted)
	if err := d.decrypt(token, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DecryptInto is [Decrypter.Decrypt] writing its result into out, for
// callers that reuse or embed a [Decrypted]. Most users won't need this.
func (d *Decrypter) DecryptInto(token string, out *Decrypted) error {
	*out = Decrypted{}
	return d.decrypt(token, out)
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
	p2s [64]byte
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
	hdrLen := base64url.DecodedLen(len(seg.header))
	ctLen := base64url.DecodedLen(len(seg.ciphertext))
	tagLen := base64url.DecodedLen(len(seg.tag))
	if hdrLen <= 0 || ctLen < 0 || tagLen < 0 {
		return fmt.Errorf("%w: bad segment length", ErrMalformed)
	}
	// One allocation holds the decoded header, then the ciphertext and the
	// tag; the plaintext is decrypted in place over the ciphertext.
	buf := make([]byte, hdrLen+ctLen+tagLen)
	n, err := base64url.Decode(buf[:hdrLen], bytesOf(seg.header))
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	var h header
	if err := parseHeader(buf[:n], s.maxDepth, true, &h); err != nil {
		return err
	}
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

	// Structural checks, before any key is touched.
	for _, x := range [...]string{seg.encryptedKey, seg.iv, seg.tag} {
		if !base64url.InAlphabet(x) {
			return fmt.Errorf("%w: a segment is not base64url", ErrMalformed)
		}
	}
	if base64url.DecodedLen(len(seg.iv)) != enc.ivSize() {
		return fmt.Errorf("%w: %s initialization vector must be %d bytes", ErrMalformed, enc, enc.ivSize())
	}
	if tagLen != enc.tagSize() {
		return fmt.Errorf("%w: %s tag must be %d bytes", ErrInvalidTag, enc, enc.tagSize())
	}
	ekLen := base64url.DecodedLen(len(seg.encryptedKey))
	if ekLen < 0 {
		return fmt.Errorf("%w: encrypted key", ErrMalformed)
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
	defer func() {
		clear(sc.cek[:])
		clear(sc.kek[:])
		scratchPool.Put(sc)
	}()
	iv := sc.iv[:enc.ivSize()]
	if _, err := base64url.Decode(iv, bytesOf(seg.iv)); err != nil {
		return fmt.Errorf("%w: initialization vector: %w", ErrMalformed, err)
	}
	ek := sc.ek[:ekLen]
	if _, err := base64url.Decode(ek, bytesOf(seg.encryptedKey)); err != nil {
		return fmt.Errorf("%w: encrypted key: %w", ErrMalformed, err)
	}
	body := buf[hdrLen:]
	if _, err := base64url.Decode(body[:ctLen], bytesOf(seg.ciphertext)); err != nil {
		return fmt.Errorf("%w: ciphertext: %w", ErrMalformed, err)
	}
	if _, err := base64url.Decode(body[ctLen:], bytesOf(seg.tag)); err != nil {
		return fmt.Errorf("%w: tag: %w", ErrMalformed, err)
	}

	// Algorithm parameters that are checked before the key is used.
	var (
		epk   *ecdh.PublicKey
		salt  []byte
		count int
	)
	switch {
	case alg.IsECDH():
		if epk, err = parseEPK(h.epk, s.maxDepth, key.ecdh.Curve()); err != nil {
			return err
		}
	case key.alg == jwk.PBES2HS256A128KW || key.alg == jwk.PBES2HS512A256KW:
		if salt, count, err = pbes2Params(sc.p2s[:], &h, s.maxP2C); err != nil {
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
		if err := unwrapCEK(cek, key, &h, ek, epk, salt, count, sc); err != nil {
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
func unwrapCEK(cek []byte, key *decKey, h *header, ek []byte, epk *ecdh.PublicKey, salt []byte, count int, sc *scratch) error {
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
		z, err := agree(key.ecdh, epk)
		if err != nil {
			return err
		}
		apu, apv, err := partyInfo(h)
		if err != nil {
			return err
		}
		size, algID := ecdhKeySize(key.alg, h.Encryption)
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
