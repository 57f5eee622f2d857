package jwe_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// fuzzDecrypters returns one Decrypter per published vector key (fixed
// keys, so every fuzz worker decrypts alike) and the seed tokens: the
// vectors, and tokens made with those keys for every content encryption.
func fuzzDecrypters(f *testing.F) ([]*jwe.Decrypter, []string) {
	var decs []*jwe.Decrypter
	var seeds []string
	for _, vf := range loadVectors(f) {
		for _, v := range vf.Vectors {
			seeds = append(seeds, v.Compact)
			if v.Unsupported {
				continue
			}
			k := vectorKey(f, v)
			set, err := jwk.NewSet(k)
			if err != nil {
				f.Fatal(err)
			}
			// A low PBES2 cap keeps fuzzing fast.
			decs = append(decs, &jwe.Decrypter{Keys: set, MaxPBES2Count: 10_000})
			for _, enc := range jwe.Encryptions() {
				if k.Algorithm() == jwk.Dir && enc.KeySize() != len(k.(*jwk.SecretKey).Secret()) {
					continue
				}
				for _, zip := range []bool{false, true} {
					tok, err := jwe.Encrypt([]byte(`{"sub":"fuzz"}`), k, &jwe.EncryptOptions{Encryption: enc, Compress: zip, PBES2Count: jwe.MinPBES2Count, ContentType: "JWT"})
					if err != nil {
						f.Fatal(err)
					}
					seeds = append(seeds, tok)
				}
			}
		}
	}
	return decs, seeds
}

// FuzzDecrypt checks that decryption never panics, that a failure returns
// no partial result, and that an accepted token is the canonical encoding
// of its parts: every segment re-encodes to itself (no malleable padding or
// alternative spellings).
func FuzzDecrypt(f *testing.F) {
	decs, seeds := fuzzDecrypters(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		orig := strings.Clone(token)
		for _, d := range decs {
			got, err := d.Decrypt(token)
			if err != nil {
				if got != nil {
					t.Fatalf("Decrypt returned %v with error %v", got, err)
				}
				continue
			}
			for _, seg := range strings.Split(token, ".") {
				b, err := base64url.DecodeString(seg)
				if err != nil || base64url.EncodeToString(b) != seg {
					t.Fatalf("accepted a non-canonical segment %q", seg)
				}
			}
			if got.Header.Algorithm != got.Key.Algorithm() {
				t.Fatalf("decrypted a %s token with a %s key", got.Header.Algorithm, got.Key.Algorithm())
			}
			again, err := d.Decrypt(token)
			if err != nil || !bytes.Equal(again.Plaintext, got.Plaintext) {
				t.Fatalf("second decryption differs: %v", err)
			}
		}
		if token != orig {
			t.Fatal("Decrypt modified its input")
		}
	})
}

// FuzzUnsafeDecode checks that parsing a JWE never panics and that what it
// accepts has five canonical segments and a header with "alg" and "enc".
func FuzzUnsafeDecode(f *testing.F) {
	_, seeds := fuzzDecrypters(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		u, err := jwe.UnsafeDecode(token, 0)
		if err != nil {
			if u != nil {
				t.Fatalf("UnsafeDecode returned %v with error %v", u, err)
			}
			return
		}
		segs := strings.Split(token, ".")
		if len(segs) != 5 {
			t.Fatalf("accepted %d segments", len(segs))
		}
		if base64url.EncodeToString(u.RawHeader) != segs[0] {
			t.Fatal("header does not re-encode to its segment")
		}
		if u.Header.Algorithm == "" && !strings.Contains(string(u.RawHeader), `"alg"`) {
			t.Fatal("accepted a header without alg")
		}
	})
}
