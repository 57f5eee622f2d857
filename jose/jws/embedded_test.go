package jws_test

import (
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// bindParse is a bind callback for VerifyEmbeddedKey that parses the
// header "jwk" as a public key for alg.
func bindParse(alg jws.Algorithm, raw []byte) (*jwk.PublicKey, error) {
	if raw == nil {
		return nil, errors.New("no jwk")
	}
	k, err := jwk.ParseKey(raw, alg)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(*jwk.PublicKey)
	if !ok {
		return nil, errors.New("not a public key")
	}
	return pub, nil
}

// TestEmbeddedKey signs with the public key in the header (RFC 7515,
// Section 4.1.3) and verifies with it, for every asymmetric algorithm.
func TestEmbeddedKey(t *testing.T) {
	for _, alg := range jwk.Algorithms() {
		if alg.KeyType() == jwk.KeyTypeOct {
			continue
		}
		t.Run(string(alg), func(t *testing.T) {
			key := testKey(t, alg).(*jwk.PrivateKey)
			tok, err := jws.SignEmbeddedKey([]byte("payload"), key, &jws.Header{Type: "dpop+jwt"})
			if err != nil {
				t.Fatal(err)
			}
			var v jws.Verified
			if err := jws.VerifyEmbeddedKey(tok, nil, bindParse, &v); err != nil {
				t.Fatalf("VerifyEmbeddedKey: %v", err)
			}
			if string(v.Payload) != "payload" || v.Header.Type != "dpop+jwt" || v.Header.KeyID != "" || !v.Key.(*jwk.PublicKey).Equal(key.Public()) {
				t.Errorf("got %+v", v)
			}
			// The key in the header is not in any key set: Verify never
			// uses it.
			if _, err := jws.Verify(tok, verificationSet(t, testKey(t, jwk.HS256)), nil); err == nil {
				t.Error("Verify accepted a token by its own header key")
			}
		})
	}
}

// tamperedSignature changes one character in the middle of tok's
// signature, never to the one already there. (Setting the last two to
// "AA" changed nothing one run in 256, when an ES256 signature, random
// each run, ended in "AA" already: its last character is one of four.)
func tamperedSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.') + (len(tok)-strings.LastIndexByte(tok, '.'))/2
	c := byte('A')
	if tok[i] == c {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

func TestEmbeddedKeyErrors(t *testing.T) {
	es := testKey(t, jwk.ES256).(*jwk.PrivateKey)
	tok, err := jws.SignEmbeddedKey([]byte("p"), es, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v jws.Verified
	errBind := errors.New("refused by the caller")
	for _, c := range []struct {
		name string
		tok  string
		opts *jws.VerifyOptions
		bind func(jws.Algorithm, []byte) (*jwk.PublicKey, error)
		want error
	}{
		{"bind error passes through", tok, nil, func(jws.Algorithm, []byte) (*jwk.PublicKey, error) { return nil, errBind }, errBind},
		{"nil key", tok, nil, func(jws.Algorithm, []byte) (*jwk.PublicKey, error) { return nil, nil }, jws.ErrNoKey},
		{"key of another algorithm", tok, nil, func(jws.Algorithm, []byte) (*jwk.PublicKey, error) {
			return testKey(t, jwk.ES384).(*jwk.PrivateKey).Public(), nil
		}, jws.ErrAlgorithmMismatch},
		{"another key", tok, nil, func(jws.Algorithm, []byte) (*jwk.PublicKey, error) {
			k, _ := jwk.Generate(jwk.ES256)
			return k.(*jwk.PrivateKey).Public(), nil
		}, jws.ErrBadSignature},
		{"not allowed", tok, &jws.VerifyOptions{Algorithms: []jws.Algorithm{jws.EdDSA}}, bindParse, jws.ErrUnsupportedAlgorithm},
		{"too large", tok, &jws.VerifyOptions{MaxSize: 10}, bindParse, jws.ErrTooLarge},
		{"tampered", tamperedSignature(tok), nil, bindParse, jws.ErrBadSignature},
		{"HMAC", handToken(t, `{"alg":"HS256"}`, `{}`, testKey(t, jwk.HS256), jwk.HS256), nil, bindParse, nil},
	} {
		err := jws.VerifyEmbeddedKey(c.tok, c.opts, c.bind, &v)
		if err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := jws.SignEmbeddedKey(nil, nil, nil); !errors.Is(err, jws.ErrNoKey) {
		t.Errorf("nil key: %v", err)
	}
	if _, err := jws.SignEmbeddedKey(nil, es, &jws.Header{Algorithm: jws.ES384}); !errors.Is(err, jws.ErrAlgorithmMismatch) {
		t.Errorf("header alg: %v", err)
	}
}

func ExampleSignEmbeddedKey() {
	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jws.SignEmbeddedKey([]byte(`{"htm":"GET"}`), key.(*jwk.PrivateKey), &jws.Header{Type: "dpop+jwt"})
	if err != nil {
		log.Fatal(err)
	}
	u, err := jws.UnsafeDecode(token, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.EmbeddedKey, strings.HasPrefix(string(u.RawHeader), `{"alg":"ES256","typ":"dpop+jwt","jwk":{"kty":"EC"`))
	// Output:
	// true true
}

func ExampleVerifyEmbeddedKey() {
	key, err := jwk.Generate(jwk.EdDSA)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jws.SignEmbeddedKey([]byte("hello"), key.(*jwk.PrivateKey), nil)
	if err != nil {
		log.Fatal(err)
	}
	// The header key proves possession only; the caller binds it to a key
	// it trusts, here by its thumbprint.
	trusted := key.KeyID()
	var v jws.Verified
	err = jws.VerifyEmbeddedKey(token, &jws.VerifyOptions{Algorithms: []jws.Algorithm{jws.EdDSA}},
		func(alg jws.Algorithm, raw []byte) (*jwk.PublicKey, error) {
			k, err := jwk.ParseKey(raw, alg)
			if err != nil {
				return nil, err
			}
			pub, ok := k.(*jwk.PublicKey)
			if !ok || pub.KeyID() != trusted {
				return nil, errors.New("untrusted key")
			}
			return pub, nil
		}, &v)
	fmt.Println(err, string(v.Payload))
	// Output:
	// <nil> hello
}

func TestVerifySignature(t *testing.T) {
	for _, alg := range jwk.Algorithms() {
		key := testKey(t, alg)
		tok, err := jws.Sign([]byte("payload"), key, nil)
		if err != nil {
			t.Fatal(err)
		}
		j := strings.LastIndexByte(tok, '.')
		vk := verificationSet(t, key).Keys()[0].(jwk.VerificationKey)
		if err := jws.VerifySignature(tok[:j], tok[j+1:], vk); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
		if err := jws.VerifySignature(tok[:j-1], tok[j+1:], vk); !errors.Is(err, jws.ErrBadSignature) {
			t.Errorf("%s, other input: %v", alg, err)
		}
		if err := jws.VerifySignature(tok[:j], "", vk); !errors.Is(err, jws.ErrMalformed) {
			t.Errorf("%s, no signature: %v", alg, err)
		}
	}
	if err := jws.VerifySignature("a.b", "c", nil); !errors.Is(err, jws.ErrNoKey) {
		t.Errorf("nil key: %v", err)
	}
}

func ExampleVerifySignature() {
	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jws.Sign([]byte("hello"), key.(jwk.SigningKey), nil)
	if err != nil {
		log.Fatal(err)
	}
	// The caller has checked the header (here: the one it signed itself).
	i := strings.LastIndexByte(token, '.')
	fmt.Println(jws.VerifySignature(token[:i], token[i+1:], key.(*jwk.PrivateKey).Public()))
	// Output:
	// <nil>
}
