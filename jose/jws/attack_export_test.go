package jws_test

import (
	"testing"

	"github.com/wardauth/ward/internal/josetest"
)

// TestExportAttacks hands the rows of [attacks] to the browser tests of
// package web (see josetest.ExportAttacks), which check that the token
// debugger and "ward verify" agree on each. Without WARD_EXPORT_ATTACKS it
// checks only that every row exports.
func TestExportAttacks(t *testing.T) {
	var rows []josetest.AttackRow
	for _, a := range attacks(t) {
		r := josetest.NewAttackRow(t, a.name, a.src, a.token, a.keys, a.want == nil)
		r.Layer = "jws"
		if o := a.opts; o != nil {
			for _, alg := range o.Algorithms {
				r.Algorithms = append(r.Algorithms, string(alg))
			}
			r.Other = len(o.Critical) > 0 || o.MaxSize != 0 || o.MaxDepth != 0
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	josetest.ExportAttacks(t, "jws", rows)
}
