package main

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestMain lets the scripts run "ward" as this test binary, which then
// calls main.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"ward": main})
}

// TestScripts runs testdata/*.txtar.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"serve":       cmdServe,
			"perm":        cmdPerm,
			"appendbytes": cmdAppendBytes,
			"envfile":     cmdEnvFile,
			"jsonfield":   cmdJSONField,
			"jsonvalid":   cmdJSONValid,
			"cursor":      cmdCursor,
		},
	})
}

// cmdServe serves a file over http on 127.0.0.1 until the script ends, and
// sets an environment variable to its URL:
//
//	serve [-status N] [-big] [-redirect URL] FILE VAR
//
// -status answers with status N; -big appends spaces to the file so that
// the body exceeds 1 MiB; -redirect answers every request with a redirect
// to URL (FILE is then ignored). VAR_LOCALHOST is set to the same URL with
// the host name "localhost".
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! serve")
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	status := fs.Int("status", http.StatusOK, "")
	big := fs.Bool("big", false, "")
	redirect := fs.String("redirect", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		ts.Fatalf("usage: serve [-status N] [-big] [-redirect URL] FILE VAR")
	}
	body := []byte(ts.ReadFile(fs.Arg(0)))
	if *big {
		body = append(body, strings.Repeat(" ", 1<<20)...)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *redirect != "" {
			http.Redirect(w, r, *redirect, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(*status)
		w.Write(body)
	}))
	ts.Defer(srv.Close)
	ts.Setenv(fs.Arg(1), srv.URL+"/jwks.json")
	ts.Setenv(fs.Arg(1)+"_LOCALHOST", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)+"/jwks.json")
}

// cmdPerm checks the permission bits of a file: perm FILE MODE (octal).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	got := fi.Mode().Perm()
	if (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %#o; want %s%#o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdAppendBytes appends bytes written with Go escapes ("\r\n") to a file:
// appendbytes FILE TEXT.
func cmdAppendBytes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: appendbytes FILE TEXT")
	}
	s, err := strconv.Unquote(`"` + args[1] + `"`)
	ts.Check(err)
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	ts.Check(err)
	_, err = f.WriteString(s)
	ts.Check(err)
	ts.Check(f.Close())
}

// cmdEnvFile sets an environment variable to the content of a file without
// its trailing newline: envfile VAR FILE.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSuffix(ts.ReadFile(args[1]), "\n"))
}

// cmdJSONField sets an environment variable to a top-level string member of
// the JSON object in a file: jsonfield FILE NAME VAR.
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: jsonfield FILE NAME VAR")
	}
	var m map[string]any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &m))
	s, ok := m[args[1]].(string)
	if !ok {
		ts.Fatalf("%s has no string member %q", args[0], args[1])
	}
	ts.Setenv(args[2], s)
}

// cmdJSONValid checks that a file (or stdout) is exactly one JSON value:
// jsonvalid FILE.
func cmdJSONValid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: jsonvalid FILE")
	}
	var v any
	err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v)
	if (err == nil) == neg {
		ts.Fatalf("%s: valid JSON = %v, want %v (%v)", args[0], err == nil, !neg, err)
	}
}

// cmdCursor sets an environment variable to the cursor of the hint
// "more …: add --cursor CURSOR" in a file (or stderr): cursor FILE VAR.
func cmdCursor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cursor FILE VAR")
	}
	m := regexp.MustCompile(`add --cursor (\S+)`).FindStringSubmatch(ts.ReadFile(args[0]))
	if m == nil {
		ts.Fatalf("%s has no cursor hint", args[0])
	}
	ts.Setenv(args[1], m[1])
}

// TestUsageExamples checks that every worked example in a usage text is run
// by testdata/examples.txtar, as a line of the script named after its
// command ("ward.sh" for the top-level usage).
func TestUsageExamples(t *testing.T) {
	t.Parallel()
	ar, err := txtar.ParseFile("testdata/examples.txtar")
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string][]string{}
	for _, f := range ar.Files {
		scripts[f.Name] = strings.Split(string(f.Data), "\n")
	}
	// Examples that need the network; verify.txtar covers --jwks-url on a
	// loopback server instead.
	needsNetwork := map[string]bool{
		"ward verify --jwks-url https://auth.example/.well-known/jwks.json --iss https://auth.example --aud api - < token.txt": true,
	}
	// ward serve runs until stopped: serve_test.go and process_test.go
	// run it instead.
	for _, ex := range []string{
		"ward serve",
		"ward serve --addr 127.0.0.1:0 --data-dir ./ward-data --access-ttl 5m",
		"WARD_KEK_FILE=/etc/ward/kek ward serve --addr :443 --issuer https://auth.example.com --tls-cert cert.pem --tls-key key.pem",
		// ward forward-auth likewise: forwardauth_test.go and the
		// end-to-end tests run it.
		"ward forward-auth --issuer http://127.0.0.1:8080 --audience http://127.0.0.1:8080 --client-secret-file feed.env",
		"ward forward-auth --issuer https://auth.example.com --audience api --addr 127.0.0.1:0 --health-addr 127.0.0.1:9192 --max-staleness 30s --refuse-when-stale --client-secret-file /etc/ward/feed.env",
	} {
		needsNetwork[ex] = true
	}
	usages := map[string]string{"ward": usage}
	for _, cmd := range []string{"keygen", "sign", "verify", "encrypt", "decrypt", "decode", "thumbprint", "help", "version", "serve", "user", "audit", "keys", "client", "forward-auth"} {
		usages[cmd] = commandUsage(cmd)
	}
	for cmd, text := range usages {
		_, examples, ok := strings.Cut(text, "\nExamples:\n")
		if !ok {
			t.Errorf("the usage of %s has no examples", cmd)
			continue
		}
		n := 0
		for line := range strings.Lines(examples) {
			ex, ok := strings.CutPrefix(strings.TrimSpace(line), "$ ")
			if !ok {
				t.Errorf("the usage of %s: example line %q does not start with \"$ \"", cmd, line)
				continue
			}
			n++
			if needsNetwork[ex] {
				continue
			}
			if !slices.Contains(scripts[cmd+".sh"], ex) {
				t.Errorf("the usage of %s: example %q is not run by %s.sh in testdata/examples.txtar", cmd, ex, cmd)
			}
		}
		if n == 0 {
			t.Errorf("the usage of %s has no examples", cmd)
		}
	}
}
