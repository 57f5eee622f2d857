//go:build !js && !wasip1

package wardtest_test

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/wardtest"
)

// TestServe: the built binary serves on loopback until the test ends; the
// binary is built once.
func TestServe(t *testing.T) {
	bin := wardtest.Build(t)
	if again := wardtest.Build(t); again != bin {
		t.Errorf("built twice: %s, %s", bin, again)
	}
	s := wardtest.Serve(t, bin, "--log-level", "error")
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL)
	}
	res, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d", res.StatusCode)
	}
	if !strings.Contains(s.Output(), wardtest.ListeningPrefix+s.URL) {
		t.Errorf("output %q", s.Output())
	}
}

// TestServeStops: a server stopped with SIGTERM shuts down gracefully and
// exits 0; flags given to Serve override its defaults.
func TestServeStops(t *testing.T) {
	dir := t.TempDir()
	s := wardtest.Serve(t, wardtest.Build(t), "--data-dir", dir)
	if _, err := os.Stat(dir + "/ward.db"); err != nil {
		t.Errorf("--data-dir %s not used: %v", dir, err)
	}
	if err := s.Cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := s.Wait(t, wardtest.StopTimeout); code != 0 {
		t.Errorf("exit %d\n%s", code, s.Output())
	}
	if !strings.Contains(s.Output(), "stopped") {
		t.Errorf("output %q", s.Output())
	}
}

// TestCommandEnv: the command's environment has no WARD_* configuration
// of the tests' own, but keeps the test settings.
func TestCommandEnv(t *testing.T) {
	t.Setenv("WARD_KEK", "x")
	t.Setenv("WARD_TEST_REDIS_URL", "redis://127.0.0.1:1")
	env := wardtest.Command("ward").Env
	if slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "WARD_KEK=") }) ||
		!slices.Contains(env, "WARD_TEST_REDIS_URL=redis://127.0.0.1:1") {
		t.Errorf("env %q", env)
	}
}
