package jwk_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
)

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// MarshalPEM → ParsePEM gives back the key, for every asymmetric
// algorithm, with the thumbprint as key ID.
func TestPEMRoundTrip(t *testing.T) {
	t.Parallel()
	for _, alg := range jwk.Algorithms() {
		if alg.KeyType() == jwk.KeyTypeOct {
			continue
		}
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := jwk.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			priv := k.(*jwk.PrivateKey)
			for _, k := range []jwk.Key{priv, priv.Public()} {
				out, err := jwk.MarshalPEM(k)
				if err != nil {
					t.Fatal(err)
				}
				block, _ := pem.Decode(out)
				if want := map[bool]string{true: "PRIVATE KEY", false: "PUBLIC KEY"}[k == jwk.Key(priv)]; block.Type != want {
					t.Errorf("block type %q, want %q", block.Type, want)
				}
				k2, err := jwk.ParsePEM(out, alg)
				if err != nil {
					t.Fatal(err)
				}
				if err := keysEqual(k, k2); err != nil {
					t.Errorf("%T: %v", k, err)
				}
			}
		})
	}
}

func TestParsePEMFormats(t *testing.T) {
	t.Parallel()
	// RFC 7517, Appendix A.2 (RSA, P-256) and RFC 8037, Appendix A.1.
	a2, err := jwk.ParseSet(readTestdata(t, "rfc7517-A.2-private-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	ecPriv := a2.Keys()[0].(*jwk.PrivateKey).Signer().(*ecdsa.PrivateKey)
	rsaPriv := a2.Keys()[1].(*jwk.PrivateKey).Signer().(*rsa.PrivateKey)
	edPriv := mustParseKey(t, readTestdata(t, "rfc8037-A.1-ed25519-private-key.json"), "").(*jwk.PrivateKey).Signer()

	must := func(der []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	cert := func(pub, priv any) []byte {
		t.Helper()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "jwk test"},
			NotBefore:    time.Unix(0, 0),
			NotAfter:     time.Unix(1, 0), // expired: ParsePEM does not check
		}
		return pemBlock("CERTIFICATE", must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)))
	}
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecSPKI := pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&ecPriv.PublicKey)))
	rsaPKCS1 := pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaPriv))
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{
		"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00000000000000000000000000000000",
	}, Bytes: x509.MarshalPKCS1PrivateKey(rsaPriv)})

	tests := []struct {
		name        string
		data        []byte
		alg         jwk.Algorithm
		wantAlg     jwk.Algorithm
		wantPrivate bool
		wantErr     error
	}{
		{"RFC 8017 A.1.2: RSA PRIVATE KEY", rsaPKCS1, jwk.RS256, jwk.RS256, true, nil},
		{"RFC 8017 A.1.2: RSA PRIVATE KEY without alg", rsaPKCS1, "", "", false, jwk.ErrUnbound},
		{"RFC 5208 5: PRIVATE KEY (RSA)", pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(rsaPriv))), jwk.PS512, jwk.PS512, true, nil},
		{"RFC 5280 4.1.2.7: PUBLIC KEY (RSA) stays unbound", pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&rsaPriv.PublicKey))), "", "", false, nil},
		{"RFC 8017 A.1.1: RSA PUBLIC KEY", pemBlock("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaPriv.PublicKey)), jwk.RS384, jwk.RS384, false, nil},
		{"RFC 5280 4.1: CERTIFICATE (RSA)", cert(&rsaPriv.PublicKey, rsaPriv), "", "", false, nil},
		{"RFC 5915 3: EC PRIVATE KEY binds from the curve", pemBlock("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecPriv))), "", jwk.ES256, true, nil},
		{"RFC 5208 5: PRIVATE KEY (EC)", pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(ecPriv))), "", jwk.ES256, true, nil},
		{"RFC 5480 2: PUBLIC KEY (EC)", ecSPKI, jwk.ES256, jwk.ES256, false, nil},
		{"RFC 5280 4.1: CERTIFICATE (EC)", cert(&ecPriv.PublicKey, ecPriv), "", jwk.ES256, false, nil},
		{"RFC 8410 7: PRIVATE KEY (Ed25519)", pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(edPriv))), "", jwk.EdDSA, true, nil},
		{"RFC 8410 4: PUBLIC KEY (Ed25519)", pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(edPriv.Public()))), jwk.EdDSA, jwk.EdDSA, false, nil},
		{"RFC 7468 2: text before and after the block", append(append([]byte("comment\n"), ecSPKI...), "trailing garbage"...), "", jwk.ES256, false, nil},
		{"RFC 7468 2: only the first block is read", append(append([]byte(nil), ecSPKI...), rsaPKCS1...), "", jwk.ES256, false, nil},

		{"DESIGN 2: P-256 key offered as ES384", pemBlock("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecPriv))), jwk.ES384, "", false, jwk.ErrKeyMismatch},
		{"DESIGN 2: EC key offered as RS256", ecSPKI, jwk.RS256, "", false, jwk.ErrKeyMismatch},
		{"DESIGN 2: RSA key offered as HS256", rsaPKCS1, jwk.HS256, "", false, jwk.ErrKeyMismatch},
		{"DESIGN 2: alg none", ecSPKI, "none", "", false, jwk.ErrUnsupportedAlgorithm},
		{"RFC 7518 3.3: 1024-bit RSA", pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&rsa1024.PublicKey))), jwk.RS256, "", false, jwk.ErrWeakKey},
		{"RFC 8410 7: X25519 private key binds to ECDH-ES", pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(x25519))), "", jwk.ECDHES, true, nil},
		{"RFC 8410 7: X25519 private key for ECDH-ES", pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(x25519))), jwk.ECDHES, jwk.ECDHES, true, nil},
		{"RFC 8410 4: X25519 public key binds to ECDH-ES", pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(x25519.PublicKey()))), "", jwk.ECDHES, false, nil},
		{"RFC 8037 3.2: X25519 public key offered as EdDSA", pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(x25519.PublicKey()))), jwk.EdDSA, "", false, jwk.ErrKeyMismatch},
		{"RFC 5915 3: P-224", pemBlock("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(p224))), "", "", false, jwk.ErrUnsupportedKeyType},
		{"RFC 1421 4.6.1.1: encrypted PEM", encrypted, jwk.RS256, "", false, jwk.ErrMalformed},
		{"RFC 5958 3: ENCRYPTED PRIVATE KEY", pemBlock("ENCRYPTED PRIVATE KEY", []byte{0x30, 0}), "", "", false, jwk.ErrMalformed},
		{"RFC 7468 2: no PEM block", []byte(`{"kty":"EC"}`), "", "", false, jwk.ErrMalformed},
		{"RFC 7468 2: unknown block type", pemBlock("DSA PRIVATE KEY", []byte{0x30, 0}), "", "", false, jwk.ErrUnsupportedKeyType},
		{"X.690: corrupt DER", pemBlock("PUBLIC KEY", []byte{0x30, 0x03, 0x02, 0x01}), "", "", false, jwk.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := jwk.ParsePEM(tt.data, tt.alg)
			if tt.wantErr != nil {
				t.Log(err)
				if !errors.Is(err, tt.wantErr) || k != nil {
					t.Fatalf("ParsePEM = %v, %v; want nil, %v", k, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm() != tt.wantAlg {
				t.Errorf("Algorithm = %q, want %q", k.Algorithm(), tt.wantAlg)
			}
			if _, ok := k.(*jwk.PrivateKey); ok != tt.wantPrivate {
				t.Errorf("got %T, want private: %v", k, tt.wantPrivate)
			}
			if k.KeyID() != thumbprint(t, k) {
				t.Errorf("kid %q is not the thumbprint", k.KeyID())
			}
		})
	}
}

func TestMarshalPEMErrors(t *testing.T) {
	t.Parallel()
	secret, err := jwk.Generate(jwk.HS256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwk.MarshalPEM(secret); !errors.Is(err, jwk.ErrNotExportable) {
		t.Errorf("secret: %v, want ErrNotExportable", err)
	}
	ec, err := jwk.Generate(jwk.ES384)
	if err != nil {
		t.Fatal(err)
	}
	opaque, err := jwk.NewPrivateKey(opaqueSigner{ec.(*jwk.PrivateKey).Signer()}, jwk.ES384)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwk.MarshalPEM(opaque); !errors.Is(err, jwk.ErrNotExportable) {
		t.Errorf("opaque signer: %v, want ErrNotExportable", err)
	}
	if _, err := jwk.MarshalPEM(opaque.Public()); err != nil {
		t.Errorf("public half of an opaque signer: %v", err)
	}
	if _, err := jwk.MarshalPEM(nil); err == nil {
		t.Error("nil key: no error")
	}
}
