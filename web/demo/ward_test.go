package demo_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildWard builds the real ward binary into a temporary directory.
func buildWard(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the ward binary and a browser; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build ward with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "ward")
	out, err := exec.Command(goTool, "build", "-o", bin, "github.com/wardauth/ward/cmd/ward").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lockedBuffer is a bytes.Buffer safe for one writer and many readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWard runs "ward serve args..." with a fresh data directory until
// the test ends, and returns the URL it listens on.
func startWard(t *testing.T, bin string, args ...string) string {
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
	logs := &lockedBuffer{}
	urlc := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			fmt.Fprintln(logs, sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "ward: listening on "); ok {
				urlc <- u
			}
		}
		io.Copy(io.Discard, pipe)
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("ward serve output:\n%s", logs.String())
		}
	})
	select {
	case u := <-urlc:
		return u
	case <-done:
		t.Fatalf("ward serve exited before listening:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("ward serve did not listen within 30s:\n%s", logs.String())
	}
	return ""
}

// apiCall sends a JSON request to the ward server at base, as a client
// that is not the browser (another device of the same user), and decodes
// a JSON answer into out (if not nil). It returns the status.
func apiCall(t *testing.T, method, url, bearer string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "ward-demo-test (another device)")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, url, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode
}
