package jose_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allowedImport reports whether the JOSE layer may depend on path: the
// standard library (std), golang.org/x, or Ward's own jose and internal
// packages. DESIGN §1: the JOSE layer is a library of its own, with no
// third-party dependencies.
func allowedImport(path string, std bool) bool {
	return std ||
		strings.HasPrefix(path, "golang.org/x/") ||
		path == "github.com/wardauth/ward/jose" || strings.HasPrefix(path, "github.com/wardauth/ward/jose/") ||
		strings.HasPrefix(path, "github.com/wardauth/ward/internal/")
}

func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(p); err != nil {
		t.Skip("the go command is not available")
	}
	return p
}

// moduleRoot returns the directory of Ward's go.mod.
func moduleRoot(t *testing.T, gocmd string) string {
	t.Helper()
	out, err := exec.Command(gocmd, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == "/dev/null" || gomod == "NUL" {
		t.Fatalf("not in a module (GOMOD=%q)", gomod)
	}
	return filepath.Dir(gomod)
}

func TestImports(t *testing.T) {
	gocmd := goTool(t)
	root := moduleRoot(t, gocmd)
	for _, args := range [][]string{
		{"list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", "./jose/..."},
		// The tests, too, need nothing else.
		{"list", "-deps", "-test", "-f", "{{.ImportPath}} {{.Standard}}", "./jose/..."},
	} {
		cmd := exec.Command(gocmd, args...)
		cmd.Dir = root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		seen := make(map[string]bool)
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			i := strings.LastIndexByte(line, ' ')
			if i < 0 || (line[i+1:] != "true" && line[i+1:] != "false") {
				t.Fatalf("unexpected go list output %q", line)
			}
			path, std := line[:i], line[i+1:]
			// Test variants read "pkg [pkg.test]"; the binary is "pkg.test",
			// and an external test package "pkg_test [pkg.test]".
			path, _, _ = strings.Cut(path, " ")
			path = strings.TrimSuffix(strings.TrimSuffix(path, ".test"), "_test")
			seen[path] = true
			if !allowedImport(path, std == "true") {
				t.Errorf("go %s: the JOSE layer depends on %s", strings.Join(args, " "), path)
			}
		}
		for _, p := range []string{"jose/jwk", "jose/jws", "jose/jwt", "internal/strictjson", "internal/base64url"} {
			if !seen["github.com/wardauth/ward/"+p] {
				t.Errorf("go %s did not list github.com/wardauth/ward/%s", strings.Join(args, " "), p)
			}
		}
	}
}

func TestAllowedImport(t *testing.T) {
	for _, c := range []struct {
		path string
		std  bool
		want bool
	}{
		{"crypto/ecdsa", true, true},
		{"golang.org/x/crypto/hkdf", false, true},
		{"github.com/wardauth/ward/jose/jwt", false, true},
		{"github.com/wardauth/ward/internal/strictjson", false, true},
		{"github.com/wardauth/ward/auth", false, false},
		{"github.com/wardauth/ward/josex", false, false},
		{"github.com/wardauth/ward/internalx", false, false},
		{"github.com/golang-jwt/jwt/v5", false, false},
		{"golang.org/xyz", false, false},
		{"example.com/crypto/ecdsa", false, false},
	} {
		if got := allowedImport(c.path, c.std); got != c.want {
			t.Errorf("allowedImport(%q, %v) = %v, want %v", c.path, c.std, got, c.want)
		}
	}
}
