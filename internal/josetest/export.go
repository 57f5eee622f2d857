package josetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
)

// ExportEnv names the directory into which [ExportAttacks] writes the
// attack tables of jose/jws and jose/jwt, for the browser tests of package
// web: they present every row to the token debugger and to "ward verify"
// and check that both give the same verdict.
const ExportEnv = "WARD_EXPORT_ATTACKS"

// AttackRow is one row of an attack table, in the form a page and a
// command line can be given: the token, the verifier's keys as a JWK Set,
// and the verifier's settings.
type AttackRow struct {
	Name  string `json:"name"`
	Src   string `json:"src"`
	Token string `json:"token"`
	// Keys is the verifier's key set, secrets included.
	Keys json.RawMessage `json:"keys"`
	// Algorithms is the verifier's allow-list (empty: the keys' own).
	Algorithms []string `json:"algorithms,omitempty"`
	Issuer     string   `json:"iss,omitempty"`
	Audience   string   `json:"aud,omitempty"`
	Type       string   `json:"typ,omitempty"`
	// Leeway is the verifier's leeway in seconds: nil for the default,
	// 0 for none.
	Leeway *int64 `json:"leeway,omitempty"`
	// Now is the verifier's clock in Unix seconds (0: the real clock).
	Now int64 `json:"now,omitempty"`
	// Other says the row's verifier has settings a page or a command line
	// cannot express (critical extensions, size or depth limits, required
	// claims, waived checks), so that its verdict there may differ from the
	// table's Valid; the page and the command line must still agree.
	Other bool `json:"other,omitempty"`
	// Valid is the table's verdict: true if the token must verify.
	Valid bool `json:"valid"`
	// Layer is "jws" for a row of the jose/jws table, whose verdict is
	// that of the signature layer alone (a JWT verifier then also checks
	// the claims, such as the "exp" it requires), or "jwt".
	Layer string `json:"layer"`
}

// NewAttackRow fills the key set (nil: an empty set) and the verdict of a
// row.
func NewAttackRow(t testing.TB, name, src, token string, keys *jwk.Set, valid bool) AttackRow {
	t.Helper()
	if keys == nil {
		return AttackRow{Name: name, Src: src, Token: token, Keys: json.RawMessage(`{"keys":[]}`), Valid: valid}
	}
	data, err := jwk.MarshalPrivateSet(keys)
	if err != nil {
		t.Fatalf("row %q: marshalling its keys: %v", name, err)
	}
	return AttackRow{Name: name, Src: src, Token: token, Keys: data, Valid: valid}
}

// LeewayOf returns the leeway of a row, as [AttackRow.Leeway] says it,
// from a verifier's Leeway field (0: default; negative: none).
func LeewayOf(d time.Duration) *int64 {
	if d == 0 {
		return nil
	}
	s := int64(max(d, 0) / time.Second)
	return &s
}

// ExportAttacks writes rows as JSON to $WARD_EXPORT_ATTACKS/name.json when
// that variable is set; in any case it checks that every row encodes and
// that the names are unique.
func ExportAttacks(t *testing.T, name string, rows []AttackRow) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.Name] {
			t.Fatalf("duplicate row %q", r.Name)
		}
		seen[r.Name] = true
		if r.Token == "" && r.Name == "" {
			t.Fatal("an empty row")
		}
	}
	data, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv(ExportEnv)
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}
