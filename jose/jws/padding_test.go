package jws_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// paddingFile is testdata/ecdsa_padding.json: ECDSA signatures whose R or S
// and EC keys whose X or Y start with zero bytes, where implementations that
// trim or forget to pad go wrong (RFC 7518, Sections 3.4 and 6.2.1.2).
type paddingFile struct {
	Source     string          `json:"source"`
	Signatures []paddingVector `json:"signatures"`
	Keys       []paddingVector `json:"keys"`
}

type paddingVector struct {
	Name   string          `json:"name"`
	Source string          `json:"source"`
	Alg    jws.Algorithm   `json:"alg"`
	JWK    json.RawMessage `json:"jwk"`
	Token  string          `json:"token"`
	R      string          `json:"r"`
	S      string          `json:"s"`
}

func loadPadding(t testing.TB) paddingFile {
	t.Helper()
	data, err := os.ReadFile("testdata/ecdsa_padding.json")
	if err != nil {
		t.Fatal(err)
	}
	var f paddingFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Source == "" || len(f.Signatures) == 0 || len(f.Keys) == 0 {
		t.Fatal("testdata/ecdsa_padding.json is incomplete")
	}
	return f
}

func TestECDSALeadingZeroSignatures(t *testing.T) {
	for _, v := range loadPadding(t).Signatures {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			key, err := jwk.ParseKey(v.JWK, "")
			if err != nil {
				t.Fatalf("%s: %v", v.Source, err)
			}
			if key.Algorithm() != v.Alg {
				t.Fatalf("key bound to %s, want %s", key.Algorithm(), v.Alg)
			}
			set := mustSet(t, key)
			got, err := jws.Verify(v.Token, set, nil)
			if err != nil {
				t.Fatalf("%s: Verify: %v", v.Source, err)
			}
			if got.Header.Algorithm != v.Alg {
				t.Errorf("alg = %s", got.Header.Algorithm)
			}
			sig, err := base64url.DecodeString(v.Token[strings.LastIndexByte(v.Token, '.')+1:])
			if err != nil {
				t.Fatal(err)
			}
			size := v.Alg.SignatureSize() / 2
			r, _ := base64url.DecodeString(v.R)
			s, _ := base64url.DecodeString(v.S)
			if string(sig) != string(r)+string(s) {
				t.Fatalf("signature is not R || S")
			}
			if len(r) != size || len(s) != size {
				t.Fatalf("halves of %d and %d bytes, want %d", len(r), len(s), size)
			}
			// Trimming the leading zeros, as a DER-minded encoder would,
			// breaks the fixed size: the token must fail.
			trimmed := strings.TrimLeft(string(r), "\x00") + strings.TrimLeft(string(s), "\x00")
			if len(trimmed) != 2*size {
				bad := v.Token[:strings.LastIndexByte(v.Token, '.')+1] + base64url.EncodeToString([]byte(trimmed))
				if _, err := jws.Verify(bad, set, nil); !isAny(err, jws.ErrBadSignature, jws.ErrMalformed) {
					t.Errorf("trimmed signature: got %v, want ErrBadSignature", err)
				}
			}
		})
	}
}

func TestECShortCoordinateKeys(t *testing.T) {
	for _, v := range loadPadding(t).Keys {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			key, err := jwk.ParseKey(v.JWK, v.Alg)
			if err != nil {
				t.Fatalf("%s: %v", v.Source, err)
			}
			priv, ok := key.(*jwk.PrivateKey)
			if !ok {
				t.Fatalf("got %T, want a private key", key)
			}
			// The public JWK keeps the padded coordinates.
			pubJSON, err := priv.Public().MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var in, out struct{ X, Y string }
			json.Unmarshal(v.JWK, &in)
			json.Unmarshal(pubJSON, &out)
			if in != out {
				t.Errorf("public JWK coordinates %+v, want %+v", out, in)
			}
			set := mustSet(t, priv.Public())
			for i := range 8 {
				payload := []byte(`{"n":` + itoa(i) + `}`)
				tok, err := jws.Sign(payload, priv, nil)
				if err != nil {
					t.Fatalf("Sign: %v", err)
				}
				got, err := jws.Verify(tok, set, nil)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if string(got.Payload) != string(payload) {
					t.Fatalf("payload %q", got.Payload)
				}
				// The same key parsed from its public JWK verifies too.
				pub, err := jwk.ParseKey(pubJSON, "")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := jws.Verify(tok, mustSet(t, pub), nil); err != nil {
					t.Fatalf("Verify with re-parsed key: %v", err)
				}
			}
		})
	}
}

// TestECDSASignPadding signs until each half has had leading zero bytes,
// checking that Sign always writes fixed-size halves.
func TestECDSASignPadding(t *testing.T) {
	if testing.Short() {
		t.Skip("signs thousands of tokens")
	}
	for _, alg := range []jws.Algorithm{jws.ES256, jws.ES384, jws.ES512} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			key := testKey(t, alg)
			set := setOf(t, key)
			size := alg.SignatureSize()
			var zeroR, zeroS bool
			for i := 0; i < 3000 && !(zeroR && zeroS); i++ {
				tok, err := jws.Sign([]byte(itoa(i)), key, nil)
				if err != nil {
					t.Fatal(err)
				}
				sig, err := base64url.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
				if err != nil || len(sig) != size {
					t.Fatalf("signature of %d bytes (%v), want %d", len(sig), err, size)
				}
				zeroR = zeroR || sig[0] == 0
				zeroS = zeroS || sig[size/2] == 0
				if _, err := jws.Verify(tok, set, nil); err != nil {
					t.Fatal(err)
				}
			}
			if !zeroR || !zeroS {
				t.Logf("no leading zero seen (R %v, S %v): unlucky run", zeroR, zeroS)
			}
		})
	}
}
