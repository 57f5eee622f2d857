package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wardauth/ward/internal/josetest"
	"github.com/wardauth/ward/internal/wardtest"
)

// loadAttackTables runs the export of the attack tables of jose/jws and
// jose/jwt (josetest.ExportAttacks) and returns their rows.
func loadAttackTables(t *testing.T) map[string][]josetest.AttackRow {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "test", "-count=1", "-run", "^TestExportAttacks$", "../jose/jws", "../jose/jwt")
	cmd.Env = append(os.Environ(), josetest.ExportEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("exporting the attack tables: %v\n%s", err, out)
	}
	tables := map[string][]josetest.AttackRow{}
	for _, name := range []string{"jws", "jwt"} {
		data, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var rows []josetest.AttackRow
		if err := json.Unmarshal(data, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) < 50 {
			t.Fatalf("the %s table has only %d rows", name, len(rows))
		}
		tables[name] = rows
	}
	return tables
}

// cliVerdict runs "ward verify --json" and returns "valid", the error code
// of an invalid token, or "key_error" when nothing was verified (the key
// or the flags could not be used: no JSON answer). It may run on any
// goroutine: what goes wrong is in the verdict.
func cliVerdict(bin string, args []string) string {
	stdout, _, code, err := runWard(bin, args...)
	if err != nil {
		return "error: " + err.Error()
	}
	var out struct {
		Verified bool   `json:"verified"`
		Code     string `json:"code"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		return "key_error"
	}
	switch {
	case out.Verified && code == 0:
		return "valid"
	case !out.Verified && code == 1:
		return out.Code
	}
	return fmt.Sprintf("error: exit %d with %s", code, stdout)
}

// TestAttackTablesAgree presents every row of the jws and jwt attack
// tables to the debugger page (pasted, with the row's keys as a JWK Set
// and its verifier's algorithm, issuer, audience, type, leeway and clock in
// the form) and to "ward verify" with the same key file and flags: both
// must give the same verdict, and, for every row whose verifier the page
// can express, the table's verdict. No request carries a token or a key.
func TestAttackTablesAgree(t *testing.T) {
	tables := loadAttackTables(t)
	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")
	dir := t.TempDir()
	type job struct {
		table string
		row   josetest.AttackRow
		form  verifyForm
		args  []string
		cli   string
	}
	var jobs []*job
	for _, name := range []string{"jws", "jwt"} {
		for i, r := range tables[name] {
			keyFile := writeFile(t, dir, fmt.Sprintf("%s-%d.jwks", name, i), string(r.Keys))
			tokFile := writeFile(t, dir, fmt.Sprintf("%s-%d.tok", name, i), r.Token)
			f := verifyForm{Kind: "key", Key: string(r.Keys)}
			args := []string{"verify", "--json", "--key", keyFile}
			if len(r.Algorithms) == 1 {
				f.Alg = r.Algorithms[0]
				args = append(args, "--alg", f.Alg)
			}
			if r.Issuer != "" {
				f.Iss = r.Issuer
				args = append(args, "--iss", r.Issuer)
			}
			if r.Audience != "" {
				f.Aud = r.Audience
				args = append(args, "--aud", r.Audience)
			}
			if r.Type != "" {
				f.Typ = r.Type
				args = append(args, "--typ", r.Type)
			}
			if r.Leeway != nil {
				f.Leeway = strconv.FormatInt(*r.Leeway, 10) + "s"
				args = append(args, "--leeway", f.Leeway)
			}
			if r.Now != 0 {
				f.At = strconv.FormatInt(r.Now, 10)
				args = append(args, "--at", f.At)
			}
			jobs = append(jobs, &job{table: name, row: r, form: f, args: append(args, tokFile)})
		}
	}
	// ward verify runs beside the page, a few processes at a time.
	bin := wardtest.Build(t)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 3)
	for _, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			j.cli = cliVerdict(bin, j.args)
		})
	}
	type pageResult struct {
		verdict string
		v       verdict
	}
	results := make([]pageResult, len(jobs))
	for i, j := range jobs {
		v := p.verify(j.row.Token, j.form)
		page := v.Verdict
		if page != "valid" && page != "key_error" {
			page = v.Code
		}
		results[i] = pageResult{page, v}
	}
	wg.Wait()
	var secrets []string
	rowsSeen := 0
	for i, j := range jobs {
		r, name, page, v := j.row, j.table, results[i].verdict, results[i].v
		if page != j.cli {
			t.Errorf("%s row %q (%s): page says %s (%s: %s), ward verify says %s", name, r.Name, r.Src, page, v.Title, v.Reason, j.cli)
		}
		// The table's own verdict, where the page can express the
		// row's verifier. A jws row is judged at the signature layer:
		// past it, the JWT verifier of the page and of ward verify
		// checks claims (it requires "exp", and JSON claims), which
		// the jws table's payloads need not have.
		passed := page == "valid"
		if r.Layer == "jws" {
			passed = passed || page == "missing_claim" || strings.Contains(v.Reason, "claims:")
		}
		switch {
		case r.Other:
		case strings.HasSuffix(r.Token, "\n"):
			// A pasted token loses one trailing newline, as one that
			// ward verify reads from a file or standard input does:
			// the page agrees with ward verify (checked above), not
			// with the library, which refuses the newline.
		case passed != r.Valid:
			t.Errorf("%s row %q (%s): page says %s (%s), the table says valid=%v", name, r.Name, r.Src, page, v.Reason, r.Valid)
		}
		if len(r.Token) < 4096 {
			secrets = append(secrets, r.Token)
		}
		secrets = append(secrets, string(r.Keys))
		rowsSeen++
	}
	t.Logf("%d rows: the page and ward verify agree", rowsSeen)
	p.b.CheckRequests(t, srv.URL, secrets...)
}
