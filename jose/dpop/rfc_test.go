package dpop_test

import (
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// TestRFC9449Vectors verifies the example proofs of RFC 9449 with the
// clock set to their "iat", for their method and URI, and checks the
// thumbprint of their key against the "jkt" of Section 6.1.
func TestRFC9449Vectors(t *testing.T) {
	vs := loadVectors(t)
	key, err := jwk.ParseKey(vs.JWK, "")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := jwk.Thumbprint(key, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64url.EncodeToString(sum); got != vs.JKT {
		t.Fatalf("thumbprint %s, RFC 9449 Section 6.1 says %s", got, vs.JKT)
	}
	for _, p := range vs.Proofs {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			seg := strings.Split(p.Proof, ".")
			if p.Header != "" && string(mustB64(t, seg[0])) != p.Header {
				t.Errorf("header %s, want %s", mustB64(t, seg[0]), p.Header)
			}
			if string(mustB64(t, seg[1])) != p.Claims {
				t.Errorf("claims %s, want %s", mustB64(t, seg[1]), p.Claims)
			}
			iat := time.Unix(p.IssuedAt, 0)
			v := &dpop.Verifier{Now: func() time.Time { return iat }}
			r := &dpop.Request{Method: p.Method, URI: p.URI, AccessToken: p.AccessToken, JKT: vs.JKT}
			got, err := verify(t, v, []string{p.Proof}, r)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.ID != p.ID || got.Method != p.Method || got.URI != p.URI || !got.IssuedAt.Equal(iat) ||
				got.Thumbprint != vs.JKT || got.Algorithm != jwk.ES256 || !got.Key.Equal(key.(*jwk.PublicKey)) {
				t.Errorf("Verify = %+v", got)
			}
			// The same proof, a second time: a replay.
			if _, err := verify(t, v, []string{p.Proof}, r); !isAny(err, dpop.ErrReplay) {
				t.Errorf("second Verify: %v, want ErrReplay", err)
			}
			// Note the method and URI: the proof is bound to them.
			wrong := *r
			wrong.Method = map[string]string{"GET": "POST", "POST": "GET"}[p.Method]
			if _, err := verify(t, nil, []string{p.Proof}, &wrong); !isAny(err, dpop.ErrMethodMismatch) {
				t.Errorf("other method: %v, want ErrMethodMismatch", err)
			}
			// An hour later, the proof has expired.
			late := &dpop.Verifier{Now: func() time.Time { return iat.Add(time.Hour) }}
			if _, err := verify(t, late, []string{p.Proof}, r); !isAny(err, dpop.ErrExpired) {
				t.Errorf("an hour later: %v, want ErrExpired", err)
			}
		})
	}
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64url.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
