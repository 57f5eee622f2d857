package jws_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// vectorFile is the format of the testdata/rfc*.json files: published
// examples, each naming the RFC section it comes from.
type vectorFile struct {
	Source  string   `json:"source"`
	Vectors []vector `json:"vectors"`
}

type vector struct {
	Name   string          `json:"name"`
	Source string          `json:"source"`
	Alg    jws.Algorithm   `json:"alg"`
	JWK    json.RawMessage `json:"jwk"`
	// Header and Payload are the decoded segments of Token.
	Header  string `json:"header"`
	Payload string `json:"payload"`
	Token   string `json:"token"`
	// Deterministic is set for algorithms whose signature depends only on
	// the key and the signing input (HMAC, RSASSA-PKCS1-v1_5, Ed25519).
	Deterministic bool `json:"deterministic"`
}

// loadVectors reads every testdata/rfc*.json file.
func loadVectors(t testing.TB) map[string][]vector {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "rfc*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	out := make(map[string][]vector)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var vf vectorFile
		if err := json.Unmarshal(data, &vf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if vf.Source == "" {
			t.Fatalf("%s does not name its source", f)
		}
		for _, v := range vf.Vectors {
			if v.Source == "" {
				t.Fatalf("%s: vector %s does not name its source", f, v.Name)
			}
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = vf.Vectors
	}
	return out
}

// vectorKeys parses the vector's JWK, bound to its algorithm.
func vectorKeys(t testing.TB, v vector) (jwk.Key, *jwk.Set) {
	t.Helper()
	k, err := jwk.ParseKey(v.JWK, v.Alg)
	if err != nil {
		t.Fatalf("%s: parsing key: %v", v.Source, err)
	}
	var pub jwk.Key = k
	if pk, ok := k.(*jwk.PrivateKey); ok {
		pub = pk.Public()
	}
	set, err := jwk.NewSet(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, set
}

func TestRFCVectors(t *testing.T) {
	for file, vectors := range loadVectors(t) {
		for _, v := range vectors {
			t.Run(file+"/"+v.Name, func(t *testing.T) {
				t.Parallel()
				key, set := vectorKeys(t, v)

				got, err := jws.Verify(v.Token, set, nil)
				if err != nil {
					t.Fatalf("%s: Verify: %v", v.Source, err)
				}
				if got.Header.Algorithm != v.Alg {
					t.Errorf("alg = %q, want %q", got.Header.Algorithm, v.Alg)
				}
				if string(got.Payload) != v.Payload {
					t.Errorf("payload = %q, want %q", got.Payload, v.Payload)
				}

				u, err := jws.UnsafeDecode(v.Token, 0)
				if err != nil {
					t.Fatalf("UnsafeDecode: %v", err)
				}
				if string(u.RawHeader) != v.Header {
					t.Errorf("header = %q, want %q", u.RawHeader, v.Header)
				}
				if string(u.Payload) != v.Payload {
					t.Errorf("UnsafeDecode payload = %q, want %q", u.Payload, v.Payload)
				}
				if u.EmbeddedKey {
					t.Errorf("EmbeddedKey set for %s", v.Source)
				}

				// Only the signature is changed: the token must fail.
				if err := flipSignature(v.Token, set); err != nil {
					t.Error(err)
				}

				signer, ok := key.(jwk.SigningKey)
				if !ok {
					return
				}
				// Sign the same payload again with the same key ID, and
				// verify the result.
				signer = withKeyID(signer, u.Header.KeyID)
				tok, err := jws.Sign(u.Payload, signer, nil)
				if err != nil {
					t.Fatalf("Sign: %v", err)
				}
				if _, err := jws.Verify(tok, set, nil); err != nil {
					t.Fatalf("Verify(Sign()): %v", err)
				}
				if !v.Deterministic {
					return
				}
				// Deterministic algorithms must reproduce the RFC bytes
				// wherever our header serialization equals the RFC's.
				h, _, _ := strings.Cut(tok, ".")
				if dec, _ := base64url.DecodeString(h); string(dec) == v.Header {
					if tok != v.Token {
						t.Errorf("Sign() =\n%s\nwant (%s)\n%s", tok, v.Source, v.Token)
					}
					return
				}
				// The RFC header has whitespace this package does not
				// write (RFC 7515 A.1): recompute the MAC over the RFC's
				// own signing input instead.
				sk, ok := key.(*jwk.SecretKey)
				if !ok {
					t.Fatalf("%s: cannot re-sign the RFC header with %T", v.Source, key)
				}
				i := strings.LastIndexByte(v.Token, '.')
				mac, err := sk.AppendMAC(nil, []byte(v.Token[:i]))
				if err != nil {
					t.Fatal(err)
				}
				if got := base64url.EncodeToString(mac); got != v.Token[i+1:] {
					t.Errorf("MAC = %s, want (%s) %s", got, v.Source, v.Token[i+1:])
				}
			})
		}
	}
}

func withKeyID(k jwk.SigningKey, kid string) jwk.SigningKey {
	switch k := k.(type) {
	case *jwk.PrivateKey:
		return k.WithKeyID(kid)
	case *jwk.SecretKey:
		return k.WithKeyID(kid)
	}
	return k
}

// flipSignature checks that token fails to verify with every single bit of
// its decoded signature flipped in turn (for long signatures, 64 of them).
func flipSignature(token string, set *jwk.Set) error {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64url.DecodeString(token[i+1:])
	if err != nil {
		return err
	}
	step := 1
	if len(sig) > 32 {
		step = len(sig)*8/64 + 1 // about 64 bits, spread over the signature
	}
	for b := 0; b < len(sig)*8; b += step {
		s := bytes.Clone(sig)
		s[b/8] ^= 1 << (b % 8)
		bad := token[:i+1] + base64url.EncodeToString(s)
		if _, err := jws.Verify(bad, set, nil); err == nil {
			return &flipError{bit: b}
		} else if !isAny(err, jws.ErrBadSignature) {
			return &flipError{bit: b, err: err}
		}
	}
	return nil
}

type flipError struct {
	bit int
	err error
}

func (e *flipError) Error() string {
	if e.err == nil {
		return "signature with bit " + itoa(e.bit) + " flipped verifies"
	}
	return "signature with bit " + itoa(e.bit) + " flipped: want ErrBadSignature, got " + e.err.Error()
}
