package jwk_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
)

// seedJWKs adds every JWK in testdata to f: the single keys, and each key
// of the sets.
func seedJWKs(f *testing.F, add func([]byte)) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatal("no testdata", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var set struct{ Keys []json.RawMessage }
		if json.Unmarshal(data, &set) == nil && set.Keys != nil {
			for _, k := range set.Keys {
				add(k)
			}
			continue
		}
		add(data)
	}
}

// FuzzParseKey checks that ParseKey never panics, returns no key with an
// error, and that a parsed key marshals to a JWK that parses to the same
// key and marshals to the same bytes again.
func FuzzParseKey(f *testing.F) {
	seedJWKs(f, func(b []byte) {
		f.Add(b, "")
		f.Add(b, "RS256")
	})
	f.Add([]byte(`{"kty":"oct","k":"`+strings.Repeat("A", 43)+`"}`), "HS256")
	f.Fuzz(func(t *testing.T, data []byte, alg string) {
		k, err := jwk.ParseKey(data, jwk.Algorithm(alg))
		if err != nil {
			if k != nil {
				t.Fatalf("ParseKey returned %T with error %v", k, err)
			}
			return
		}
		out, err := marshalKey(k)
		if err != nil {
			t.Fatalf("marshaling a parsed key: %v", err)
		}
		k2, err := jwk.ParseKey(out, "")
		if err != nil {
			t.Fatalf("parsing %s: %v", out, err)
		}
		if err := keysEqual(k, k2); err != nil {
			t.Fatalf("round trip of %q: %v", data, err)
		}
		out2, err := marshalKey(k2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal is not stable:\n%s\n%s", out, out2)
		}
	})
}

// FuzzParseSet checks that ParseSet never panics, that a parsed set
// round-trips through MarshalPrivateSet, and that Set.MarshalJSON holds
// only public members.
func FuzzParseSet(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "rfc7517-A.*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	seedJWKs(f, func(b []byte) {
		f.Add([]byte(`{"keys":[` + string(b) + `]}`))
	})
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"X25519","x":"AA"},{"kty":"oct","k":"` + strings.Repeat("A", 86) + `"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := jwk.ParseSet(data)
		if err != nil {
			if s != nil {
				t.Fatalf("ParseSet returned a set with error %v", err)
			}
			return
		}
		priv, err := jwk.MarshalPrivateSet(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := jwk.ParseSet(priv)
		if err != nil {
			t.Fatalf("parsing %s: %v", priv, err)
		}
		if s.Len() != s2.Len() {
			t.Fatalf("%d keys, then %d", s.Len(), s2.Len())
		}
		for i := range s.Keys() {
			if err := keysEqual(s.Keys()[i], s2.Keys()[i]); err != nil {
				t.Fatalf("key %d: %v", i, err)
			}
		}
		pub, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var set struct{ Keys []map[string]json.RawMessage }
		if err := json.Unmarshal(pub, &set); err != nil {
			t.Fatal(err)
		}
		for _, k := range set.Keys {
			for name := range k {
				if !publicMembers[name] {
					t.Fatalf("public set has member %q: %s", name, pub)
				}
			}
		}
	})
}
