package httpauth

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports: a resource server that imports httpauth pulls in nothing
// of the auth service (argon2, SQLite, the service), only the standard
// library, golang.org/x, the JOSE layer, Ward's internal packages and the
// leaf package auth/revocation (the contract of issue 8).
func TestImports(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command(gocmd, "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const ward = "github.com/wardauth/ward/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, std, _ := strings.Cut(line, " ")
		ok := std == "true" || strings.HasPrefix(path, "golang.org/x/") ||
			strings.HasPrefix(path, ward+"jose/") || strings.HasPrefix(path, ward+"internal/") ||
			path == ward+"httpauth" || path == ward+"auth/revocation"
		if !ok {
			t.Errorf("httpauth depends on %s", path)
		}
	}
}
