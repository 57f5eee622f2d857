package jwk

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// Errors returned when a key is built, parsed or bound to an algorithm.
var (
	// ErrUnsupportedAlgorithm means the algorithm is not one of [Algorithms].
	ErrUnsupportedAlgorithm = errors.New("jwk: unsupported algorithm")
	// ErrKeyMismatch means the key's type or curve does not fit the algorithm.
	ErrKeyMismatch = errors.New("jwk: key does not fit algorithm")
	// ErrWeakKey means an RSA modulus below [MinRSABits] (or above
	// [MaxRSABits]) or with the ROCA fingerprint ([ErrROCA]), or an HMAC
	// secret shorter than the hash output.
	ErrWeakKey = errors.New("jwk: key is too weak")
	// ErrMalformed means the JWK, JWKS or PEM text cannot be parsed.
	ErrMalformed = errors.New("jwk: malformed key")
	// ErrAlgorithmConflict means one key was offered under two algorithms.
	ErrAlgorithmConflict = errors.New("jwk: key offered under two algorithms")
	// ErrUnbound means the key has no algorithm and none was configured.
	ErrUnbound = errors.New("jwk: key is not bound to an algorithm")
	// ErrUnsupportedKeyType means a key type or curve that this package does
	// not implement, such as "X448", "Ed448" or P-224. [ParseSet] skips
	// such keys.
	ErrUnsupportedKeyType = errors.New("jwk: unsupported key type")
	// ErrNotExportable means the key cannot be written in the requested
	// form: the private half of an opaque [crypto.Signer] (an HSM or KMS
	// key), a multi-prime RSA key, or a secret key as PEM.
	ErrNotExportable = errors.New("jwk: key cannot be exported")
)

// Key is a JSON Web Key ([RFC 7517]): a [*PublicKey], a [*PrivateKey] or a
// [*SecretKey]. The set of implementations is closed.
//
// [RFC 7517]: https://www.rfc-editor.org/rfc/rfc7517
type Key interface {
	// Algorithm returns the algorithm the key is bound to, or "" for an RSA
	// or oct key that was parsed without an "alg" member and not yet bound.
	Algorithm() Algorithm
	// KeyID returns the "kid" member.
	KeyID() string
	// KeyType returns the "kty" member: "oct", "RSA", "EC" or "OKP".
	KeyType() string
	// CheckOp returns nil if the key's "use" and "key_ops" members permit
	// op, and otherwise an error wrapping [ErrOperationNotPermitted].
	CheckOp(op KeyOp) error
	isKey()
}

// VerificationKey is a key that checks signatures: a [*PublicKey] or a
// [*SecretKey].
type VerificationKey interface {
	Key
	verificationKey()
}

// SigningKey is a key that makes signatures: a [*PrivateKey] or a
// [*SecretKey].
type SigningKey interface {
	Key
	signingKey()
}

// PublicKey is an asymmetric public key (RSA, ECDSA or Ed25519) bound to one
// algorithm. A PublicKey is immutable.
type PublicKey struct {
	key crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	alg Algorithm
	kid string
	usage
}

// NewPublicKey returns a public key bound to alg. pub must be an
// *rsa.PublicKey, an *ecdsa.PublicKey or an ed25519.PublicKey that fits alg;
// an empty alg fails with [ErrUnbound], and a key type or curve this package
// does not implement with [ErrUnsupportedKeyType]. The key ID is the RFC 7638
// SHA-256 thumbprint.
func NewPublicKey(pub crypto.PublicKey, alg Algorithm) (*PublicKey, error) {
	if alg == "" {
		return nil, fmt.Errorf("%w: no algorithm given", ErrUnbound)
	}
	return newPublicKey(pub, alg)
}

// newPublicKey is [NewPublicKey], except that alg may be "": EC and Ed25519
// keys are then bound to the algorithm of their curve and RSA keys stay
// unbound.
func newPublicKey(pub crypto.PublicKey, alg Algorithm) (*PublicKey, error) {
	if _, err := checkPublic(pub, alg); err != nil {
		return nil, err
	}
	if alg == "" {
		switch p := pub.(type) {
		case *ecdsa.PublicKey:
			alg = CurveAlgorithm(curveName(p.Curve))
		case ed25519.PublicKey:
			alg = EdDSA
		case *ecdh.PublicKey:
			alg = ECDHES
		}
	}
	k := &PublicKey{key: pub, alg: alg}
	k.kid = mustThumbprintKID(k)
	return k, nil
}

