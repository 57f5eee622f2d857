package jws_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// fuzzSets returns one key set per published or stored vector key, with
// fixed keys so that every fuzz worker process verifies alike, and the seed
// tokens: the vectors, tokens signed with those keys, and the attack table
// (whose keys are random, so its tokens seed the parser only).
func fuzzSeeds(f *testing.F) ([]*jwk.Set, []string) {
	var sets []*jwk.Set
	var seeds []string
	for _, vs := range loadVectors(f) {
		for _, v := range vs {
			key, set := vectorKeys(f, v)
			sets = append(sets, set)
			seeds = append(seeds, v.Token)
			if sk, ok := key.(jwk.SigningKey); ok {
				for _, h := range []*jws.Header{nil, {Type: "JWT"}, {Type: "at+jwt", ContentType: "JWT"}} {
					tok, err := jws.Sign([]byte(`{"sub":"fuzz","n":[1,2.5,{"a":null}]}`), sk, h)
					if err != nil {
						f.Fatal(err)
					}
					seeds = append(seeds, tok)
				}
			}
		}
	}
	p := loadPadding(f)
	for _, v := range p.Signatures {
		key, err := jwk.ParseKey(v.JWK, "")
		if err != nil {
			f.Fatal(err)
		}
		sets = append(sets, mustSet(f, key))
		seeds = append(seeds, v.Token)
	}
	for _, a := range attacks(f) {
		seeds = append(seeds, a.token)
	}
	return sets, seeds
}

// FuzzVerify checks that Verify never panics, and that what it accepts is
// exactly the canonical encoding of what it returns.
func FuzzVerify(f *testing.F) {
	sets, seeds := fuzzSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	opts := []*jws.VerifyOptions{nil, {MaxDepth: 4, Critical: []string{"http://example.invalid/ext", "b64"}}}
	f.Fuzz(func(t *testing.T, token string) {
		orig := strings.Clone(token)
		for _, set := range sets {
			for _, o := range opts {
				v, err := jws.Verify(token, set, o)
				var into jws.Verified
				errInto := jws.VerifyInto(token, set, o, &into)
				if (err == nil) != (errInto == nil) {
					t.Fatalf("Verify: %v, VerifyInto: %v", err, errInto)
				}
				if err != nil {
					if v != nil {
						t.Fatalf("Verify returned a result with %v", err)
					}
					if !isAny(err, jws.ErrMalformed, jws.ErrTooLarge, jws.ErrUnsupportedAlgorithm, jws.ErrAlgorithmMismatch, jws.ErrNoKey, jws.ErrBadSignature, jws.ErrUnsupportedCritical) {
						t.Fatalf("error wraps no sentinel: %v", err)
					}
					continue
				}
				if token != orig {
					t.Fatalf("Verify modified the token")
				}
				checkCanonical(t, token, v.Payload)
				if !bytes.Equal(into.Payload, v.Payload) || into.Header.Algorithm != v.Header.Algorithm || into.Header.KeyID != v.Header.KeyID {
					t.Fatalf("VerifyInto disagrees with Verify")
				}
				if v.Header.Algorithm != v.Key.Algorithm() {
					t.Fatalf("token %s verified with a %s key", v.Header.Algorithm, v.Key.Algorithm())
				}
				u, err := jws.UnsafeDecode(token, 0)
				if err != nil {
					t.Fatalf("Verify accepted what UnsafeDecode refuses: %v", err)
				}
				if !bytes.Equal(u.Payload, v.Payload) || u.Header.Algorithm != v.Header.Algorithm {
					t.Fatalf("UnsafeDecode disagrees with Verify")
				}
			}
		}
	})
}

// checkCanonical checks that token is header.payload.signature, each the
// canonical base64url of its decoding, and that payload is the decoded
// payload.
func checkCanonical(t *testing.T, token string, payload []byte) {
	t.Helper()
	segs := strings.Split(token, ".")
	if len(segs) != 3 {
		t.Fatalf("accepted %d segments", len(segs))
	}
	for i, seg := range segs {
		dec, err := base64url.DecodeString(seg)
		if err != nil {
			t.Fatalf("segment %d: %v", i, err)
		}
		if base64url.EncodeToString(dec) != seg {
			t.Fatalf("segment %d is not canonical: %q", i, seg)
		}
		if i == 1 && !bytes.Equal(dec, payload) {
			t.Fatalf("payload %q, segment decodes to %q", payload, dec)
		}
	}
}

// FuzzUnsafeDecode checks that UnsafeDecode never panics and that its
// result re-encodes to exactly the token.
func FuzzUnsafeDecode(f *testing.F) {
	_, seeds := fuzzSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add(b64(`{"alg":"none"}`) + "." + b64(`{}`) + ".")
	f.Fuzz(func(t *testing.T, token string) {
		u, err := jws.UnsafeDecode(token, 0)
		if err != nil {
			if u != nil {
				t.Fatalf("UnsafeDecode returned a result with %v", err)
			}
			if !isAny(err, jws.ErrMalformed, jws.ErrTooLarge, jws.ErrUnsupportedCritical) {
				t.Fatalf("error wraps no expected sentinel: %v", err)
			}
			return
		}
		re := base64url.EncodeToString(u.RawHeader) + "." + base64url.EncodeToString(u.Payload) + "." + base64url.EncodeToString(u.Signature)
		if re != token {
			t.Fatalf("re-encoded %q, token %q", re, token)
		}
	})
}
