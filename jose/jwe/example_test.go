package jwe_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

func ExampleEncrypt() {
	// The recipient's key pair; the sender needs only the public half.
	priv, err := jwk.GenerateECDH(jwk.ECDHESA128KW, "X25519")
	if err != nil {
		log.Fatal(err)
	}
	token, err := jwe.Encrypt([]byte("for your eyes only"), priv.Public(), &jwe.EncryptOptions{Encryption: jwe.A128GCM})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Count(token, "."), "dots")

	keys, _ := jwk.NewSet(priv)
	d := &jwe.Decrypter{Keys: keys}
	got, err := d.Decrypt(token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Header.Algorithm, got.Header.Encryption)
	fmt.Printf("%s\n", got.Plaintext)
	// Output:
	// 4 dots
	// ECDH-ES+A128KW A128GCM
	// for your eyes only
}

func ExampleDecrypter() {
	// RFC 7516, Appendix A.3: A128KW and A128CBC-HS256.
	key, err := jwk.ParseKey([]byte(`{"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg"}`), jwk.A128KW)
	if err != nil {
		log.Fatal(err)
	}
	keys, _ := jwk.NewSet(key)
	d := &jwe.Decrypter{
		Keys:          keys,
		KeyAlgorithms: []jwk.Algorithm{jwk.A128KW},
		Encryptions:   []jwe.Encryption{jwe.A128CBCHS256},
	}
	got, err := d.Decrypt("eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0." +
		"6KB707dM9YTIgHtLvtgWQ8mKwboJW3of9locizkDTHzBC2IlrT1oOQ." +
		"AxY8DCtDaGlsbGljb3RoZQ." +
		"KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY." +
		"U0m_YmjN04DJvceFICbCVQ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", got.Plaintext)
	// Output: Live long and prosper.
}

func ExampleDecrypter_Check() {
	// Check finds a bad configuration before the first token does.
	d := &jwe.Decrypter{KeyAlgorithms: []jwk.Algorithm{"RSA1_5"}}
	err := d.Check()
	fmt.Println(errors.Is(err, jwe.ErrMisconfigured))
	// Output: true
}

func ExampleDecrypter_DecryptInto() {
	key, _ := jwk.Generate(jwk.Dir) // a 32-byte key: A256GCM
	token, _ := jwe.Encrypt([]byte("hello"), key, &jwe.EncryptOptions{Compress: true, ContentType: "text/plain"})
	keys, _ := jwk.NewSet(key)
	d := &jwe.Decrypter{Keys: keys}
	var out jwe.Decrypted // reusable
	if err := d.DecryptInto(token, &out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Header.Encryption, out.Header.Compression, out.Header.ContentType, string(out.Plaintext))
	// Output: A256GCM DEF text/plain hello
}

func ExampleEncrypt_password() {
	// PBES2: the key is a password.
	pw, err := jwk.NewSecretKey([]byte("correct horse battery staple"), jwk.PBES2HS512A256KW)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jwe.Encrypt([]byte("secret"), pw, &jwe.EncryptOptions{Encryption: jwe.A256CBCHS512})
	if err != nil {
		log.Fatal(err)
	}
	keys, _ := jwk.NewSet(pw)
	got, err := (&jwe.Decrypter{Keys: keys}).Decrypt(token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(got.Plaintext))
	// Output: secret
}

func ExampleUnsafeDecode() {
	// RFC 7516, Appendix A.2 uses RSA1_5, which Ward refuses to decrypt;
	// its header can still be shown.
	u, err := jwe.UnsafeDecode("eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0."+
		"UGhIOguC7IuEvf_NPVaXsGMoLOmwvc1GyqlIKOK1nN94nHPoltGRhWhw7Zx0-kFm1NJn8LE9XShH59_i8J0PH5ZZyNfGy2xGdULU7sHNF6Gp2vPLgNZ__deLKxGHZ7PcHALUzoOegEI-8E66jX2E4zyJKx-YxzZIItRzC5hlRirb6Y5Cl_p-ko3YvkkysZIFNPccxRU7qve1WYPxqbb2Yw8kZqa2rMWI5ng8OtvzlV7elprCbuPhcCdZ6XDP0_F8rkXds2vE4X-ncOIM8hAYHHi29NX0mcKiRaD0-D-ljQTP-cFPgwCp6X-nZZd9OHBv-B3oWh2TbqmScqXMR4gp_A."+
		"AxY8DCtDaGlsbGljb3RoZQ."+
		"KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY."+
		"9hH0vgRfYgPnAHOd8stkvw", 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(u.RawHeader))
	fmt.Println(u.EncryptedKeySize, u.CiphertextSize)
	// Output:
	// {"alg":"RSA1_5","enc":"A128CBC-HS256"}
	// 256 32
}

func ExampleEncryption_KeySize() {
	for _, e := range jwe.Encryptions() {
		fmt.Println(e, e.KeySize())
	}
	// Output:
	// A128GCM 16
	// A256GCM 32
	// A128CBC-HS256 32
	// A256CBC-HS512 64
}

