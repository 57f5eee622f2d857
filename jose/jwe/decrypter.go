package jwe

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rsa"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/wardauth/ward/jose/jwk"
)

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
	last  atomic.Pointer[cachedHeader] // the last reusable header parsed
}

// Decrypted is a decrypted token.
type Decrypted struct {
	// Header is the protected header.
	Header Header
	// Plaintext is the decrypted (and, with "zip", inflated) payload. It
	// is the caller's to keep and to modify.
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
		s.maxZip = MaxDecompressedSize
		if s.maxSize < MaxDecompressedSize/16 { // no overflow with a 32-bit int
			s.maxZip = 16 * s.maxSize
		}
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
