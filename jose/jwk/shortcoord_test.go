package jwk_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// EC public keys whose coordinates are shorter than the curve size, as
// PyJWT 2.6 writes them (testdata/pyjwt-short-ec.py made the files), are
// read, left-padded, written padded again, and verify the token that the
// matching private key signed with PyJWT.
func TestShortECCoordinates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file string
		alg  jwk.Algorithm
		size int
	}{
		{"pyjwt-2.6-short-ec-p256", jwk.ES256, 32},
		{"pyjwt-2.6-short-ec-p384", jwk.ES384, 48},
		{"pyjwt-2.6-short-ec-p521", jwk.ES512, 66},
	} {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			data := readTestdata(t, c.file+".json")
			m := testJSON(t, data)
			short := 0
			for _, name := range []string{"x", "y"} {
				if len(unb64(t, m[name].(string))) < c.size {
					short++
				}
			}
			if short == 0 {
				t.Fatal("the vector has no short coordinate")
			}
			k := mustParseKey(t, data, "")
			pub, ok := k.(*jwk.PublicKey)
			if !ok || pub.Algorithm() != c.alg {
				t.Fatalf("parsed %T bound to %q, want a %s public key", k, k.Algorithm(), c.alg)
			}
			// Written padded; the thumbprint (the default kid) is that of
			// the padded form too (RFC 7638, Section 3.2).
			out, err := pub.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			w := testJSON(t, out)
			for _, name := range []string{"x", "y"} {
				if n := len(unb64(t, w[name].(string))); n != c.size {
					t.Errorf("written %q is %d bytes, want %d", name, n, c.size)
				}
			}
			if again := mustParseKey(t, out, ""); again.KeyID() != pub.KeyID() {
				t.Errorf("kid %q after padding, %q before", again.KeyID(), pub.KeyID())
			}

			set, err := jwk.NewSet(pub)
			if err != nil {
				t.Fatal(err)
			}
			token := strings.TrimSuffix(string(readTestdata(t, c.file+".jwt")), "\n")
			v, err := jws.Verify(token, set, nil)
			if err != nil {
				t.Fatalf("PyJWT token: %v", err)
			}
			if !bytes.Contains(v.Payload, []byte(`"sub":"pyjwt"`)) {
				t.Errorf("payload %s", v.Payload)
			}
			// The same coordinates, one octet too long, are refused.
			long := bytes.Replace(data, []byte(`"x": "`), []byte(`"x": "AAAA`), 1)
			long = bytes.Replace(long, []byte(`"y": "`), []byte(`"y": "AAAA`), 1)
			if _, err := jwk.ParseKey(long, ""); !errors.Is(err, jwk.ErrMalformed) {
				t.Errorf("coordinates three octets longer: got %v, want ErrMalformed", err)
			}
		})
	}
}

// A private JWK may have short coordinates too; its "d" stays exactly the
// curve size (the "short d" row of TestParseKeyErrors, RFC 7518, Section
// 6.2.2.1).
func TestShortECPrivateKey(t *testing.T) {
	t.Parallel()
	m := testJSON(t, readTestdata(t, "generated-ec-p521-x-leading-zeros.json"))
	x := unb64(t, m["x"].(string))
	short := obj("kty", q("EC"), "crv", q("P-521"), "x", q(b64(bytes.TrimLeft(x, "\x00"))), "y", q(m["y"].(string)), "d", q(m["d"].(string)))
	if k := mustParseKey(t, short, ""); k.KeyType() != jwk.KeyTypeEC {
		t.Fatalf("parsed %T", k)
	} else if _, ok := k.(*jwk.PrivateKey); !ok {
		t.Fatalf("parsed %T, want a private key", k)
	}
}
