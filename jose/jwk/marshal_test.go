package jwk_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
)

// EC coordinates whose integers are shorter than the curve size must be
// left-padded (RFC 7518, Section 6.2.1.2). The generated vectors have
// leading zero octets in x or y.
func TestECPadding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		size int
	}{
		{"generated-ec-p256-x-leading-zero.json", 32},
		{"generated-ec-p256-y-leading-zero.json", 32},
		{"generated-ec-p521-x-leading-zeros.json", 66},
		{"generated-ec-p521-y-leading-zeros.json", 66},
	} {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data := readTestdata(t, tt.file)
			m := testJSON(t, data)
			x, y := m["x"].(string), m["y"].(string)
			if xb, yb := unb64(t, x), unb64(t, y); len(xb) != tt.size || len(yb) != tt.size || (xb[0] != 0 && yb[0] != 0) {
				t.Fatalf("vector is not what it claims: x %x, y %x", xb, yb)
			}
			k, ok := mustParseKey(t, data, "").(*jwk.PrivateKey)
			if !ok {
				t.Fatal("not a private key")
			}
			// Marshal writes the coordinates in full, as the vector has them.
			for _, marshal := range []func() ([]byte, error){k.MarshalJSON, k.Public().MarshalJSON} {
				out, err := marshal()
				if err != nil {
					t.Fatal(err)
				}
				got := testJSON(t, out)
				if got["x"] != x || got["y"] != y {
					t.Errorf("MarshalJSON x, y = %v, %v; want %s, %s", got["x"], got["y"], x, y)
				}
				k2 := mustParseKey(t, out, "")
				want := jwk.Key(k.Public())
				if _, ok := k2.(*jwk.PrivateKey); ok {
					want = k
				}
				if err := keysEqual(k2, want); err != nil {
					t.Errorf("round trip: %v", err)
				}
			}
			// The thumbprint, computed here from the vector's own text
			// (RFC 7638, Section 3.2: members in lexicographic order).
			input := `{"crv":"` + m["crv"].(string) + `","kty":"EC","x":"` + x + `","y":"` + y + `"}`
			sum := sha256.Sum256([]byte(input))
			if got := thumbprint(t, k); got != b64(sum[:]) {
				t.Errorf("thumbprint %s, want %s", got, b64(sum[:]))
			}
			if k.KeyID() != b64(sum[:]) {
				t.Errorf("default kid %s, want the thumbprint", k.KeyID())
			}
		})
	}
}