// forge builds a compact JWE with the given header and zero-filled
// segments of the given sizes: enough for the checks that come before any
// key is used.
func forge(header string, ek, iv, ct, tag int) string {
	e := func(n int) string { return base64url.EncodeToString(make([]byte, n)) }
	return base64url.EncodeToString([]byte(header)) + "." + e(ek) + "." + e(iv) + "." + e(ct) + "." + e(tag)
}

// Every error wraps one sentinel, so callers branch with errors.Is.
func Example_errorChecking() {
	kw, _ := jwk.Generate(jwk.A128KW)
	dir, _ := jwk.Generate(jwk.Dir)
	pw, _ := jwk.NewSecretKey([]byte("password"), jwk.PBES2HS256A128KW)
	ec, _ := jwk.GenerateECDH(jwk.ECDHES, "P-256")
	keys, _ := jwk.NewSet(kw.(*jwk.SecretKey).WithKeyID("kw"), dir.(*jwk.SecretKey).WithKeyID("dir"), pw.WithKeyID("pw"), ec)
	d := &jwe.Decrypter{Keys: keys}
	zipped, _ := jwe.Encrypt([]byte(strings.Repeat("a", 300<<10)), dir, &jwe.EncryptOptions{Compress: true})
	otherKW, _ := jwk.Generate(jwk.A128KW)
	wrongKey, _ := jwe.Encrypt([]byte("x"), otherKW.(*jwk.SecretKey).WithKeyID("kw"), nil)

	check := func(token string, sentinel error) {
		_, err := d.Decrypt(token)
		fmt.Println(errors.Is(err, sentinel), sentinel)
	}
	check("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", jwe.ErrMalformed)
	check(strings.Repeat("a", jwe.DefaultMaxSize+1), jwe.ErrTooLarge)
	check(forge(`{"alg":"RSA1_5","enc":"A128GCM"}`, 256, 12, 1, 16), jwe.ErrUnsupportedAlgorithm)
	check(forge(`{"alg":"A128KW","enc":"A128GCM","kid":"dir"}`, 24, 12, 1, 16), jwe.ErrAlgorithmMismatch)
	check(forge(`{"alg":"A128KW","enc":"A128GCM","kid":"nobody"}`, 24, 12, 1, 16), jwe.ErrNoKey)
	check(forge(`{"alg":"A128KW","enc":"A128GCM","crit":["x"],"x":1}`, 24, 12, 1, 16), jwe.ErrUnsupportedCritical)
	check(forge(`{"alg":"ECDH-ES","enc":"A128GCM","epk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}`, 0, 12, 1, 16), jwe.ErrInvalidEphemeralKey)
	check(forge(`{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2s":"AAAAAAAAAAA","p2c":10}`, 24, 12, 1, 16), jwe.ErrInvalidPBES2)
	check(forge(`{"alg":"A128KW","enc":"A128GCM","zip":"GZIP"}`, 24, 12, 1, 16), jwe.ErrUnsupportedCompression)
	check(forge(`{"alg":"dir","enc":"A256GCM","kid":"dir"}`, 40, 12, 1, 16), jwe.ErrInvalidEncryptedKey)
	check(forge(`{"alg":"A128KW","enc":"A128GCM"}`, 24, 12, 1, 15), jwe.ErrInvalidTag)
	check(wrongKey, jwe.ErrDecryption)
	check(zipped, jwe.ErrDecompressionLimit)

	es, _ := jwk.Generate(jwk.ES256)
	_, err := jwe.Encrypt([]byte("x"), es, nil)
	fmt.Println(errors.Is(err, jwe.ErrUnsupportedAlgorithm), "(an ES256 key never encrypts)")
	err = (&jwe.Decrypter{}).Check()
	fmt.Println(errors.Is(err, jwe.ErrMisconfigured), jwe.ErrMisconfigured)
	// Output:
	// true jwe: malformed token
	// true jwe: token too large
	// true jwe: unsupported or disallowed algorithm
	// true jwe: token algorithm does not match the key
	// true jwe: no key for token
	// true jwe: unsupported critical header parameter
	// true jwe: invalid ephemeral public key
	// true jwe: invalid PBES2 parameters
	// true jwe: unsupported compression
	// true jwe: encrypted key of the wrong length
	// true jwe: authentication tag of the wrong length
	// true jwe: decryption failed
	// true jwe: decompressed payload too large
	// true (an ES256 key never encrypts)
	// true jwe: misconfigured
}

func ExampleErrKeyUse() {
	// A public key published for signatures ("use":"sig"), bound to an
	// encryption algorithm by mistake, never encrypts.
	priv, _ := jwk.GenerateRSA(jwk.RSAOAEP256, 2048)
	data, _ := priv.Public().MarshalJSON()
	data = []byte(strings.Replace(string(data), `"alg":"RSA-OAEP-256"`, `"use":"sig"`, 1))
	k, _ := jwk.ParseKey(data, "")
	bound, _ := k.(*jwk.PublicKey).WithAlgorithm(jwk.RSAOAEP256)
	_, err := jwe.Encrypt([]byte("x"), bound, nil)
	fmt.Println(errors.Is(err, jwe.ErrKeyUse))
	// Output: true
}
