package jwk_test

import (
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

// Every key-management algorithm generates a key that is bound to it,
// survives a private JWK round trip, and refuses to sign.
func TestGenerateKeyManagement(t *testing.T) {
	t.Parallel()
	for _, alg := range jwk.KeyManagementAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			if !alg.IsKeyManagement() || alg.Known() {
				t.Fatalf("IsKeyManagement %v, Known %v", alg.IsKeyManagement(), alg.Known())
			}
			k, err := jwk.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm() != alg {
				t.Errorf("Algorithm = %q", k.Algorithm())
			}
			var data []byte
			switch k := k.(type) {
			case *jwk.PrivateKey:
				if k.Public().Use() != "enc" {
					t.Errorf("use = %q, want enc", k.Public().Use())
				}
				data, err = k.MarshalJSON()
			case *jwk.SecretKey:
				if _, err := k.AppendMAC(nil, []byte("x")); !errors.Is(err, jwk.ErrUnbound) {
					t.Errorf("AppendMAC: %v, want ErrUnbound", err)
				}
				data, err = k.MarshalJSON()
			}
			if err != nil {
				t.Fatal(err)
			}
			back, err := jwk.ParseKey(data, "")
			if err != nil {
				t.Fatalf("ParseKey(%s): %v", data, err)
			}
			if err := keysEqual(k, back); err != nil {
				t.Error(err)
			}
		})
	}
}

// RFC 8037, Section 2 and Appendix A.6: X25519 OKP keys parse, marshal,
// thumbprint and convert to crypto/ecdh; they never sign.
func TestX25519Keys(t *testing.T) {
	t.Parallel()
	const (
		// Bob's key of RFC 8037, Appendix A.6 (RFC 7748, Section 6.1).
		x = "3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"
		d = "XasIfmJKikt54X-Lg4AO5m87sSkmGLb9HC-LJ_-I4Os"
	)
	priv := mustParseKey(t, []byte(`{"kty":"OKP","crv":"X25519","kid":"Bob","x":"`+x+`","d":"`+d+`"}`), jwk.ECDHESA128KW).(*jwk.PrivateKey)
	if priv.Algorithm() != jwk.ECDHESA128KW || priv.KeyType() != jwk.KeyTypeOKP || priv.KeyID() != "Bob" {
		t.Errorf("alg %q kty %q kid %q", priv.Algorithm(), priv.KeyType(), priv.KeyID())
	}
	e, err := priv.ECDH()
	if err != nil || base64url.EncodeToString(e.PublicKey().Bytes()) != x {
		t.Fatalf("ECDH() = %v, %v", e, err)
	}
	pe, err := priv.Public().ECDH()
	if err != nil || !pe.Equal(e.PublicKey()) {
		t.Errorf("Public().ECDH() = %v, %v", pe, err)
	}
	if _, err := priv.Signer().Sign(rand.Reader, make([]byte, 32), crypto.Hash(0)); err == nil {
		t.Error("an X25519 key signed")
	}
	out, err := priv.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kty":"OKP","crv":"X25519","x":"` + x + `","d":"` + d + `","alg":"ECDH-ES+A128KW","kid":"Bob"}`
	if string(out) != want {
		t.Errorf("MarshalJSON =\n%s\nwant\n%s", out, want)
	}
	tp, err := jwk.Thumbprint(priv, crypto.SHA256)
	if err != nil || len(tp) != 32 {
		t.Errorf("Thumbprint = %x, %v", tp, err)
	}
	pemData, err := jwk.MarshalPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := jwk.ParsePEM(pemData, jwk.ECDHESA128KW); err != nil || !back.(*jwk.PrivateKey).Public().Equal(priv.Public()) {
		t.Errorf("PEM round trip: %v", err)
	}

	// Without "alg", X25519 keys are bound to ECDH-ES, the algorithm of
	// their curve, and EC keys marked "use":"enc" too.
	pub := mustParseKey(t, []byte(`{"kty":"OKP","crv":"X25519","x":"`+x+`"}`), "")
	if pub.Algorithm() != jwk.ECDHES {
		t.Errorf("X25519 key without alg bound to %q", pub.Algorithm())
	}
	if k := mustParseKey(t, []byte(`{"kty":"OKP","crv":"X25519","x":"`+x+`","d":"`+d+`"}`), ""); k.Algorithm() != jwk.ECDHES {
		t.Errorf("private X25519 key without alg bound to %q", k.Algorithm())
	}
	a1, err := jwk.ParseSet(readTestdata(t, "rfc7517-A.1-public-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ec := a1.Keys()[0]; ec.KeyType() != jwk.KeyTypeEC || ec.Algorithm() != jwk.ECDHES {
		t.Errorf("RFC 7517 A.1 EC key (use enc) is %s bound to %q, want ECDH-ES", ec.KeyType(), ec.Algorithm())
	}
	errTests := []struct {
		name string
		data string
		alg  jwk.Algorithm
		want error
	}{
		{"RFC 8037 3.2: X25519 key offered as EdDSA", `{"kty":"OKP","crv":"X25519","x":"` + x + `"}`, jwk.EdDSA, jwk.ErrKeyMismatch},
		{"RFC 8037 3.1: Ed25519 key offered as ECDH-ES", `{"kty":"OKP","crv":"Ed25519","x":"` + x + `"}`, jwk.ECDHES, jwk.ErrKeyMismatch},
		{"RFC 8037 2: short x", `{"kty":"OKP","crv":"X25519","x":"AAAA"}`, "", jwk.ErrMalformed},
		{"RFC 8037 2: d does not match x", `{"kty":"OKP","crv":"X25519","x":"` + x + `","d":"` + x + `"}`, jwk.ECDHES, jwk.ErrMalformed},
		{"RFC 7517 4.2: a sig key is not an encryption key", `{"kty":"OKP","crv":"X25519","use":"sig","x":"` + x + `"}`, jwk.ECDHES, jwk.ErrKeyMismatch},
		{"RFC 7518 4.4: A128KW key of 32 bytes", `{"kty":"oct","k":"` + base64url.EncodeToString(make([]byte, 32)) + `"}`, jwk.A128KW, jwk.ErrWeakKey},
		{"RFC 7518 4.4: A256KW key of 16 bytes", `{"kty":"oct","k":"` + base64url.EncodeToString(make([]byte, 16)) + `"}`, jwk.A256KW, jwk.ErrWeakKey},
		{"RFC 7518 4.5: dir key of 24 bytes", `{"kty":"oct","k":"` + base64url.EncodeToString(make([]byte, 24)) + `"}`, jwk.Dir, jwk.ErrKeyMismatch},
		{"RFC 7518 4.6: ECDH-ES on an oct key", `{"kty":"oct","k":"` + base64url.EncodeToString(make([]byte, 32)) + `"}`, jwk.ECDHES, jwk.ErrKeyMismatch},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := jwk.ParseKey([]byte(tt.data), tt.alg)
			if !errors.Is(err, tt.want) || k != nil {
				t.Errorf("ParseKey = %v, %v; want nil, %v", k, err, tt.want)
			}
		})
	}
}

