package jwt_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// A nested JWT: signed by the issuer, then encrypted to the recipient.
func ExampleEncrypter() {
	signKey, _ := jwk.Generate(jwk.ES256)                       // the issuer's
	recipient, _ := jwk.GenerateECDH(jwk.ECDHESA256KW, "P-256") // the recipient's

	e := &jwt.Encrypter{
		Signer: &jwt.Signer{Key: signKey},
		Key:    recipient.Public(),
	}
	token, err := e.Encrypt(&jwt.Claims{
		Issuer:    "https://issuer.example",
		Subject:   "alice",
		Audience:  jwt.Audience{"api"},
		ExpiresAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}

	decKeys, _ := jwk.NewSet(recipient)
	verKeys, _ := jwk.NewSet(signKey.(*jwk.PrivateKey).Public())
	d := &jwt.Decrypter{
		JWE:      &jwe.Decrypter{Keys: decKeys},
		Verifier: &jwt.Verifier{Keys: verKeys, Issuer: "https://issuer.example", Audience: "api"},
	}
	claims, err := d.Verify(token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Subject)
	// Output: alice
}

func ExampleDecrypter_VerifyInto() {
	signKey, _ := jwk.Generate(jwk.EdDSA)
	encKey, _ := jwk.Generate(jwk.A256KW)
	type appClaims struct {
		jwt.Claims
		Roles []string `json:"roles"`
	}
	token, err := (&jwt.Encrypter{Signer: &jwt.Signer{Key: signKey, Lifetime: time.Hour}, Key: encKey}).Encrypt(&appClaims{
		Claims: jwt.Claims{Issuer: "https://issuer.example", Audience: jwt.Audience{"api"}},
		Roles:  []string{"admin"},
	})
	if err != nil {
		log.Fatal(err)
	}
	decKeys, _ := jwk.NewSet(encKey)
	verKeys, _ := jwk.NewSet(signKey.(*jwk.PrivateKey).Public())
	d := &jwt.Decrypter{
		JWE:      &jwe.Decrypter{Keys: decKeys, KeyAlgorithms: []jwk.Algorithm{jwk.A256KW}, Encryptions: []jwe.Encryption{jwe.A256GCM}},
		Verifier: &jwt.Verifier{Keys: verKeys, Issuer: "https://issuer.example", Audience: "api"},
	}
	var c appClaims
	if err := d.VerifyInto(token, &c); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Roles)
	// Output: [admin]
}

func ExampleDecrypter_Check() {
	// An HMAC verification key that is also the decryption key is refused.
	secret := make([]byte, 32)
	hs, _ := jwk.NewSecretKey(secret, jwk.HS256)
	dir, _ := jwk.NewSecretKey(secret, jwk.Dir)
	decKeys, _ := jwk.NewSet(dir)
	verKeys, _ := jwk.NewSet(hs)
	d := &jwt.Decrypter{
		JWE:      &jwe.Decrypter{Keys: decKeys},
		Verifier: &jwt.Verifier{Keys: verKeys, Issuer: "https://issuer.example", Audience: "api"},
	}
	fmt.Println(errors.Is(d.Check(), jwt.ErrMisconfigured))
	// Output: true
}

// A signed token is not a nested one: where a JWE is required, a JWS fails
// with ErrNotNested.
func ExampleErrNotNested() {
	signKey, _ := jwk.Generate(jwk.ES256)
	encKey, _ := jwk.Generate(jwk.A128KW)
	signed, _ := jwt.Sign(&jwt.Claims{Issuer: "https://issuer.example", Audience: jwt.Audience{"api"}, ExpiresAt: time.Now().Add(time.Hour)}, signKey)
	decKeys, _ := jwk.NewSet(encKey)
	verKeys, _ := jwk.NewSet(signKey.(*jwk.PrivateKey).Public())
	d := &jwt.Decrypter{
		JWE:      &jwe.Decrypter{Keys: decKeys},
		Verifier: &jwt.Verifier{Keys: verKeys, Issuer: "https://issuer.example", Audience: "api"},
	}
	_, err := d.Verify(signed)
	fmt.Println(errors.Is(err, jwt.ErrNotNested))
	// Output: true
}
