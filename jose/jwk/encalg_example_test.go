package jwk_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
	"log"

	"github.com/wardauth/ward/jose/jwk"
)

func ExampleGenerateECDH() {
	k, err := jwk.GenerateECDH(jwk.ECDHESA128KW, jwk.CurveX25519)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.KeyType(), k.Algorithm(), k.Public().Use())
	// Output: OKP ECDH-ES+A128KW enc
}

func ExampleNewECDHPrivateKey() {
	priv, _ := ecdh.P384().GenerateKey(rand.Reader)
	k, err := jwk.NewECDHPrivateKey(priv, jwk.ECDHES)
	if err != nil {
		log.Fatal(err)
	}
	back, _ := k.ECDH() // the crypto/ecdh form, for key agreement
	fmt.Println(k.KeyType(), back.Equal(priv))
	// Output: EC true
}

func ExampleKeyManagementAlgorithms() {
	for _, alg := range jwk.KeyManagementAlgorithms() {
		fmt.Println(alg, alg.KeyType(), alg.IsECDH())
	}
	// Output:
	// dir oct false
	// A128KW oct false
	// A256KW oct false
	// RSA-OAEP RSA false
	// RSA-OAEP-256 RSA false
	// ECDH-ES EC true
	// ECDH-ES+A128KW EC true
	// ECDH-ES+A256KW EC true
	// PBES2-HS256+A128KW oct false
	// PBES2-HS512+A256KW oct false
}

func ExampleAlgorithm_IsKeyManagement() {
	fmt.Println(jwk.RSAOAEP256.IsKeyManagement(), jwk.RS256.IsKeyManagement(), jwk.Algorithm("RSA1_5").IsKeyManagement())
	// Output: true false false
}

func ExamplePublicKey_ECDH() {
	// Bob's X25519 key of RFC 8037, Appendix A.6.
	k, err := jwk.ParseKey([]byte(`{"kty":"OKP","crv":"X25519","kid":"Bob","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"}`), jwk.ECDHES)
	if err != nil {
		log.Fatal(err)
	}
	pub, _ := k.(*jwk.PublicKey).ECDH()
	fmt.Printf("%x\n", pub.Bytes())
	// Output: de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f
}
