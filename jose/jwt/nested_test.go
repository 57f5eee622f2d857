package jwt_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// nestedClaims are valid claims for the Verifiers of these tests.
func nestedClaims() *jwt.Claims {
	return &jwt.Claims{Issuer: issuer, Subject: "alice", Audience: jwt.Audience{audience}, ExpiresAt: now.Add(time.Hour), IssuedAt: now}
}

func nestedVerifier(t testing.TB, keys ...jwk.Key) *jwt.Verifier {
	t.Helper()
	return &jwt.Verifier{Keys: setOf(t, keys...), Issuer: issuer, Audience: audience, Now: fixedNow}
}

func nestedDecrypter(t testing.TB, dec jwk.Key, v *jwt.Verifier) *jwt.Decrypter {
	t.Helper()
	set, err := jwk.NewSet(dec)
	if err != nil {
		t.Fatal(err)
	}
	return &jwt.Decrypter{JWE: &jwe.Decrypter{Keys: set}, Verifier: v}
}

func mustGenerate(t testing.TB, alg jwk.Algorithm) jwk.SigningKey {
	t.Helper()
	k, err := jwk.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// RFC 7519, Section 5.2 and Appendix A.2: tokens signed, then encrypted,
// with "cty":"JWT", verify for several pairs of algorithms.
func TestNestedAccept(t *testing.T) {
	t.Parallel()
	pw, err := jwk.NewSecretKey([]byte("correct horse battery staple"), jwk.PBES2HS256A128KW)
	if err != nil {
		t.Fatal(err)
	}
	ecdh, err := jwk.GenerateECDH(jwk.ECDHESA256KW, "X25519")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		sign, enc jwk.Key
		enc2      jwe.Encryption
	}{
		{"ES256 in ECDH-ES+A256KW/X25519", mustGenerate(t, jwk.ES256), ecdh, jwe.A256GCM},
		{"HS256 in dir", mustGenerate(t, jwk.HS256), mustGenerate(t, jwk.Dir), jwe.A256GCM},
		{"EdDSA in PBES2", mustGenerate(t, jwk.EdDSA), pw, jwe.A128CBCHS256},
		{"PS256 in ECDH-ES/P-384", testKey(t, jwk.PS256), mustGenerate(t, jwk.ECDHES), jwe.A256CBCHS512},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := &jwt.Encrypter{Signer: &jwt.Signer{Key: c.sign.(jwk.SigningKey)}, Key: c.enc, Options: jwe.EncryptOptions{Encryption: c.enc2, PBES2Count: jwe.MinPBES2Count}}
			tok, err := e.Encrypt(nestedClaims())
			if err != nil {
				t.Fatal(err)
			}
			u, err := jwe.UnsafeDecode(tok, 0)
			if err != nil || u.Header.ContentType != "JWT" {
				t.Fatalf("outer header %+v, %v", u, err)
			}
			d := nestedDecrypter(t, c.enc, nestedVerifier(t, c.sign))
			got, err := d.Verify(tok)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != "alice" {
				t.Errorf("sub %q", got.Subject)
			}
			var m map[string]any
			if err := d.VerifyInto(tok, &m); err != nil || m["sub"] != "alice" {
				t.Errorf("VerifyInto: %v, %v", m, err)
			}
		})
	}
}