// MarshalJSON writes members in a fixed order (the RFC 7517, Appendix A.1
// RSA key, reordered).
func TestMarshalJSONFixedOrder(t *testing.T) {
	t.Parallel()
	s, err := jwk.ParseSet(readTestdata(t, "rfc7517-A.1-public-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"keys":[{"kty":"EC","crv":"P-256","x":"` + a1X + `","y":"` + a1Y + `","alg":"ECDH-ES","kid":"1","use":"enc"},` +
		`{"kty":"RSA","n":"` + rsaA2(t)["n"] + `","e":"AQAB","alg":"RS256","kid":"2011-04-29"}]}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	sk := mustParseKey(t, []byte(`{"kid":"k\u2028<1>","k":"`+b64(make([]byte, 32))+`","alg":"HS256","kty":"oct"}`), "").(*jwk.SecretKey)
	out, err = sk.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"kty":"oct","k":"` + b64(make([]byte, 32)) + `","alg":"HS256","kid":"k\u2028<1>"}`; string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	// A key ID that is not valid UTF-8 cannot be written.
	if _, err := sk.WithKeyID("\xff").MarshalJSON(); !errors.Is(err, jwk.ErrMalformed) {
		t.Errorf("invalid UTF-8 kid: %v", err)
	}
}

// publicMembers are the only members a public JWK or JWKS may hold.
var publicMembers = map[string]bool{"kty": true, "crv": true, "x": true, "y": true, "n": true, "e": true, "alg": true, "kid": true, "use": true}

// checkPublicJSON fails if a JWK in a JWK Set has any member that is not
// public: "d", "p", "q", "dp", "dq", "qi", "oth" or "k" above all.
func checkPublicJWKS(t *testing.T, data []byte) {
	t.Helper()
	var set struct{ Keys []map[string]any }
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	for i, k := range set.Keys {
		for name := range k {
			if !publicMembers[name] {
				t.Errorf("key %d has non-public member %q", i, name)
			}
		}
		if k["kty"] == "oct" {
			t.Errorf("key %d is a secret", i)
		}
	}
}

// Set.MarshalJSON never writes private members or secrets, and
// MarshalPrivateSet writes everything.
func TestSetMarshalJSONIsPublic(t *testing.T) {
	t.Parallel()
	var keys []jwk.Key
	for _, alg := range jwk.Algorithms() {
		k, err := jwk.Generate(alg)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	keys = append(keys, mustParseKey(t, readTestdata(t, "rfc8037-A.2-ed25519-public-key.json"), ""))
	s, err := jwk.NewSet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	checkPublicJWKS(t, pub)
	for _, member := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`, `"k"`, `"oct"`} {
		if bytes.Contains(pub, []byte(member)) {
			t.Errorf("public JWKS contains %s", member)
		}
	}
	// Nor does the secret material appear in any encoding.
	for _, k := range keys {
		if sk, ok := k.(*jwk.SecretKey); ok && bytes.Contains(pub, []byte(b64(sk.Secret()))) {
			t.Error("public JWKS contains a secret")
		}
	}
	ps, err := jwk.ParseSet(pub)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Len() != len(keys)-3 {
		t.Errorf("public set has %d keys, want %d (all but the 3 HMAC keys)", ps.Len(), len(keys)-3)
	}
	for _, k := range ps.Keys() {
		if _, ok := k.(*jwk.PublicKey); !ok {
			t.Errorf("public set holds a %T", k)
		}
	}
	// The private set round-trips every key.
	priv, err := jwk.MarshalPrivateSet(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := jwk.ParseSet(priv)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Len() != s.Len() {
		t.Fatalf("private set round trip: %d keys, want %d", s2.Len(), s.Len())
	}
	for i := range s.Keys() {
		if err := keysEqual(s.Keys()[i], s2.Keys()[i]); err != nil {
			t.Errorf("key %d (%s): %v", i, s.Keys()[i].Algorithm(), err)
		}
	}
	// A nil set marshals as an empty one.
	var nilSet *jwk.Set
	if out, err := nilSet.MarshalJSON(); err != nil || string(out) != `{"keys":[]}` {
		t.Errorf("nil set: %s, %v", out, err)
	}
	// The public JWK of a private key is the same as its public key's.
	for _, k := range keys {
		if pk, ok := k.(*jwk.PrivateKey); ok {
			out, err := pk.Public().MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			for name := range testJSON(t, out) {
				if !publicMembers[name] {
					t.Errorf("%s public JWK has %q", pk.Algorithm(), name)
				}
			}
		}
	}
}

// Generate(alg) → MarshalJSON → ParseKey gives the same key, for every
// algorithm, and marshaling again gives the same bytes.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, alg := range jwk.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := jwk.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			keys := []jwk.Key{k}
			if pk, ok := k.(*jwk.PrivateKey); ok {
				keys = append(keys, pk.Public())
			}
			for _, k := range keys {
				out, err := marshalKey(k)
				if err != nil {
					t.Fatal(err)
				}
				k2 := mustParseKey(t, out, "")
				if err := keysEqual(k, k2); err != nil {
					t.Errorf("%T: %v", k, err)
				}
				out2, err := marshalKey(k2)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, out2) {
					t.Errorf("%T: marshal is not stable:\n%s\n%s", k, out, out2)
				}
				// encoding/json agrees that the output is one object with
				// the expected members.
				m := testJSON(t, out)
				if m["kty"] != k.KeyType() || m["alg"] != string(alg) {
					t.Errorf("%T: kty %v alg %v", k, m["kty"], m["alg"])
				}
			}
		})
	}
}

// opaqueSigner hides the type of a key, as an HSM or KMS handle would.
type opaqueSigner struct{ crypto.Signer }

func TestMarshalOpaqueSigner(t *testing.T) {
	t.Parallel()
	k, err := jwk.Generate(jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	opaque, err := jwk.NewPrivateKey(opaqueSigner{k.(*jwk.PrivateKey).Signer()}, jwk.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opaque.MarshalJSON(); !errors.Is(err, jwk.ErrNotExportable) {
		t.Errorf("MarshalJSON: %v, want ErrNotExportable", err)
	}
	s, err := jwk.NewSet(opaque)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwk.MarshalPrivateSet(s); !errors.Is(err, jwk.ErrNotExportable) {
		t.Errorf("MarshalPrivateSet: %v, want ErrNotExportable", err)
	}
	pub, err := s.MarshalJSON()
	if err != nil {
		t.Fatalf("the public set of an opaque key: %v", err)
	}
	checkPublicJWKS(t, pub)
}
