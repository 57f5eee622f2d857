//go:build !js && !wasip1

package wardtest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/wardtest"
)

// TestServe: the built binary serves on loopback until the test ends.
func TestServe(t *testing.T) {
	s := wardtest.Serve(t, wardtest.Build(t), "--log-level", "error")
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
	if !strings.Contains(s.Output(), "ward: listening on "+s.URL) {
		t.Errorf("output %q", s.Output())
	}
}
