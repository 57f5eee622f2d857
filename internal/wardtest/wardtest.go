//go:build !js && !wasip1

// Package wardtest builds the commands of this module and runs them as
// real processes on loopback, for the tests that need a whole server:
// "ward serve" for the web pages' browser tests and the process tests of
// cmd/ward (durability, graceful shutdown, clusters), and the resource
// servers of the end-to-end tests. Tests that need no process run ward
// serve in-process instead.
//
// A command is built once per test binary ([Build], [BuildCommand]); a
// process ([Start], [Serve]) is running once it has printed the URL it
// listens on, its standard error is kept ([Server.Output]), and it is
// stopped when its test ends: SIGTERM, then SIGKILL after [StopTimeout].
//
// Without a go command to build with, the test is skipped, or fails when
// WARD_REQUIRE_SERVICES=1 (as in CI); with -short it is skipped.
package wardtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/authtest"
)

const (
	// WardPackage is the import path of the ward command.
	WardPackage = "github.com/wardauth/ward/cmd/ward"
	// ListeningPrefix starts the line on which ward serve prints its URL.
	ListeningPrefix = "ward: listening on "
	// StartTimeout bounds how long [Start] waits for the URL.
	StartTimeout = 60 * time.Second
	// StopTimeout is how long a process has, after SIGTERM at the end of
	// its test, before it is killed.
	StopTimeout = 10 * time.Second
)

// Build returns the path of the ward command, built once per test binary.
func Build(tb testing.TB) string {
	tb.Helper()
	return BuildCommand(tb, WardPackage)
}

// builds holds the commands built by this test binary, by package.
var builds struct {
	mu  sync.Mutex
	dir string // removed by the next test binary once this one has exited
	bin map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// BuildCommand returns the path of the main package pkg (an import path in
// this module), built once per test binary into a temporary directory.
// Directories left by test binaries that have exited are removed.
func BuildCommand(tb testing.TB, pkg string) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds and runs a command; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("WARD_REQUIRE_SERVICES") == "1" {
			tb.Fatalf("no go command to build %s with, and WARD_REQUIRE_SERVICES=1: %v", pkg, err)
		}
		tb.Skipf("skipping: no go command to build %s with: %v", pkg, err)
	}
	builds.mu.Lock()
	if builds.bin == nil {
		builds.bin = map[string]*build{}
	}
	b := builds.bin[pkg]
	if b == nil {
		b = new(build)
		builds.bin[pkg] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() {
		var dir string
		if dir, b.err = buildDir(); b.err != nil {
			return
		}
		// dir/<pkg with _ for />/<its last element>: the messages name
		// the command as users know it.
		sub := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_"))
		if b.err = os.Mkdir(sub, 0o700); b.err != nil {
			return
		}
		b.path = filepath.Join(sub, path.Base(pkg))
		b.out, b.err = exec.Command(goTool, "build", "-o", b.path, pkg).CombinedOutput()
	})
	if b.err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, b.err, b.out)
	}
	return b.path
}

// buildDir returns this test binary's directory for commands, named after
// its process ID, creating it, and removing those of the processes that
// have exited: a test binary has no hook to remove its own at exit.
func buildDir() (string, error) {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		return builds.dir, nil
	}
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "wardtest-bin-*"))
	for _, d := range old {
		pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(d), "wardtest-bin-"), "-", 2)[0])
		if err == nil && !alive(pid) {
			os.RemoveAll(d)
		}
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("wardtest-bin-%d-", os.Getpid()))
	if err != nil {
		return "", err
	}
	builds.dir = dir
	return dir, nil
}

// alive reports whether the process pid exists.
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	defer p.Release()
	err = p.Signal(syscall.Signal(0))
	return err == nil || err == syscall.EPERM
}

// Command returns the command that runs bin with args, in an environment
// without the WARD_* variables of the one the tests run in (which would
// configure it), but with WARD_REQUIRE_SERVICES and WARD_TEST_*. Add to
// its Env what the test sets.
func Command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "WARD_") && !strings.HasPrefix(kv, "WARD_TEST_") && !strings.HasPrefix(kv, "WARD_REQUIRE_SERVICES=") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	return cmd
}

// Server is a running process started by [Start] or [Serve].
type Server struct {
	// URL is the base URL it listens on, as it printed it.
	URL string
	// Cmd is the process: signal it through Cmd.Process.
	Cmd *exec.Cmd

	output *authtest.Buffer
	done   chan struct{}
	err    error // of Wait, once done is closed
}

// Output returns what the process wrote to standard error so far.
func (s *Server) Output() string { return s.output.String() }

// Done is closed once the process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Wait waits for the process to exit, at most timeout (after which it
// fails tb), and returns its exit code (-1 if a signal ended it).
func (s *Server) Wait(tb testing.TB, timeout time.Duration) int {
	tb.Helper()
	select {
	case <-s.done:
	case <-time.After(timeout):
		tb.Fatalf("%s did not exit within %v\n%s", s.name(), timeout, s.Output())
	}
	return s.Cmd.ProcessState.ExitCode()
}

// stop ends the process: SIGTERM, then SIGKILL after StopTimeout.
func (s *Server) stop() {
	if s.Cmd.Process.Signal(syscall.SIGTERM) == nil {
		select {
		case <-s.done:
			return
		case <-time.After(StopTimeout):
		}
	}
	s.Cmd.Process.Kill()
	<-s.done
}

// name is the command's file name and its first argument.
func (s *Server) name() string {
	name := filepath.Base(s.Cmd.Path)
	if len(s.Cmd.Args) > 1 {
		name += " " + s.Cmd.Args[1]
	}
	return name
}

// Start starts cmd and returns once it has printed, on standard error, a
// line that starts with prefix followed by the URL it listens on. The
// process is stopped when tb ends, and its output logged if tb failed.
func Start(tb testing.TB, cmd *exec.Cmd, prefix string) *Server {
	tb.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &Server{Cmd: cmd, output: &authtest.Buffer{}, done: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.output, line)
			if u, ok := strings.CutPrefix(line, prefix); ok {
				select {
				case urlc <- strings.TrimSpace(u):
				default:
				}
			}
		}
		io.Copy(io.Discard, pipe)
		s.err = cmd.Wait()
		close(s.done)
	}()
	tb.Cleanup(func() {
		s.stop()
		if tb.Failed() {
			tb.Logf("%s output:\n%s", s.name(), s.Output())
		}
	})
	select {
	case s.URL = <-urlc:
		return s
	case <-s.done:
		tb.Fatalf("%s exited before listening: %v\n%s", s.name(), s.err, s.Output())
	case <-time.After(StartTimeout):
		tb.Fatalf("%s did not listen within %v\n%s", s.name(), StartTimeout, s.Output())
	}
	return nil
}

// Serve runs "ward serve --addr 127.0.0.1:0 --data-dir DIR args..." with
// bin (from [Build]) and a fresh data directory in tb.TempDir(), through
// [Command] and [Start]. args may set --addr and --data-dir again: the
// last value of a flag wins.
func Serve(tb testing.TB, bin string, args ...string) *Server {
	tb.Helper()
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", tb.TempDir()}, args...)
	return Start(tb, Command(bin, args...), ListeningPrefix)
}
