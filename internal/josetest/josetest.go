// Package josetest holds the helpers that the tests of jose/jws and
// jose/jwt share: test keys, and signing of hand-written tokens that the
// real signers would never produce. It is imported only by tests.
package josetest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

// IsAny reports whether err matches one of targets with errors.Is.
func IsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// B64 returns the base64url encoding of s.
func B64(s string) string { return base64url.EncodeToString([]byte(s)) }

var (
	keysOnce sync.Once
	keys     map[jwk.Algorithm]jwk.SigningKey
	rsaPriv  *rsa.PrivateKey
)

// Key returns a key for alg, generated once per test binary. The RSA
// algorithms share one 2048-bit key, each bound to its own algorithm.
func Key(t testing.TB, alg jwk.Algorithm) jwk.SigningKey {
	t.Helper()
	keysOnce.Do(func() {
		keys = make(map[jwk.Algorithm]jwk.SigningKey)
		var err error
		if rsaPriv, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		curves := map[jwk.Algorithm]elliptic.Curve{jwk.ES256: elliptic.P256(), jwk.ES384: elliptic.P384(), jwk.ES512: elliptic.P521()}
		for _, a := range jwk.Algorithms() {
			var k jwk.SigningKey
			switch a.KeyType() {
			case jwk.KeyTypeOct:
				secret := make([]byte, a.Hash().Size())
				rand.Read(secret)
				k, err = jwk.NewSecretKey(secret, a)
			case jwk.KeyTypeRSA:
				k, err = jwk.NewPrivateKey(rsaPriv, a)
			case jwk.KeyTypeEC:
				var priv *ecdsa.PrivateKey
				if priv, err = ecdsa.GenerateKey(curves[a], rand.Reader); err == nil {
					k, err = jwk.NewPrivateKey(priv, a)
				}
			case jwk.KeyTypeOKP:
				var priv ed25519.PrivateKey
				if _, priv, err = ed25519.GenerateKey(rand.Reader); err == nil {
					k, err = jwk.NewPrivateKey(priv, a)
				}
			}
			if err != nil {
				panic(err)
			}
			keys[a] = k
		}
	})
	k, ok := keys[alg]
	if !ok {
		t.Fatalf("no test key for %q", alg)
	}
	return k
}

// RSAKey returns the 2048-bit RSA key that the RS* and PS* test keys share.
func RSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	Key(t, jwk.RS256)
	return rsaPriv
}

// Set returns a set holding the verification half of each key.
func Set(t testing.TB, ks ...jwk.Key) *jwk.Set {
	t.Helper()
	var out []jwk.Key
	for _, k := range ks {
		if pk, ok := k.(*jwk.PrivateKey); ok {
			out = append(out, pk.Public())
		} else {
			out = append(out, k)
		}
	}
	s, err := jwk.NewSet(out...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// HashOf returns the digest of msg under h (SHA-256, -384 or -512).
func HashOf(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(msg)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(msg)
		return s[:]
	}
	s := sha512.Sum512(msg)
	return s[:]
}

// RawSign signs input with key for alg without package jws, so that tests
// can sign hand-written headers and payloads that Sign would never produce.
// ECDSA signatures are R || S, each half padded to the curve size.
func RawSign(t testing.TB, key jwk.SigningKey, alg jwk.Algorithm, input []byte) []byte {
	t.Helper()
	switch k := key.(type) {
	case *jwk.SecretKey:
		mac, err := k.AppendMAC(nil, input)
		if err != nil {
			t.Fatal(err)
		}
		return mac
	case *jwk.PrivateKey:
		switch priv := k.Signer().(type) {
		case *rsa.PrivateKey:
			var (
				sig []byte
				err error
			)
			if alg.IsPSS() {
				sig, err = rsa.SignPSS(rand.Reader, priv, alg.Hash(), HashOf(alg.Hash(), input), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			} else {
				sig, err = rsa.SignPKCS1v15(rand.Reader, priv, alg.Hash(), HashOf(alg.Hash(), input))
			}
			if err != nil {
				t.Fatal(err)
			}
			return sig
		case *ecdsa.PrivateKey:
			r, s, err := ecdsa.Sign(rand.Reader, priv, HashOf(alg.Hash(), input))
			if err != nil {
				t.Fatal(err)
			}
			size := (priv.Curve.Params().BitSize + 7) / 8
			return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		case ed25519.PrivateKey:
			return ed25519.Sign(priv, input)
		}
	}
	t.Fatalf("RawSign: unusable key %T", key)
	return nil
}

// HandToken builds a compact JWS from hand-written header and payload JSON,
// signed with key under alg, so that only the defect under test is present.
func HandToken(t testing.TB, header, payload string, key jwk.SigningKey, alg jwk.Algorithm) string {
	t.Helper()
	input := B64(header) + "." + B64(payload)
	return input + "." + base64url.EncodeToString(RawSign(t, key, alg, []byte(input)))
}

// DER returns the ASN.1 DER form of the R || S signature raw.
func DER(t testing.TB, raw []byte) []byte {
	t.Helper()
	half := len(raw) / 2
	r := new(big.Int).SetBytes(raw[:half])
	s := new(big.Int).SetBytes(raw[half:])
	der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// SignPSSSalt signs input with RSASSA-PSS using a salt of exactly saltLen
// bytes (RFC 8017, Section 9.1.1), including zero, which crypto/rsa cannot
// produce: its SaltLength 0 means PSSSaltLengthAuto.
func SignPSSSalt(t testing.TB, priv *rsa.PrivateKey, h crypto.Hash, input []byte, saltLen int) []byte {
	t.Helper()
	mHash := HashOf(h, input)
	hLen := h.Size()
	emBits := priv.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	salt := make([]byte, saltLen)
	rand.Read(salt)
	mPrime := append(append(make([]byte, 8), mHash...), salt...)
	hh := HashOf(h, mPrime)
	db := make([]byte, emLen-hLen-1)
	db[emLen-saltLen-hLen-2] = 1
	copy(db[emLen-saltLen-hLen-1:], salt)
	// MGF1 (RFC 8017, Appendix B.2.1).
	var mask []byte
	for counter := uint32(0); len(mask) < len(db); counter++ {
		c := []byte{byte(counter >> 24), byte(counter >> 16), byte(counter >> 8), byte(counter)}
		mask = append(mask, HashOf(h, append(append([]byte(nil), hh...), c...))...)
	}
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> (8*emLen - emBits)
	em := append(append(db, hh...), 0xbc)
	m := new(big.Int).SetBytes(em)
	s := new(big.Int).Exp(m, priv.D, priv.N)
	return s.FillBytes(make([]byte, priv.Size()))
}
