package jws_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// Wycheproof's tokens whose key is marked for encryption by "use" or
// "key_ops" (RFC 7517, Sections 4.2 and 4.3) fail with ErrKeyNotPermitted,
// and verify once the member is removed: nothing else is wrong with them.
func TestWycheproofKeyUse(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "wycheproof-key-use.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Source string
		Tests  []struct {
			TcID    int
			Comment string
			Public  map[string]any
			JWS     string
			Result  string
		}
	}
	if err := json.Unmarshal(data, &file); err != nil || file.Source == "" || len(file.Tests) != 4 {
		t.Fatalf("vectors: %v (%d tests)", err, len(file.Tests))
	}
	for _, tc := range file.Tests {
		t.Run(tc.Comment, func(t *testing.T) {
			u, err := jws.UnsafeDecode(tc.JWS, 0)
			if err != nil {
				t.Fatal(err)
			}
			alg := u.Header.Algorithm
			keys := func(m map[string]any) *jwk.Set {
				t.Helper()
				b, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				k, err := jwk.ParseKey(b, alg)
				if err != nil {
					t.Fatal(err)
				}
				return mustSet(t, k)
			}
			_, err = jws.Verify(tc.JWS, keys(tc.Public), nil)
			if tc.Result != "invalid" || !errors.Is(err, jws.ErrKeyNotPermitted) || !errors.Is(err, jwk.ErrOperationNotPermitted) {
				t.Fatalf("tcId %d: got %v, want ErrKeyNotPermitted", tc.TcID, err)
			}
			if errors.Is(err, jws.ErrNoKey) || !strings.Contains(err.Error(), `"kid-`) {
				t.Errorf("tcId %d: the error should name the kid and not be ErrNoKey: %v", tc.TcID, err)
			}
			delete(tc.Public, "use")
			delete(tc.Public, "key_ops")
			if _, err := jws.Verify(tc.JWS, keys(tc.Public), nil); err != nil {
				t.Errorf("tcId %d without use and key_ops: %v", tc.TcID, err)
			}
		})
	}
}

// A key whose "use" or "key_ops" does not permit signing does not sign
// (RFC 7517, Sections 4.2 and 4.3).
func TestSignKeyUse(t *testing.T) {
	t.Parallel()
	es := testKey(t, jwk.ES256)
	data, err := es.(*jwk.PrivateKey).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		extra string
		ok    bool
	}{
		{`"use":"enc"`, false},
		{`"key_ops":["verify"]`, false},
		{`"key_ops":["encrypt","decrypt"]`, false},
		{`"key_ops":[]`, false},
		{`"use":"sig"`, true},
		{`"key_ops":["sign"]`, true},
		{`"use":"sig","key_ops":["sign","verify"]`, true},
	} {
		t.Run(c.extra, func(t *testing.T) {
			b := append(append(append([]byte(nil), data[:len(data)-1]...), ','), c.extra+"}"...)
			k, err := jwk.ParseKey(b, "")
			if err != nil {
				t.Fatal(err)
			}
			_, err = jws.Sign([]byte("payload"), k.(jwk.SigningKey), nil)
			if c.ok && err != nil {
				t.Fatal(err)
			}
			if !c.ok && !errors.Is(err, jws.ErrKeyNotPermitted) {
				t.Fatalf("got %v, want ErrKeyNotPermitted", err)
			}
		})
	}
}