// checkPublic checks that pub is a supported public key that fits alg (alg
// may be "" for RSA, which leaves the key unbound) and returns its kty.
func checkPublic(pub crypto.PublicKey, alg Algorithm) (string, error) {
	var kty string
	switch p := pub.(type) {
	case *rsa.PublicKey:
		kty = KeyTypeRSA
		if p == nil || p.N == nil {
			return "", fmt.Errorf("%w: nil RSA key", ErrMalformed)
		}
		if bits := p.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			return "", fmt.Errorf("%w: RSA modulus of %d bits (need %d to %d)", ErrWeakKey, bits, MinRSABits, MaxRSABits)
		}
		if p.E < 3 || p.E%2 == 0 {
			return "", fmt.Errorf("%w: bad RSA public exponent", ErrMalformed)
		}
		if hasROCAFingerprint(p.N) {
			return "", ErrROCA
		}
	case *ecdsa.PublicKey:
		kty = KeyTypeEC
		if p == nil || p.Curve == nil {
			return "", fmt.Errorf("%w: nil ECDSA key", ErrMalformed)
		}
		crv := curveName(p.Curve)
		if crv == "" {
			return "", fmt.Errorf("%w: curve %s", ErrUnsupportedKeyType, p.Curve.Params().Name)
		}
		want := CurveAlgorithm(crv)
		if alg == "" {
			alg = want
		}
		if alg != want && !alg.IsECDH() {
			return "", fmt.Errorf("%w: %s key cannot be used with %s", ErrKeyMismatch, crv, alg)
		}
	case ed25519.PublicKey:
		kty = KeyTypeOKP
		if len(p) != ed25519.PublicKeySize {
			return "", fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrMalformed, len(p))
		}
		if alg != "" && alg != EdDSA {
			return "", fmt.Errorf("%w: Ed25519 key cannot be used with %s", ErrKeyMismatch, alg)
		}
	case *ecdh.PublicKey:
		kty = KeyTypeOKP
		if err := checkX25519Public(p, alg); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("%w: public key of type %T", ErrUnsupportedKeyType, pub)
	}
	if alg == "" {
		return kty, nil
	}
	info, ok := alg.anyInfo()
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, string(alg))
	}
	if !info.fitsKeyType(kty) {
		return "", fmt.Errorf("%w: %s key cannot be used with %s", ErrKeyMismatch, kty, alg)
	}
	return kty, nil
}

func curveName(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "P-256"
	case elliptic.P384():
		return "P-384"
	case elliptic.P521():
		return "P-521"
	}
	return ""
}

// Algorithm implements [Key].
func (k *PublicKey) Algorithm() Algorithm { return k.alg }

// KeyID implements [Key].
func (k *PublicKey) KeyID() string { return k.kid }

// KeyType implements [Key].
func (k *PublicKey) KeyType() string {
	switch k.key.(type) {
	case *rsa.PublicKey:
		return KeyTypeRSA
	case *ecdsa.PublicKey:
		return KeyTypeEC
	}
	return KeyTypeOKP
}

// CryptoPublicKey returns the standard library key: an *rsa.PublicKey, an
// *ecdsa.PublicKey or an ed25519.PublicKey. The caller must not modify it.
func (k *PublicKey) CryptoPublicKey() crypto.PublicKey { return k.key }

// WithKeyID returns a copy of k with the given key ID.
func (k *PublicKey) WithKeyID(kid string) *PublicKey {
	c := *k
	c.kid = kid
	return &c
}

// WithAlgorithm returns a copy of k bound to alg. It fails with
// [ErrAlgorithmConflict] if k is already bound to another algorithm.
func (k *PublicKey) WithAlgorithm(alg Algorithm) (*PublicKey, error) {
	if k.alg != "" {
		if k.alg != alg {
			return nil, fmt.Errorf("%w: bound to %s, offered as %s", ErrAlgorithmConflict, k.alg, alg)
		}
		return k, nil
	}
	if _, err := checkPublic(k.key, alg); err != nil {
		return nil, err
	}
	c := *k
	c.alg = alg
	return &c, nil
}

