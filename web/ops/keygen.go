package ops

import (
	"crypto"
	"crypto/rand"
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// KeyInfo shows one key in every form the page offers.
type KeyInfo struct {
	// Alg and Kty are the key's algorithm ("" if unbound) and type.
	Alg string `json:"alg"`
	Kty string `json:"kty"`
	// PrivateJWK and PrivatePEM hold a private key ("" for a public key).
	PrivateJWK string `json:"private_jwk,omitempty"`
	PrivatePEM string `json:"private_pem,omitempty"`
	// PublicJWK and PublicPEM hold the public key ("" for a secret).
	PublicJWK string `json:"public_jwk,omitempty"`
	PublicPEM string `json:"public_pem,omitempty"`
	// Secret is an oct key's secret in base64url.
	Secret string `json:"secret,omitempty"`
	// SecretJWK is an oct key as a JWK.
	SecretJWK string `json:"secret_jwk,omitempty"`
	// Thumbprint is the RFC 7638 SHA-256 thumbprint of an asymmetric key,
	// in base64url ("" for a secret: a hash of a secret leaks information).
	Thumbprint string `json:"thumbprint,omitempty"`
}

// Keygen makes a new key for alg: a JWS algorithm of DESIGN §2, or a JWE
// key-management algorithm (ECDH-ES keys on crv, "" meaning P-256).
func Keygen(alg, crv string) (*KeyInfo, error) {
	a := jwk.Algorithm(alg)
	var k jwk.SigningKey
	var err error
	switch {
	case a.IsECDH() && crv != "":
		k, err = jwk.GenerateECDH(a, crv)
	case a == jwk.Dir:
		secret := make([]byte, jwe.A256GCM.KeySize())
		rand.Read(secret) // never fails, see crypto/rand.Read
		k, err = jwk.NewSecretKey(secret, jwk.Dir)
	case a.Known() || a.IsKeyManagement():
		k, err = jwk.Generate(a)
	default:
		return nil, fmt.Errorf("%w: unknown algorithm %q", ErrInput, alg)
	}
	if err != nil {
		return nil, err
	}
	return describe(k)
}

// Convert reads a key (a JWK or PEM, public, private or oct) and shows it
// in every form: PEM to JWK and JWK to PEM, with its thumbprint. alg binds
// a key that does not name its algorithm (a PEM key, an RSA or oct JWK
// without "alg"); "" leaves it unbound where the key allows.
func Convert(text, alg string) (*KeyInfo, error) {
	a := jwk.Algorithm(alg)
	pk, err := parseKeyText(text, a)
	if err != nil {
		return nil, err
	}
	if pk.Set {
		return nil, fmt.Errorf("%w: a JWK Set: convert takes one key", ErrInput)
	}
	return describe(pk.Keys[0])
}

func describe(k jwk.Key) (*KeyInfo, error) {
	info := &KeyInfo{Alg: string(k.Algorithm()), Kty: k.KeyType()}
	var pub *jwk.PublicKey
	switch k := k.(type) {
	case *jwk.SecretKey:
		b, err := k.MarshalJSON()
		if err != nil {
			return nil, err
		}
		info.SecretJWK, info.Secret = string(b), base64url.EncodeToString(k.Secret())
		return info, nil
	case *jwk.PrivateKey:
		b, err := k.MarshalJSON()
		if err != nil {
			return nil, err
		}
		info.PrivateJWK = string(b)
		if p, err := jwk.MarshalPEM(k); err == nil {
			info.PrivatePEM = string(p)
		}
		pub = k.Public()
	case *jwk.PublicKey:
		pub = k
	}
	b, err := pub.MarshalJSON()
	if err != nil {
		return nil, err
	}
	info.PublicJWK = string(b)
	if p, err := jwk.MarshalPEM(pub); err == nil {
		info.PublicPEM = string(p)
	}
	sum, err := jwk.Thumbprint(pub, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	info.Thumbprint = base64url.EncodeToString(sum)
	return info, nil
}
