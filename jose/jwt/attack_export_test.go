package jwt_test

import (
	"testing"

	"github.com/wardauth/ward/internal/josetest"
	"github.com/wardauth/ward/jose/jwk"
)

// TestExportAttacks hands the rows of [attacks], each with the settings of
// its verifier, to the browser tests of package web (see
// josetest.ExportAttacks), which check that the token debugger and "ward
// verify" agree on each. Without WARD_EXPORT_ATTACKS it checks only that
// every row exports.
func TestExportAttacks(t *testing.T) {
	hsSet := setOf(t, testKey(t, jwk.HS256))
	var rows []josetest.AttackRow
	for _, a := range attacks(t) {
		keys := a.keys
		if keys == nil {
			keys = hsSet
		}
		v := newVerifier(keys, a.config)
		r := josetest.NewAttackRow(t, a.name, a.src, a.token, keys, a.want == nil)
		r.Layer = "jwt"
		for _, alg := range v.Algorithms {
			r.Algorithms = append(r.Algorithms, string(alg))
		}
		r.Issuer, r.Audience, r.Type = v.Issuer, v.Audience, v.Type
		r.Leeway = josetest.LeewayOf(v.Leeway)
		if v.Now != nil {
			r.Now = v.Now().Unix()
		}
		r.Other = len(v.Critical) > 0 || v.MaxSize != 0 || v.MaxDepth != 0 || len(v.RequiredClaims) > 0 ||
			v.InsecureAllowMissingExpiry || v.InsecureSkipIssuerCheck || v.InsecureSkipAudienceCheck ||
			v.Revoked != nil || v.Now().Nanosecond() != 0
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	josetest.ExportAttacks(t, "jwt", rows)
}
