package jwk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
)

func TestParseSet(t *testing.T) {
	t.Parallel()
	ed := string(readTestdata(t, "rfc8037-A.2-ed25519-public-key.json"))
	ecKey := string(obj("kty", q("EC"), "crv", q("P-256"), "x", q(a1X), "y", q(a1Y), "kid", q("ec")))
	t.Run("RFC 7517 5: unsupported keys are skipped", func(t *testing.T) {
		t.Parallel()
		data := `{"keys":[
			{"kty":"OKP","crv":"X448","x":"mwj3zDG34-Z9ItWuoSEHSic70rg94Jxj-qc9LCLF2bvINmRyQdlT1AxbEtqIEg1TF3-A5TLEH6A"},
			{"kty":"OKP","crv":"Ed448","x":"X9dEm1m0Yf0s54fsYWrUah2hNCSFpw4fig6nXYDpZ3jt8SR2m0bHBhvWeD3x5Q9s0foavq_oJWGA"},
			{"kty":"RSA","alg":"RSA1_5","use":"enc","n":"` + rsaA2(t)["n"] + `","e":"AQAB"},
			{"kty":"EC","crv":"P-192","x":"AA","y":"AA"},
			{"kty":"oct","alg":"none","k":"` + b64(make([]byte, 32)) + `"},
			{"kty":"PQC","pub":"…"},
			` + ed + `,` + ecKey + `],
			"extra":{"ignored":true}}`
		s, err := jwk.ParseSet([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 2 || s.Keys()[0].Algorithm() != jwk.EdDSA || s.Keys()[1].KeyID() != "ec" {
			t.Errorf("got %d keys: %v", s.Len(), s.Keys())
		}
	})
	// Skipping is never silent (RFC 7517, Section 5 lets a set hold keys
	// the reader does not understand; the caller must hear of them).
	t.Run("empty set", func(t *testing.T) {
		t.Parallel()
		s, err := jwk.ParseSet([]byte(`{"keys":[]}`))
		var se *jwk.SetError
		if s != nil || !errors.Is(err, jwk.ErrNoUsableKey) || !errors.As(err, &se) || len(se.Skipped) != 0 {
			t.Errorf("ParseSet: %v, %v", s, err)
		}
	})
	t.Run("nothing usable", func(t *testing.T) {
		t.Parallel()
		data := `{"keys":[{"kty":"OKP","crv":"Ed448","x":"AA","kid":"a"},{"kty":"EC","crv":"P-256","alg":"ECDH-ES+FOO","x":"` + a1X + `","y":"` + a1Y + `"},{"kty":"OKP","crv":"Ed448","x":"AA"}]}`
		s, err := jwk.ParseSet([]byte(data))
		var se *jwk.SetError
		if s != nil || !errors.Is(err, jwk.ErrNoUsableKey) || !errors.As(err, &se) {
			t.Fatalf("ParseSet: %v, %v", s, err)
		}
		if !errors.Is(err, jwk.ErrUnsupportedKeyType) || !errors.Is(err, jwk.ErrUnsupportedAlgorithm) {
			t.Errorf("the error does not wrap the reasons: %v", err)
		}
		if len(se.Skipped) != 3 || se.Skipped[0].KeyID != "a" || se.Skipped[1].Index != 1 || !errors.Is(se.Skipped[1].Err, jwk.ErrUnsupportedAlgorithm) {
			t.Errorf("skipped: %v", se.Skipped)
		}
		if want := `jwk: JWK Set has no usable key: all 3 skipped: keys[0] (kid "a"): jwk: unsupported key type: OKP curve "Ed448"; `; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %q, want it to start with %q", err, want)
		}
	})
	t.Run("some skipped", func(t *testing.T) {
		t.Parallel()
		data := `{"keys":[{"kty":"OKP","crv":"Ed448","x":"AA","kid":"a"},` + ed + `]}`
		s, err := jwk.ParseSet([]byte(data))
		if err != nil || s.Len() != 1 {
			t.Fatalf("ParseSet: %v, %v", s, err)
		}
		sk := s.Skipped()
		if len(sk) != 1 || sk[0].Index != 0 || sk[0].KeyID != "a" || !errors.Is(sk[0].Err, jwk.ErrUnsupportedKeyType) {
			t.Errorf("skipped: %v", sk)
		}
		if full, err := jwk.ParseSet([]byte(`{"keys":[` + ed + `]}`)); err != nil || full.Skipped() != nil {
			t.Errorf("a set with nothing skipped: %v, %v", full.Skipped(), err)
		}
	})
	errTests := []struct {
		name string
		data string
		want error
	}{
		{"RFC 7517 5: missing keys", `{"Keys":[]}`, jwk.ErrMalformed},
		{"RFC 7517 5.1: keys is an object", `{"keys":{}}`, jwk.ErrMalformed},
		{"RFC 7517 5: not an object", `[` + ed + `]`, jwk.ErrMalformed},
		{"RFC 7517 5: a key is a string", `{"keys":["` + a1X + `"]}`, jwk.ErrMalformed},
		{"RFC 7517 5: a malformed supported key fails the set", `{"keys":[` + ed + `,{"kty":"EC","crv":"P-256","x":"` + a1X[1:] + `","y":"` + a1Y + `"}]}`, jwk.ErrMalformed},
		{"RFC 7517 5: a weak key fails the set", `{"keys":[{"kty":"oct","alg":"HS256","k":"AAAA"}]}`, jwk.ErrWeakKey},
		{"RFC 7517 5: a key without kty fails the set", `{"keys":[{"crv":"Ed25519","x":"` + edX + `"}]}`, jwk.ErrMalformed},
		{"RFC 7517 5: duplicate keys member", `{"keys":[],"keys":[]}`, strictjson.ErrDuplicate},
		{"RFC 7517 5: duplicate member in a skipped key", `{"keys":[{"kty":"OKP","crv":"X25519","crv":"X25519"}]}`, strictjson.ErrDuplicate},
		{"RFC 7517 5: bad type of a shared member in a skipped key", `{"keys":[{"kty":"OKP","crv":"X25519","kid":7}]}`, jwk.ErrMalformed},
		{"RFC 8259: trailing comma", `{"keys":[` + ed + `,]}`, strictjson.ErrSyntax},
		{"DESIGN 2: same RSA key under RS256 and PS256",
			`{"keys":[{"kty":"RSA","n":"` + rsaA2(t)["n"] + `","e":"AQAB","alg":"RS256"},{"kty":"RSA","n":"` + rsaA2(t)["n"] + `","e":"AQAB","alg":"PS256"}]}`,
			jwk.ErrAlgorithmConflict},
		{"DESIGN 2: same secret under HS256 and HS384",
			`{"keys":[{"kty":"oct","k":"` + b64(make([]byte, 64)) + `","alg":"HS256"},{"kty":"oct","k":"` + b64(make([]byte, 64)) + `","alg":"HS384"}]}`,
			jwk.ErrAlgorithmConflict},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := jwk.ParseSet([]byte(tt.data))
			t.Log(err)
			if !errors.Is(err, tt.want) || s != nil {
				t.Errorf("ParseSet = %v, %v; want nil, %v", s, err, tt.want)
			}
		})
	}
	t.Run("MaxSetKeys", func(t *testing.T) {
		t.Parallel()
		keys := strings.Repeat(`{"kty":"OKP","crv":"Ed448","x":"AA"},`, jwk.MaxSetKeys)
		s, err := jwk.ParseSet([]byte(`{"keys":[` + keys[len(`{"kty":"OKP","crv":"Ed448","x":"AA"},`):] + ed + `]}`))
		if err != nil || s.Len() != 1 || len(s.Skipped()) != jwk.MaxSetKeys-1 {
			t.Errorf("MaxSetKeys keys: %v", err)
		}
		if _, err := jwk.ParseSet([]byte(`{"keys":[` + keys + ed + `]}`)); !errors.Is(err, jwk.ErrMalformed) || !strings.Contains(err.Error(), "MaxSetKeys") {
			t.Errorf("MaxSetKeys+1 keys: %v", err)
		}
	})
	t.Run("MaxSetSize", func(t *testing.T) {
		t.Parallel()
		data := []byte(`{"keys":[` + ed + `]}` + strings.Repeat("\n", jwk.MaxSetSize))
		if _, err := jwk.ParseSet(data); !errors.Is(err, jwk.ErrMalformed) || !strings.Contains(err.Error(), "MaxSetSize") {
			t.Errorf("oversized set: %v", err)
		}
	})
	t.Run("MaxKeySize within a set", func(t *testing.T) {
		t.Parallel()
		big := `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","pad":"` + strings.Repeat("a", jwk.MaxKeySize) + `"}`
		if _, err := jwk.ParseSet([]byte(`{"keys":[` + big + `]}`)); !errors.Is(err, jwk.ErrMalformed) || !strings.Contains(err.Error(), "MaxKeySize") {
			t.Errorf("oversized key in a set: %v", err)
		}
	})
}