// An EC key binds to the ECDH-ES algorithms on every NIST curve, and
// GenerateECDH makes keys on all four curves.
func TestECDHKeys(t *testing.T) {
	t.Parallel()
	for _, crv := range []string{"P-256", "P-384", "P-521", jwk.CurveX25519} {
		k, err := jwk.GenerateECDH(jwk.ECDHESA256KW, crv)
		if err != nil {
			t.Fatalf("%s: %v", crv, err)
		}
		e, err := k.ECDH()
		if err != nil {
			t.Fatalf("%s: ECDH: %v", crv, err)
		}
		back, err := jwk.NewECDHPrivateKey(e, jwk.ECDHESA256KW)
		if err != nil || !back.Public().Equal(k.Public()) || back.KeyID() != k.KeyID() {
			t.Errorf("%s: NewECDHPrivateKey = %v, %v", crv, back, err)
		}
	}
	if _, err := jwk.GenerateECDH(jwk.ES256, "P-256"); !errors.Is(err, jwk.ErrKeyMismatch) {
		t.Errorf("GenerateECDH(ES256): %v", err)
	}
	if _, err := jwk.GenerateECDH(jwk.ECDHES, "X448"); !errors.Is(err, jwk.ErrUnsupportedKeyType) {
		t.Errorf("GenerateECDH(X448): %v", err)
	}
	p, _ := ecdh.P256().GenerateKey(rand.Reader)
	if _, err := jwk.NewECDHPrivateKey(p, jwk.A128KW); !errors.Is(err, jwk.ErrKeyMismatch) {
		t.Errorf("NewECDHPrivateKey(A128KW): %v", err)
	}
}
