package jwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// now is the fixed instant of the tests: 2023-11-14T22:13:20Z.
var now = time.Unix(1_700_000_000, 0)

func fixedNow() time.Time { return now }

const (
	issuer   = "https://issuer.example"
	audience = "api"
)

func unix(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }

func itoa(i int) string { return strconv.Itoa(i) }

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func b64(s string) string { return base64url.EncodeToString([]byte(s)) }

var (
	keysOnce sync.Once
	keys     map[jwk.Algorithm]jwk.SigningKey
	rsaPriv  *rsa.PrivateKey
)

// testKey returns a key for alg, generated once per test binary.
func testKey(t testing.TB, alg jwk.Algorithm) jwk.SigningKey {
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

// setOf returns a set of the verification halves of ks.
func setOf(t testing.TB, ks ...jwk.Key) *jwk.Set {
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

func hashOf(h crypto.Hash, msg []byte) []byte {
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

// rawSign signs input for alg without packages jws and jwt.
func rawSign(t testing.TB, key jwk.SigningKey, alg jwk.Algorithm, input []byte) []byte {
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
				sig, err = rsa.SignPSS(rand.Reader, priv, alg.Hash(), hashOf(alg.Hash(), input), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			} else {
				sig, err = rsa.SignPKCS1v15(rand.Reader, priv, alg.Hash(), hashOf(alg.Hash(), input))
			}
			if err != nil {
				t.Fatal(err)
			}
			return sig
		case *ecdsa.PrivateKey:
			r, s, err := ecdsa.Sign(rand.Reader, priv, hashOf(alg.Hash(), input))
			if err != nil {
				t.Fatal(err)
			}
			size := (priv.Curve.Params().BitSize + 7) / 8
			return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		case ed25519.PrivateKey:
			return ed25519.Sign(priv, input)
		}
	}
	t.Fatalf("rawSign: unusable key %T", key)
	return nil
}

// handToken builds a token from hand-written header and claims JSON, signed
// with key under alg.
func handToken(t testing.TB, header, claims string, key jwk.SigningKey, alg jwk.Algorithm) string {
	t.Helper()
	input := b64(header) + "." + b64(claims)
	return input + "." + base64url.EncodeToString(rawSign(t, key, alg, []byte(input)))
}

// headerAlg returns the "alg" of a token's header, or "".
func headerAlg(token string) jwk.Algorithm {
	u, err := jws.UnsafeDecode(token, 0)
	if err != nil {
		return ""
	}
	return u.Header.Algorithm
}
