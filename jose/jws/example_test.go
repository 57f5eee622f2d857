package jws_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// exampleSecret is an HMAC key for the examples. Real keys come from
// jwk.Generate or a key store, never from source code.
var exampleSecret = []byte("an example secret of at least 32 bytes")

func ExampleSign() {
	key, err := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jws.Sign([]byte("hello, world"), key.WithKeyID("2030-01"), &jws.Header{ContentType: "text/plain"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token)
	// Output:
	// eyJhbGciOiJIUzI1NiIsImtpZCI6IjIwMzAtMDEiLCJjdHkiOiJ0ZXh0L3BsYWluIn0.aGVsbG8sIHdvcmxk.N2XIHyM34stONgah9erh4WuqwU53orZFjw5hotui0Z4
}

func ExampleVerify() {
	// The key set usually comes from jwk.ParseSet on a JWKS document.
	key, err := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := jwk.NewSet(key.WithKeyID("2030-01"))
	if err != nil {
		log.Fatal(err)
	}

	token := "eyJhbGciOiJIUzI1NiIsImtpZCI6IjIwMzAtMDEiLCJjdHkiOiJ0ZXh0L3BsYWluIn0.aGVsbG8sIHdvcmxk.N2XIHyM34stONgah9erh4WuqwU53orZFjw5hotui0Z4"
	v, err := jws.Verify(token, keys, &jws.VerifyOptions{Algorithms: []jws.Algorithm{jws.HS256, jws.ES256}})
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Printf("%s %s %s %q\n", v.Header.Algorithm, v.Header.KeyID, v.Header.ContentType, v.Payload)
	// Output:
	// HS256 2030-01 text/plain "hello, world"
}

func ExampleVerifyInto() {
	key, err := jwk.Generate(jwk.EdDSA)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := jwk.NewSet(key)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jws.Sign([]byte("payload"), key, nil)
	if err != nil {
		log.Fatal(err)
	}
	// A Verified can be reused across calls.
	var v jws.Verified
	for range 2 {
		if err := jws.VerifyInto(token, keys, nil, &v); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(v.Header.Algorithm, string(v.Payload), v.Key.KeyID() == key.KeyID())
	// Output:
	// EdDSA payload true
}

func ExampleAppendSign() {
	key, err := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	buf := []byte("Authorization: Bearer ")
	buf, err = jws.AppendSign(buf, []byte("hello, world"), key, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output:
	// Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.aGVsbG8sIHdvcmxk.69KQ9aWXDirB2SSUkLmE2lwKeYOB37S8ioU7SSMWaHw
}

func ExampleUnsafeDecode() {
	// The token of RFC 7515, Appendix A.1. UnsafeDecode shows what a token
	// says; nothing in the result is authenticated.
	token := "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	u, err := jws.UnsafeDecode(token, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Header.Algorithm, u.Header.Type, len(u.Signature))
	fmt.Printf("%q\n", u.Payload)

	// Unlike Verify, UnsafeDecode shows "none" tokens and embedded keys.
	u, err = jws.UnsafeDecode("eyJhbGciOiJub25lIiwiandrIjp7fX0.e30.", 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Header.Algorithm, u.EmbeddedKey)
	// Output:
	// HS256 JWT 32
	// "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
	// none true
}

// hs256 signs a hand-written header, to build tokens that Sign would refuse
// to make.
func hs256(secret []byte, header, payload string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// Every error from Verify, UnsafeDecode and Sign wraps one of the package's
// sentinel errors: branch on them with errors.Is.
func Example_errorChecking() {
	key, _ := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	keys, _ := jwk.NewSet(key)
	ecKey, _ := jwk.Generate(jwk.ES256)
	ecKeys, _ := jwk.NewSet(ecKey)
	otherKey, _ := jwk.NewSecretKey([]byte("another secret of at least 32 bytes"), jwk.HS256)
	token, _ := jws.Sign([]byte("payload"), key, nil)
	otherToken, _ := jws.Sign([]byte("payload"), otherKey, nil)
	kidToken, _ := jws.Sign([]byte("payload"), key.WithKeyID("retired"), nil)

	check := func(name string, err, target error) {
		fmt.Printf("%-24s %v\n", name, errors.Is(err, target))
	}
	verify := func(token string, keys *jwk.Set) error {
		_, err := jws.Verify(token, keys, nil)
		return err
	}
	check("ErrMalformed", verify(token+"\n", keys), jws.ErrMalformed)
	check("ErrTooLarge", verify(strings.Repeat("a", jws.DefaultMaxSize+1), keys), jws.ErrTooLarge)
	check("ErrUnsupportedAlgorithm", verify("eyJhbGciOiJub25lIn0.e30.", keys), jws.ErrUnsupportedAlgorithm)
	check("ErrAlgorithmMismatch", verify(token, ecKeys), jws.ErrAlgorithmMismatch)
	check("ErrNoKey", verify(kidToken, ecKeys), jws.ErrNoKey)
	check("ErrBadSignature", verify(otherToken, keys), jws.ErrBadSignature)
	check("ErrUnsupportedCritical", verify(hs256(exampleSecret, `{"alg":"HS256","crit":["ext"],"ext":1}`, "payload"), keys), jws.ErrUnsupportedCritical)
	// A key whose JWK "key_ops" lacks "verify" (or whose "use" is "enc").
	encKey, _ := jwk.ParseKey([]byte(`{"kty":"oct","alg":"HS256","key_ops":["encrypt"],"k":"`+base64.RawURLEncoding.EncodeToString(exampleSecret)+`"}`), "")
	encKeys, _ := jwk.NewSet(encKey)
	check("ErrKeyNotPermitted", verify(token, encKeys), jws.ErrKeyNotPermitted)
	// Output:
	// ErrMalformed             true
	// ErrTooLarge              true
	// ErrUnsupportedAlgorithm  true
	// ErrAlgorithmMismatch     true
	// ErrNoKey                 true
	// ErrBadSignature          true
	// ErrUnsupportedCritical   true
	// ErrKeyNotPermitted       true
}
