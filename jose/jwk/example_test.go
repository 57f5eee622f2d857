package jwk_test

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"log"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

// The Ed25519 public key of RFC 8037, Appendix A.2.
const rfc8037Public = `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`

func ExampleGenerate() {
	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	// Asymmetric keys get their RFC 7638 thumbprint as key ID.
	fmt.Println(key.Algorithm(), key.KeyType(), len(key.KeyID()))

	secret, err := jwk.Generate(jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	// Secrets get no key ID: a hash of a secret must not be published.
	fmt.Printf("%s %s %d %q\n", secret.Algorithm(), secret.KeyType(), secret.(*jwk.SecretKey).Len(), secret.KeyID())
	// Output:
	// ES256 EC 43
	// HS256 oct 32 ""
}

func ExampleParseKey() {
	key, err := jwk.ParseKey([]byte(rfc8037Public), "")
	if err != nil {
		log.Fatal(err)
	}
	// An Ed25519 key is bound to EdDSA by its curve.
	fmt.Println(key.Algorithm(), key.KeyID())

	// An RSA or oct key without "alg" stays unbound until the caller binds it.
	secret, err := jwk.ParseKey([]byte(`{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`), jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(secret.Algorithm())
	// Output:
	// EdDSA kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
	// HS256
}

func ExampleParseSet() {
	set, err := jwk.ParseSet([]byte(`{"keys":[
		{"kty":"OKP","crv":"X448","kid":"ecdh","x":"mwj3zDG34-Z9ItWuoSEHSic70rg94Jxj-qc9LCLF2bvINmRyQdlT1AxbEtqIEg1TF3-A5TLEH6A"},
		{"kty":"EC","crv":"P-256","kid":"1","use":"sig",
		 "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
		 "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}
	]}`))
	if err != nil {
		log.Fatal(err)
	}
	// The X448 key is skipped, as RFC 7517, Section 5 asks.
	fmt.Println(set.Len())
	for _, k := range set.Lookup("1") {
		fmt.Println(k.KeyID(), k.KeyType(), k.Algorithm())
	}
	// Output:
	// 1
	// 1 EC ES256
}

func ExampleThumbprint() {
	// The key of RFC 7638, Section 3.1.
	key, err := jwk.ParseKey([]byte(`{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29",
		"n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}`), "")
	if err != nil {
		log.Fatal(err)
	}
	tp, err := jwk.Thumbprint(key, crypto.SHA256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(base64url.EncodeToString(tp))
	// Output: NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs
}

func ExampleSet_MarshalJSON() {
	// The Ed25519 private key of RFC 8037, Appendix A.1, and a secret.
	priv, err := jwk.ParseKey([]byte(`{"kty":"OKP","crv":"Ed25519",
		"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
		"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`), "")
	if err != nil {
		log.Fatal(err)
	}
	secret, err := jwk.Generate(jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	set, err := jwk.NewSet(priv, secret)
	if err != nil {
		log.Fatal(err)
	}
	// Only the public half of the private key is written; the secret is
	// left out. This is what a JWKS endpoint serves.
	jwks, err := set.MarshalJSON()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(jwks))
	// Output:
	// {"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"EdDSA","kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}]}
}

func ExampleMarshalPEM() {
	key, err := jwk.Generate(jwk.EdDSA)
	if err != nil {
		log.Fatal(err)
	}
	pemText, err := jwk.MarshalPEM(key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(pemText[:bytes.IndexByte(pemText, '\n')+1]))
	// PEM carries neither algorithm nor key ID: ParsePEM binds Ed25519 keys
	// to EdDSA and uses the thumbprint as key ID.
	back, err := jwk.ParsePEM(pemText, "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Algorithm(), back.KeyID() == key.KeyID())
	// Output:
	// -----BEGIN PRIVATE KEY-----
	// EdDSA true
}

func ExampleParseKey_unsupportedAlgorithm() {
	_, err := jwk.ParseKey([]byte(`{"kty":"oct","alg":"none","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`), "")
	fmt.Println(errors.Is(err, jwk.ErrUnsupportedAlgorithm))
	// Output: true
}

func ExampleParseKey_keyMismatch() {
	// An Ed25519 key cannot be used with ES256.
	_, err := jwk.ParseKey([]byte(rfc8037Public), jwk.ES256)
	fmt.Println(errors.Is(err, jwk.ErrKeyMismatch))
	// Output: true
}

func ExampleParseKey_weakKey() {
	// A 16-byte secret is shorter than HS256's 32-byte hash.
	_, err := jwk.ParseKey([]byte(`{"kty":"oct","alg":"HS256","k":"GawgguFyGrWKav7AX4VKUg"}`), "")
	fmt.Println(errors.Is(err, jwk.ErrWeakKey))
	// Output: true
}

func ExampleParseKey_malformed() {
	// Member names may not repeat.
	_, err := jwk.ParseKey([]byte(`{"kty":"OKP","crv":"Ed25519","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`), "")
	fmt.Println(errors.Is(err, jwk.ErrMalformed))
	// Output: true
}

func ExampleParseKey_algorithmConflict() {
	// The JWK's "alg" is HS384 but the caller configured HS256: a key is
	// bound to one algorithm only.
	_, err := jwk.ParseKey([]byte(`{"kty":"oct","alg":"HS384","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`), jwk.HS256)
	fmt.Println(errors.Is(err, jwk.ErrAlgorithmConflict))
	// Output: true
}

func ExampleParseKey_roca() {
	// The RSA key of Wycheproof's json_web_key test 7, whose modulus has
	// the ROCA fingerprint (CVE-2017-15361): anyone can factor it.
	_, err := jwk.ParseKey([]byte(`{"kty":"RSA","alg":"RS256","e":"AQAB","n":"AanFpofbj7KjD4Lf-N2hVMKR7yewSyXhhbirIMTGpfYEhZ_lnt5UoK98DnKIgArXGTu3MaW_HhFw16HGaTDUHqPrId7fe4r11CqRw09yBFuW79V8sYIwHdzCaWflUI6auImYbVfoN9_nD5n8N8SY9DwXw7mwZM9wREPXoDPgOoIWl6q_MPsp7n0zs3Z5ZaiQWOOzl1S9OhwAfSiiOwz6efnXEaxuTEtPd7BjSx7NaFka8Dx9U7YqXy2RFj1O9PjyaDGuRh7YXsX3iMUSP_wSyHQg_c_qHRtKUsNSGCT7OZg0hzm2KphtjnayKJvC64vAbROBR4Ubg6Bxg9IQVZ-QYyE"}`), "")
	fmt.Println(errors.Is(err, jwk.ErrROCA), errors.Is(err, jwk.ErrWeakKey))
	// Output: true true
}

// ParseSet skips the keys it cannot use, as RFC 7517, Section 5 asks, and
// says which; a set with no usable key is an error.
func ExampleParseSet_skipped() {
	set, err := jwk.ParseSet([]byte(`{"keys":[
		{"kty":"OKP","crv":"Ed448","kid":"new","x":"AA"},
		{"kty":"OKP","crv":"Ed25519","kid":"old","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range set.Skipped() {
		fmt.Printf("skipped keys[%d] %q: %v\n", k.Index, k.KeyID, k.Err)
	}
	fmt.Println(set.Len(), set.Keys()[0].KeyID())

	_, err = jwk.ParseSet([]byte(`{"keys":[{"kty":"OKP","crv":"Ed448","kid":"new","x":"AA"}]}`))
	fmt.Println(errors.Is(err, jwk.ErrNoUsableKey))
	fmt.Println(err)
	// Output:
	// skipped keys[0] "new": jwk: unsupported key type: OKP curve "Ed448"
	// 1 old
	// true
	// jwk: JWK Set has no usable key: all 1 skipped: keys[0] (kid "new"): jwk: unsupported key type: OKP curve "Ed448"
}

func ExampleNewSecretKey_unbound() {
	_, err := jwk.NewSecretKey(make([]byte, 32), "")
	fmt.Println(errors.Is(err, jwk.ErrUnbound))
	// Output: true
}

func ExampleParseKey_unsupportedKeyType() {
	_, err := jwk.ParseKey([]byte(`{"kty":"OKP","crv":"X448","x":"mwj3zDG34-Z9ItWuoSEHSic70rg94Jxj-qc9LCLF2bvINmRyQdlT1AxbEtqIEg1TF3-A5TLEH6A"}`), "")
	fmt.Println(errors.Is(err, jwk.ErrUnsupportedKeyType))
	// Output: true
}

// A key is used only for the operations its "use" and "key_ops" members
// permit (RFC 7517, Sections 4.2 and 4.3).
func ExamplePublicKey_CheckOp() {
	key, err := jwk.ParseKey([]byte(`{"kty":"EC","crv":"P-256","key_ops":["encrypt"],"x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`), "")
	if err != nil {
		log.Fatal(err)
	}
	err = key.CheckOp(jwk.OpVerify)
	fmt.Println(errors.Is(err, jwk.ErrOperationNotPermitted))
	fmt.Println(err)
	fmt.Println(key.CheckOp(jwk.OpEncrypt))
	// Output:
	// true
	// jwk: key is not meant for this operation: key's "key_ops" ["encrypt"] lacks "verify"
	// <nil>
}

func ExampleMarshalPEM_notExportable() {
	secret, err := jwk.Generate(jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	_, err = jwk.MarshalPEM(secret)
	fmt.Println(errors.Is(err, jwk.ErrNotExportable))
	// Output: true
}
