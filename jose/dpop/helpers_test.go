package dpop_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wardauth/ward/internal/josetest"
	"github.com/wardauth/ward/jose/dpop"
	"github.com/wardauth/ward/jose/jwk"
)

// The shared helpers live in internal/josetest; these names keep the tests
// short.
var (
	isAny     = josetest.IsAny
	testKey   = josetest.Key
	handToken = josetest.HandToken
)

// now is the clock of the tests.
var now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func clock() time.Time { return now }

// asymmetric lists the algorithms a proof may use.
var asymmetric = dpop.DefaultAlgorithms()

const (
	testMethod = "POST"
	testURI    = "https://server.example.com/token"
)

func privateKey(t testing.TB, alg jwk.Algorithm) *jwk.PrivateKey {
	t.Helper()
	return testKey(t, alg).(*jwk.PrivateKey)
}

// publicJWK returns the public JWK of key, as a proof header carries it.
func publicJWK(t testing.TB, key *jwk.PrivateKey) string {
	t.Helper()
	b, err := key.Public().WithKeyID("").MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// proofClaims are the claims of a valid proof for testMethod and testURI
// at now.
func proofClaims() map[string]any {
	return map[string]any{"jti": "a-unique-id-of-128-bits", "htm": testMethod, "htu": testURI, "iat": now.Unix()}
}

// handProof builds a proof from a hand-written header and claims, signed
// with key under alg, so that a test can make exactly one thing wrong.
func handProof(t testing.TB, header string, claims map[string]any, key jwk.SigningKey, alg jwk.Algorithm) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return handToken(t, header, string(payload), key, alg)
}

// header returns a proof header with the given typ and alg and jwk.
func header(typ string, alg jwk.Algorithm, jwkJSON string) string {
	return fmt.Sprintf(`{"typ":%q,"alg":%q,"jwk":%s}`, typ, alg, jwkJSON)
}

// verify checks proof against a fresh Verifier at now with r.
func verify(t testing.TB, v *dpop.Verifier, proofs []string, r *dpop.Request) (*dpop.Proof, error) {
	t.Helper()
	if v == nil {
		v = &dpop.Verifier{Now: clock}
	}
	return v.Verify(context.Background(), proofs, r)
}

type vectors struct {
	Source string          `json:"source"`
	JWK    json.RawMessage `json:"jwk"`
	JKT    string          `json:"jkt"`
	Proofs []struct {
		Name        string `json:"name"`
		Proof       string `json:"proof"`
		Header      string `json:"header"`
		Claims      string `json:"claims"`
		Method      string `json:"method"`
		URI         string `json:"uri"`
		IssuedAt    int64  `json:"iat"`
		ID          string `json:"jti"`
		AccessToken string `json:"access_token"`
	} `json:"proofs"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc9449.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}