// Equal reports whether k and x hold the same public key material, ignoring
// the algorithm, key ID, "use" and "key_ops".
func (k *PublicKey) Equal(x *PublicKey) bool {
	if k == nil || x == nil {
		return k == x
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := k.key.(equaler)
	return ok && e.Equal(x.key)
}

func (*PublicKey) isKey()           {}
func (*PublicKey) verificationKey() {}

// PrivateKey is an asymmetric private key bound to one algorithm. It signs
// through [crypto.Signer], so keys held in an HSM or a KMS fit: see
// [NewPrivateKey]. A PrivateKey is immutable.
type PrivateKey struct {
	signer crypto.Signer
	public *PublicKey
}

// NewPrivateKey returns a private key bound to alg. signer may be an
// *rsa.PrivateKey, an *ecdsa.PrivateKey, an ed25519.PrivateKey, or any other
// [crypto.Signer] (an HSM or KMS handle) whose Public method returns a key that
// fits alg. For ECDSA, an opaque signer must return ASN.1 DER signatures as
// *ecdsa.PrivateKey does; for RSA-PSS it must honour [rsa.PSSOptions]. The
// key ID is the RFC 7638 SHA-256 thumbprint of the public key.
func NewPrivateKey(signer crypto.Signer, alg Algorithm) (*PrivateKey, error) {
	if signer == nil {
		return nil, fmt.Errorf("%w: nil signer", ErrMalformed)
	}
	if alg == "" {
		return nil, fmt.Errorf("%w: no algorithm given", ErrUnbound)
	}
	pub, err := NewPublicKey(signer.Public(), alg)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{signer: signer, public: pub}, nil
}

// Algorithm implements [Key].
func (k *PrivateKey) Algorithm() Algorithm { return k.public.alg }

// KeyID implements [Key].
func (k *PrivateKey) KeyID() string { return k.public.kid }

// KeyType implements [Key].
func (k *PrivateKey) KeyType() string { return k.public.KeyType() }

// Public returns the public half of k, with the same algorithm and key ID.
func (k *PrivateKey) Public() *PublicKey { return k.public }

// Signer returns the underlying [crypto.Signer].
func (k *PrivateKey) Signer() crypto.Signer { return k.signer }

// WithKeyID returns a copy of k with the given key ID.
func (k *PrivateKey) WithKeyID(kid string) *PrivateKey {
	return &PrivateKey{signer: k.signer, public: k.public.WithKeyID(kid)}
}

func (*PrivateKey) isKey()      {}
func (*PrivateKey) signingKey() {}

// SecretKey is an HMAC secret bound to one of HS256, HS384 and HS512. Secret
// keys cannot be compared with ==; use [SecretKey.Equal], which runs in
// constant time. A SecretKey is immutable and safe for concurrent use.
//
// A secret's key ID is never derived from the secret (a hash of a secret
// leaks information about it): it is empty unless set with
// [SecretKey.WithKeyID] or a JWK "kid".
type SecretKey struct {
	_      [0]func() // not comparable
	secret []byte
	alg    Algorithm
	kid    string
	usage
	macs *sync.Pool // of *macState; nil until bound
}

type macState struct {
	h   hash.Hash
	sum [64]byte
}

// NewSecretKey returns an HMAC key bound to alg, holding a copy of secret.
// The secret must be at least as long as the hash output (32, 48 or 64
// bytes) as [RFC 7518, Section 3.2] requires.
//
// [RFC 7518, Section 3.2]: https://www.rfc-editor.org/rfc/rfc7518#section-3.2
func NewSecretKey(secret []byte, alg Algorithm) (*SecretKey, error) {
	k := &SecretKey{secret: append([]byte(nil), secret...)}
	if alg == "" {
		return nil, fmt.Errorf("%w: no algorithm given", ErrUnbound)
	}
	if err := k.bind(alg); err != nil {
		return nil, err
	}
	return k, nil
}

// minUnboundSecret is the length of the shortest secret that some algorithm
// (HS256) accepts. An unbound secret shorter than this could never be bound.
const minUnboundSecret = 32

// newUnboundSecretKey returns a secret key with no algorithm, for a JWK
// without "alg"; a verifier binds it with [SecretKey.WithAlgorithm]. The
// secret is not copied.
func newUnboundSecretKey(secret []byte) (*SecretKey, error) {
	if len(secret) < minUnboundSecret {
		return nil, fmt.Errorf("%w: secret of %d bytes (HS256 needs at least %d)", ErrWeakKey, len(secret), minUnboundSecret)
	}
	return &SecretKey{secret: secret}, nil
}

func (k *SecretKey) bind(alg Algorithm) error {
	info, ok := alg.anyInfo()
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, string(alg))
	}
	if info.kty != KeyTypeOct {
		return fmt.Errorf("%w: oct key cannot be used with %s", ErrKeyMismatch, alg)
	}
	if len(k.secret) < info.size {
		return fmt.Errorf("%w: %s secret of %d bytes (need at least %d)", ErrWeakKey, alg, len(k.secret), info.size)
	}
	if info.km {
		// Key-management keys never make MACs (encalg.go).
		if err := checkKMSecret(alg, info, len(k.secret)); err != nil {
			return err
		}
		k.alg = alg
		return nil
	}
	k.alg = alg
	newHash := info.hash.New
	secret := k.secret
	k.macs = &sync.Pool{New: func() any { return &macState{h: hmac.New(newHash, secret)} }}
	return nil
}