// Nested tokens that must be refused (RFC 7519 Sections 5.2 and 7.2;
// DESIGN 2), each with its typed error.
func TestNestedReject(t *testing.T) {
	t.Parallel()
	signKey := mustGenerate(t, jwk.ES256)
	otherSign := mustGenerate(t, jwk.ES256)
	encKey := mustGenerate(t, jwk.A256KW)
	otherEnc := mustGenerate(t, jwk.A256KW)
	v := nestedVerifier(t, signKey)
	signed, err := (&jwt.Signer{Key: signKey}).Sign(nestedClaims())
	if err != nil {
		t.Fatal(err)
	}
	wrap := func(inner string, cty string) string {
		tok, err := jwe.Encrypt([]byte(inner), encKey, &jwe.EncryptOptions{ContentType: cty})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	nested := func(sign jwk.SigningKey, c *jwt.Claims) string {
		tok, err := (&jwt.Encrypter{Signer: &jwt.Signer{Key: sign}, Key: encKey}).Encrypt(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	claims := `{"iss":"` + issuer + `","aud":"` + audience + `","sub":"alice","exp":` + unix(time.Hour) + `}`
	expired := nestedClaims()
	expired.ExpiresAt = now.Add(-time.Hour)
	hsKey := mustGenerate(t, jwk.HS256)
	sameSecret, err := jwk.NewSecretKey(hsKey.(*jwk.SecretKey).Secret(), jwk.Dir)
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name  string
		d     *jwt.Decrypter
		token string
		want  []error
	}{
		{"RFC 7519 6: inner token unsigned (alg none)", nestedDecrypter(t, encKey, v), wrap(b64(`{"alg":"none"}`)+"."+b64(claims)+".", "JWT"), []error{jwt.ErrUnsupportedAlgorithm}},
		{"RFC 7515 5.2: inner token with an empty signature", nestedDecrypter(t, encKey, v), wrap(b64(`{"alg":"ES256"}`)+"."+b64(claims)+".", "JWT"), []error{jwt.ErrMalformed, jwt.ErrNotNested}},
		{"DESIGN 2: inner token signed by a key outside the set", nestedDecrypter(t, encKey, v), nested(otherSign, nestedClaims()), []error{jwt.ErrNoKey}},
		{"DESIGN 2: inner token signed by another key with a known kid", nestedDecrypter(t, encKey, v), nested(otherSign.(*jwk.PrivateKey).WithKeyID(signKey.KeyID()), nestedClaims()), []error{jwt.ErrBadSignature}},
		{"DESIGN 2: inner HMAC key is the encryption key", nestedDecrypter(t, sameSecret, nestedVerifier(t, hsKey)), "x", []error{jwt.ErrMisconfigured}},
		{"DESIGN 2: a JWS where a JWE is required", nestedDecrypter(t, encKey, v), signed, []error{jwt.ErrNotNested, jwe.ErrMalformed}},
		{"RFC 7519 5.2: cty missing", nestedDecrypter(t, encKey, v), wrap(signed, ""), []error{jwt.ErrNotNested}},
		{"RFC 7519 5.2: cty not JWT", nestedDecrypter(t, encKey, v), wrap(signed, "json"), []error{jwt.ErrNotNested}},
		{"DESIGN 2: inner token is a JWE, not a JWS", nestedDecrypter(t, encKey, v), wrap(wrap(signed, "JWT"), "JWT"), []error{jwt.ErrNotNested, jwt.ErrMalformed}},
		{"RFC 7516 11.4: wrong decryption key", nestedDecrypter(t, otherEnc, v), nested(signKey.(jwk.SigningKey), nestedClaims()), []error{jwe.ErrDecryption}},
		{"RFC 7519 4.1.4: inner claims expired", nestedDecrypter(t, encKey, v), nested(signKey.(jwk.SigningKey), expired), []error{jwt.ErrExpired}},
		{"DESIGN 2: no JWE decrypter", &jwt.Decrypter{Verifier: v}, "x", []error{jwt.ErrMisconfigured}},
		{"DESIGN 2: no Verifier", nestedDecrypter(t, encKey, nil), "x", []error{jwt.ErrMisconfigured}},
		{"DESIGN 2: JWE decrypter without keys", &jwt.Decrypter{JWE: &jwe.Decrypter{}, Verifier: v}, "x", []error{jwt.ErrMisconfigured, jwe.ErrMisconfigured}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			c, err := r.d.Verify(r.token)
			t.Log(err)
			if c != nil || err == nil {
				t.Fatalf("Verify = %v, %v; want an error", c, err)
			}
			for _, w := range r.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v is not %v", err, w)
				}
			}
		})
	}

	// A plain Verifier never accepts the nested token (a JWE where a JWS
	// is required).
	if _, err := v.Verify(nested(signKey.(jwk.SigningKey), nestedClaims())); !errors.Is(err, jwt.ErrMalformed) {
		t.Errorf("Verifier.Verify(JWE) = %v, want ErrMalformed", err)
	}
	// The Encrypter refuses what the Decrypter would.
	if _, err := (&jwt.Encrypter{Signer: &jwt.Signer{Key: hsKey}, Key: sameSecret}).Encrypt(nestedClaims()); !errors.Is(err, jwt.ErrMisconfigured) {
		t.Errorf("Encrypt with the HMAC key as dir key: %v", err)
	}
	if _, err := (&jwt.Encrypter{Signer: &jwt.Signer{Key: signKey}, Key: encKey, Options: jwe.EncryptOptions{ContentType: "json"}}).Encrypt(nestedClaims()); !errors.Is(err, jwt.ErrMisconfigured) {
		t.Errorf("Encrypt with cty json: %v", err)
	}
	if _, err := (&jwt.Encrypter{Key: encKey}).Encrypt(nestedClaims()); !errors.Is(err, jwt.ErrMisconfigured) {
		t.Errorf("Encrypt without a Signer: %v", err)
	}
}
