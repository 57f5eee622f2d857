package interop

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// DPoP proofs (RFC 9449) both ways with go-jose v4, which has no DPoP API
// of its own: a proof is a JWS with "typ": "dpop+jwt" and the public key
// embedded as "jwk" (go-jose's EmbedJWK), built here as any client on
// go-jose would build one.

const (
	dpopMethod      = "POST"
	dpopURI         = "https://server.example.com/token"
	dpopAccessToken = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
)

// dpopClaims are the claims of a proof, as a go-jose client writes them.
type dpopClaims struct {
	ID       string `json:"jti"`
	Method   string `json:"htm"`
	URI      string `json:"htu"`
	IssuedAt int64  `json:"iat"`
	Hash     string `json:"ath,omitempty"`
	Nonce    string `json:"nonce,omitempty"`
}

// joseDPoPProof makes a DPoP proof with go-jose, signed with priv under
// alg, for the given claims.
func joseDPoPProof(tb testing.TB, alg jwk.Algorithm, priv any, c dpopClaims) string {
	tb.Helper()
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: priv}, opts)
	if err != nil {
		tb.Fatalf("go-jose NewSigner %s: %v", alg, err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		tb.Fatalf("go-jose Sign %s: %v", alg, err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func newDPoPClaims(now time.Time, accessToken, nonce string) dpopClaims {
	var id [16]byte
	rand.Read(id[:])
	c := dpopClaims{ID: base64.RawURLEncoding.EncodeToString(id[:]), Method: dpopMethod, URI: dpopURI, IssuedAt: now.Unix(), Nonce: nonce}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c.Hash = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return c
}

// joseThumbprint is go-jose's RFC 7638 SHA-256 thumbprint of pub.
func joseThumbprint(tb testing.TB, pub any) string {
	tb.Helper()
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

// TestDPoPFromGoJose: proofs built by go-jose, for every asymmetric
// algorithm, verify in Ward's dpop.Verifier, bound to the access token and
// to go-jose's thumbprint of the key; tampered ones, replays and proofs for
// another request do not.
func TestDPoPFromGoJose(t *testing.T) {
	fixtures := allFixtures(t)
	now := time.Now().Truncate(time.Second)
	for _, alg := range dpop.DefaultAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			f := fixtures[alg]
			jkt := joseThumbprint(t, f.pub)
			proof := joseDPoPProof(t, alg, f.priv, newDPoPClaims(now, dpopAccessToken, "n-1"))
			if h := joseHeader(t, proof); !strings.Contains(h, `"jwk":{`) || !strings.Contains(h, `"typ":"dpop+jwt"`) {
				t.Fatalf("go-jose header %s", h)
			}
			v := &dpop.Verifier{Now: func() time.Time { return now }}
			r := &dpop.Request{Method: dpopMethod, URI: dpopURI, AccessToken: dpopAccessToken, JKT: jkt, Nonce: "n-1"}
			p, err := v.Verify(context.Background(), []string{proof}, r)
			if err != nil {
				t.Fatalf("Ward rejects go-jose's %s proof: %v\nheader %s", alg, err, joseHeader(t, proof))
			}
			if p.Thumbprint != jkt || p.Algorithm != alg || p.Method != dpopMethod || p.URI != dpopURI {
				t.Errorf("Verify = %+v", p)
			}
			if _, err := v.Verify(context.Background(), []string{proof}, r); !errors.Is(err, dpop.ErrReplay) {
				t.Errorf("replay: %v, want ErrReplay", err)
			}
			fresh := &dpop.Verifier{Now: func() time.Time { return now }}
			if _, err := fresh.Verify(context.Background(), []string{tamper(proof)}, r); !errors.Is(err, dpop.ErrBadSignature) {
				t.Errorf("tampered: %v, want ErrBadSignature", err)
			}
			other := *r
			other.URI = "https://server.example.com/other"
			if _, err := fresh.Verify(context.Background(), []string{proof}, &other); !errors.Is(err, dpop.ErrURIMismatch) {
				t.Errorf("other URI: %v, want ErrURIMismatch", err)
			}
			other = *r
			other.AccessToken += "x"
			if _, err := fresh.Verify(context.Background(), []string{proof}, &other); !errors.Is(err, dpop.ErrAccessTokenHash) {
				t.Errorf("other token: %v, want ErrAccessTokenHash", err)
			}
		})
	}
	// An HMAC "proof" from go-jose: refused whatever its key.
	hs := fixtures[jwk.HS256]
	opts := (&jose.SignerOptions{}).WithType("dpop+jwt")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: hs.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(newDPoPClaims(now, "", ""))
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := obj.CompactSerialize()
	v := &dpop.Verifier{Now: func() time.Time { return now }}
	if _, err := v.Verify(context.Background(), []string{tok}, &dpop.Request{Method: dpopMethod, URI: dpopURI}); !errors.Is(err, dpop.ErrUnsupportedAlgorithm) {
		t.Errorf("HS256 proof: %v, want ErrUnsupportedAlgorithm", err)
	}
}

// TestDPoPToGoJose: Ward's proofs parse in go-jose, verify with the key
// embedded in their header, and carry the claims RFC 9449 asks for.
func TestDPoPToGoJose(t *testing.T) {
	fixtures := allFixtures(t)
	for _, alg := range dpop.DefaultAlgorithms() {
		f := fixtures[alg]
		proof, err := dpop.NewProof(f.ward.(*jwk.PrivateKey), &dpop.Request{Method: dpopMethod, URI: dpopURI + "?x=1", AccessToken: dpopAccessToken})
		if err != nil {
			t.Fatal(err)
		}
		obj, err := jose.ParseSigned(proof, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
		if err != nil {
			t.Fatalf("go-jose parses Ward's %s proof: %v", alg, err)
		}
		h := obj.Signatures[0].Protected
		if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || h.ExtraHeaders["typ"] != "dpop+jwt" {
			t.Fatalf("%s header: %+v", alg, h)
		}
		payload, err := obj.Verify(h.JSONWebKey)
		if err != nil {
			t.Fatalf("go-jose verifies Ward's %s proof with its jwk: %v", alg, err)
		}
		var c dpopClaims
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatal(err)
		}
		want := newDPoPClaims(time.Unix(c.IssuedAt, 0), dpopAccessToken, "")
		if c.Method != dpopMethod || c.URI != dpopURI || c.Hash != want.Hash || len(c.ID) < 16 {
			t.Errorf("%s claims %+v", alg, c)
		}
		if got := joseThumbprint(t, h.JSONWebKey.Key); got != f.kid {
			t.Errorf("%s: go-jose thumbprint %s, Ward's %s", alg, got, f.kid)
		}
	}
}

func joseHeader(tb testing.TB, tok string) string {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(tok[:strings.IndexByte(tok, '.')])
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