// Algorithm implements [Key].
func (k *SecretKey) Algorithm() Algorithm { return k.alg }

// KeyID implements [Key].
func (k *SecretKey) KeyID() string { return k.kid }

// KeyType implements [Key]; it is always "oct".
func (k *SecretKey) KeyType() string { return KeyTypeOct }

// Len returns the length of the secret in bytes.
func (k *SecretKey) Len() int { return len(k.secret) }

// Secret returns a copy of the secret bytes. Handle it with care.
func (k *SecretKey) Secret() []byte { return append([]byte(nil), k.secret...) }

// Equal reports, in constant time, whether k and x hold the same secret and
// are bound to the same algorithm.
func (k *SecretKey) Equal(x *SecretKey) bool {
	if k == nil || x == nil {
		return k == x
	}
	return subtle.ConstantTimeCompare(k.secret, x.secret) == 1 && k.alg == x.alg
}

// WithKeyID returns a copy of k with the given key ID.
func (k *SecretKey) WithKeyID(kid string) *SecretKey {
	c := &SecretKey{secret: k.secret, alg: k.alg, kid: kid, usage: k.usage, macs: k.macs}
	return c
}

// WithAlgorithm returns a copy of k bound to alg. It fails with
// [ErrAlgorithmConflict] if k is already bound to another algorithm, and with
// [ErrWeakKey] if the secret is shorter than alg's hash output.
func (k *SecretKey) WithAlgorithm(alg Algorithm) (*SecretKey, error) {
	if k.alg != "" {
		if k.alg != alg {
			return nil, fmt.Errorf("%w: bound to %s, offered as %s", ErrAlgorithmConflict, k.alg, alg)
		}
		return k, nil
	}
	c := &SecretKey{secret: k.secret, kid: k.kid, usage: k.usage}
	if err := c.bind(alg); err != nil {
		return nil, err
	}
	return c, nil
}

// AppendMAC appends the HMAC of msg under k to dst. Most users won't need
// this: package jws calls it.
func (k *SecretKey) AppendMAC(dst, msg []byte) ([]byte, error) {
	if k.macs == nil {
		return nil, ErrUnbound
	}
	s := k.macs.Get().(*macState)
	s.h.Reset()
	s.h.Write(msg)
	sum := s.h.Sum(s.sum[:0])
	dst = append(dst, sum...)
	k.macs.Put(s)
	return dst, nil
}

// VerifyMAC reports, in constant time, whether mac is the HMAC of msg under
// k. Most users won't need this: package jws calls it.
func (k *SecretKey) VerifyMAC(msg, mac []byte) bool {
	if k.macs == nil {
		return false
	}
	s := k.macs.Get().(*macState)
	s.h.Reset()
	s.h.Write(msg)
	sum := s.h.Sum(s.sum[:0])
	ok := hmac.Equal(sum, mac)
	k.macs.Put(s)
	return ok
}

func (*SecretKey) isKey()           {}
func (*SecretKey) verificationKey() {}
func (*SecretKey) signingKey()      {}
