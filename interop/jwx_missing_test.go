//go:build !goexperiment.jsonv2

package interop

import "testing"

// TestJWXNeedsJSONv2 says why no jwx test or benchmark ran: jwx v4 needs
// encoding/json/v2, which exists only with GOEXPERIMENT=jsonv2.
func TestJWXNeedsJSONv2(t *testing.T) {
	t.Skip("jwx v4 tests and benchmarks need GOEXPERIMENT=jsonv2 (see README.md)")
}
