package revocation_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports: the replica is a leaf that resource servers import
// without the auth service: besides the standard library it depends only
// on jose/jwt and Ward's internal packages (DESIGN §1).
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
			continue // the standard library
		}
		ok := strings.HasPrefix(p, "github.com/wardauth/ward/jose/") || strings.HasPrefix(p, "github.com/wardauth/ward/internal/") ||
			strings.HasPrefix(p, "golang.org/x/") || p == "github.com/wardauth/ward/auth/revocation"
		if !ok {
			t.Errorf("auth/revocation depends on %s", p)
		}
	}
}
