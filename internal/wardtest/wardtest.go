//go:build !js && !wasip1

// Package wardtest builds the ward command and runs "ward serve" as a real
// process on loopback, for the tests of packages that need a whole server
// (the web pages' browser tests). Tests of cmd/ward run it in-process
// instead.
package wardtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/authtest"
)

// StartTimeout bounds how long [Serve] waits for the server to listen.
const StartTimeout = 30 * time.Second

// Build builds the ward command into t's temporary directory and returns
// the binary's path. It skips t with -short, and when there is no go
// command.
func Build(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the ward binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build ward with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "ward")
	out, err := exec.Command(goTool, "build", "-o", bin, "github.com/wardauth/ward/cmd/ward").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ward: %v\n%s", err, out)
	}
	return bin
}

// Server is a running "ward serve", killed when its test ends.
type Server struct {
	// URL is the base URL it listens on, as it printed it.
	URL string

	output *authtest.Buffer
}

// Output returns what the server wrote to standard error so far.
func (s *Server) Output() string { return s.output.String() }

// Serve runs "ward serve --addr 127.0.0.1:0 --data-dir DIR args..." with
// bin (from [Build]), a fresh data directory in t.TempDir() and none of
// the WARD_* variables of the state, and returns once it listens. Its
// output is logged if t fails.
func Serve(t testing.TB, bin string, args ...string) *Server {
	t.Helper()
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "WARD_KEK=", "WARD_KEK_FILE=", "WARD_DATA_DIR=", "WARD_DB=")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{output: &authtest.Buffer{}}
	urlc := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			fmt.Fprintln(s.output, sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "ward: listening on "); ok {
				select {
				case urlc <- u:
				default:
				}
			}
		}
		io.Copy(io.Discard, pipe)
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("ward serve output:\n%s", s.Output())
		}
	})
	select {
	case s.URL = <-urlc:
		return s
	case <-done:
		t.Fatalf("ward serve exited before listening:\n%s", s.Output())
	case <-time.After(StartTimeout):
		t.Fatalf("ward serve did not listen within %v:\n%s", StartTimeout, s.Output())
	}
	return nil
}
