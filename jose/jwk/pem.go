package jwk

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// ParsePEM parses the first PEM block of data ([RFC 7468]) and returns a
// [*PublicKey] or a [*PrivateKey] whose key ID is its RFC 7638 thumbprint.
// Text before and after the block is ignored, as [pem.Decode] does.
//
// The block types are "PUBLIC KEY" (SubjectPublicKeyInfo), "RSA PUBLIC KEY"
// (PKCS #1), "CERTIFICATE" (its public key; the certificate itself is not
// checked), "PRIVATE KEY" (PKCS #8), "RSA PRIVATE KEY" (PKCS #1) and "EC
// PRIVATE KEY" (SEC 1). Encrypted PEM is refused.
//
// The key is bound to alg. If alg is "", EC and Ed25519 keys are bound to
// the algorithm of their curve, an RSA public key stays unbound, and an RSA
// private key fails with [ErrUnbound].
//
// [RFC 7468]: https://www.rfc-editor.org/rfc/rfc7468
func ParsePEM(data []byte, alg Algorithm) (Key, error) {
	if alg != "" && !alg.known() {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, string(alg))
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found", ErrMalformed)
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, fmt.Errorf("%w: encrypted PEM is not supported", ErrMalformed)
	}
	var (
		pub    crypto.PublicKey
		signer any
		err    error
	)
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	case "PRIVATE KEY":
		signer, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		signer, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		signer, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block type %q", ErrUnsupportedKeyType, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, block.Type, err)
	}
	if signer == nil {
		switch pub.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, *ecdh.PublicKey:
		default:
			return nil, fmt.Errorf("%w: public key of type %T", ErrUnsupportedKeyType, pub)
		}
		k, err := newPublicKey(pub, alg)
		if err != nil {
			return nil, err // not a typed nil in the Key interface
		}
		return k, nil
	}
	switch s := signer.(type) {
	case *rsa.PrivateKey:
		if len(s.Primes) != 2 {
			return nil, fmt.Errorf("%w: multi-prime RSA keys are not supported", ErrUnsupportedKeyType)
		}
		if alg == "" {
			return nil, fmt.Errorf("%w: RSA private key in PEM and no algorithm given", ErrUnbound)
		}
	case *ecdsa.PrivateKey, ed25519.PrivateKey:
	case *ecdh.PrivateKey:
		if s.Curve() != ecdh.X25519() {
			return nil, fmt.Errorf("%w: ECDH private key on %v", ErrUnsupportedKeyType, s.Curve())
		}
		if alg == "" {
			alg = ECDHES
		}
		return NewECDHPrivateKey(s, alg)
	default:
		return nil, fmt.Errorf("%w: private key of type %T", ErrUnsupportedKeyType, signer)
	}
	cs := signer.(crypto.Signer)
	public, err := newPublicKey(cs.Public(), alg)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{signer: cs, public: public}, nil
}

// MarshalPEM returns k as a PEM block: a [*PublicKey] as a "PUBLIC KEY"
// (SubjectPublicKeyInfo), a [*PrivateKey] as a "PRIVATE KEY" (PKCS #8). PEM
// holds neither the algorithm nor the key ID, which [ParsePEM] takes from its
// caller and from the thumbprint.
//
// It fails with [ErrNotExportable] for a [*SecretKey] and for a private key
// whose signer cannot be exported.
func MarshalPEM(k Key) ([]byte, error) {
	var block *pem.Block
	switch k := k.(type) {
	case *PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k.key)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotExportable, err)
		}
		block = &pem.Block{Type: "PUBLIC KEY", Bytes: der}
	case *PrivateKey:
		switch s := k.signer.(type) {
		case *rsa.PrivateKey:
			if len(s.Primes) != 2 {
				return nil, fmt.Errorf("%w: RSA key with %d primes", ErrNotExportable, len(s.Primes))
			}
		case *ecdsa.PrivateKey, ed25519.PrivateKey, x25519Key:
		default:
			return nil, fmt.Errorf("%w: private key of a %T signer", ErrNotExportable, k.signer)
		}
		var priv any = k.signer
		if x, ok := k.signer.(x25519Key); ok {
			priv = x.priv
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotExportable, err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	case *SecretKey:
		return nil, fmt.Errorf("%w: secret keys have no PEM form", ErrNotExportable)
	default:
		return nil, fmt.Errorf("%w: key of type %T", ErrMalformed, k)
	}
	return pem.EncodeToMemory(block), nil
}
