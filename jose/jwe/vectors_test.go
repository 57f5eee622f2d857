package jwe_test

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// vectorFile is the format of the testdata/*.json files: published JWE
// examples, each naming its source.
type vectorFile struct {
	Source     string      `json:"source"`
	Vectors    []vector    `json:"vectors"`
	Agreements []agreement `json:"agreements"`
}

type vector struct {
	Name        string          `json:"name"`
	Source      string          `json:"source"`
	Alg         jwk.Algorithm   `json:"alg"`
	Enc         jwe.Encryption  `json:"enc"`
	JWK         json.RawMessage `json:"jwk"`
	Password    string          `json:"password"`
	Plaintext   string          `json:"plaintext"`
	Compact     string          `json:"compact"`
	Unsupported bool            `json:"unsupported"`
}

// agreement is a key-agreement example: a recipient key, an ephemeral key
// and the shared secret (and, for RFC 7518 Appendix C, the derived key).
type agreement struct {
	Name            string          `json:"name"`
	Source          string          `json:"source"`
	Alg             jwk.Algorithm   `json:"alg"`
	Enc             jwe.Encryption  `json:"enc"`
	JWK             json.RawMessage `json:"jwk"`
	EphemeralJWK    json.RawMessage `json:"ephemeralJWK"`
	EphemeralSecret string          `json:"ephemeralSecret"`
	EphemeralPublic string          `json:"ephemeralPublic"`
	EPK             json.RawMessage `json:"epk"`
	APU             string          `json:"apu"`
	APV             string          `json:"apv"`
	Z               string          `json:"z"`
	DerivedKey      string          `json:"derivedKey"`
}

func loadVectors(t testing.TB) []vectorFile {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	var out []vectorFile
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
		for _, a := range vf.Agreements {
			if a.Source == "" {
				t.Fatalf("%s: agreement %s does not name its source", f, a.Name)
			}
		}
		out = append(out, vf)
	}
	return out
}

// vectorKey returns the decryption key of v, bound to v.Alg.
func vectorKey(t testing.TB, v vector) jwk.Key {
	t.Helper()
	if v.Password != "" {
		k, err := jwk.NewSecretKey([]byte(v.Password), v.Alg)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, err := jwk.ParseKey(v.JWK, v.Alg)
	if err != nil {
		t.Fatalf("%s: parsing key: %v", v.Source, err)
	}
	return k
}

// Every published example decrypts byte for byte with its key, and the
// RSA1_5 examples are refused as unsupported.
func TestVectors(t *testing.T) {
	t.Parallel()
	for _, vf := range loadVectors(t) {
		for _, v := range vf.Vectors {
			t.Run(v.Name, func(t *testing.T) {
				t.Parallel()
				if v.Unsupported {
					// Any key will do: the header is refused first.
					k, _ := jwk.Generate(jwk.A128KW)
					set, _ := jwk.NewSet(k)
					d := &jwe.Decrypter{Keys: set}
					_, err := d.Decrypt(v.Compact)
					if !errors.Is(err, jwe.ErrUnsupportedAlgorithm) {
						t.Fatalf("%s: Decrypt: %v, want ErrUnsupportedAlgorithm", v.Source, err)
					}
					if _, err := jwe.UnsafeDecode(v.Compact, 0); err != nil {
						t.Errorf("UnsafeDecode: %v", err)
					}
					return
				}
				key := vectorKey(t, v)
				set, err := jwk.NewSet(key)
				if err != nil {
					t.Fatal(err)
				}
				d := &jwe.Decrypter{Keys: set, KeyAlgorithms: []jwk.Algorithm{v.Alg}, Encryptions: []jwe.Encryption{v.Enc}}
				got, err := d.Decrypt(v.Compact)
				if err != nil {
					t.Fatalf("%s: Decrypt: %v", v.Source, err)
				}
				if !bytes.Equal(got.Plaintext, []byte(v.Plaintext)) {
					t.Errorf("%s: plaintext =\n%q\nwant\n%q", v.Source, got.Plaintext, v.Plaintext)
				}
				if got.Header.Algorithm != v.Alg || got.Header.Encryption != v.Enc {
					t.Errorf("header alg %q enc %q", got.Header.Algorithm, got.Header.Encryption)
				}
				// The same key encrypts a token that decrypts again.
				tok, err := jwe.Encrypt([]byte(v.Plaintext), key, &jwe.EncryptOptions{Encryption: v.Enc, PBES2Count: jwe.MinPBES2Count})
				if err != nil {
					t.Fatal(err)
				}
				if again, err := d.Decrypt(tok); err != nil || !bytes.Equal(again.Plaintext, []byte(v.Plaintext)) {
					t.Errorf("re-encrypted: %v", err)
				}
			})
		}
	}
}

// RFC 8037 Appendix A.6 and RFC 7518 Appendix C: the key agreement gives
// the published shared secret, and for Appendix C the published key; a
// token built on that epk decrypts with the recipient's key.
func TestKeyAgreementVectors(t *testing.T) {
	t.Parallel()
	for _, vf := range loadVectors(t) {
		for _, a := range vf.Agreements {
			t.Run(a.Name, func(t *testing.T) {
				t.Parallel()
				key, err := jwk.ParseKey(a.JWK, a.Alg)
				if err != nil {
					t.Fatalf("%s: %v", a.Source, err)
				}
				priv, err := key.(*jwk.PrivateKey).ECDH()
				if err != nil {
					t.Fatal(err)
				}
				var eph *ecdh.PrivateKey
				if a.EphemeralSecret != "" {
					b, _ := hex.DecodeString(a.EphemeralSecret)
					if eph, err = ecdh.X25519().NewPrivateKey(b); err != nil {
						t.Fatal(err)
					}
					if got := hex.EncodeToString(eph.PublicKey().Bytes()); got != a.EphemeralPublic {
						t.Errorf("%s: ephemeral public key %s, want %s", a.Source, got, a.EphemeralPublic)
					}
				} else {
					ek, err := jwk.ParseKey(a.EphemeralJWK, a.Alg)
					if err != nil {
						t.Fatal(err)
					}
					if eph, err = ek.(*jwk.PrivateKey).ECDH(); err != nil {
						t.Fatal(err)
					}
				}
				epk, err := jwe.ParseEPK(a.EPK, 16, priv.Curve())
				if err != nil {
					t.Fatalf("%s: epk: %v", a.Source, err)
				}
				if !epk.Equal(eph.PublicKey()) {
					t.Errorf("%s: epk is not the ephemeral public key", a.Source)
				}
				z, err := priv.ECDH(epk)
				if err != nil {
					t.Fatal(err)
				}
				if got := hex.EncodeToString(z); got != a.Z {
					t.Errorf("%s: Z = %s, want %s", a.Source, got, a.Z)
				}
				if a.DerivedKey != "" {
					got := jwe.ConcatKDF(z, string(a.Enc), a.APU, a.APV, a.Enc.KeySize())
					if got != a.DerivedKey {
						t.Errorf("%s: derived key %s, want %s", a.Source, got, a.DerivedKey)
					}
				}
			})
		}
	}
}
