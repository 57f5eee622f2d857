package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// runWard runs the ward command line and returns its exit status, stdout
// and stderr.
func runWard(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestAuditShowsAdminAPI: the actions of the admin API of a running
// ward serve appear in "ward audit" (run on the same data directory) with
// the administrator as actor and their address, and paging with --cursor
// neither repeats nor skips an event while new ones are written.
func TestAuditShowsAdminAPI(t *testing.T) {
	t.Parallel()
	cfg := testServeConfig(t)
	m, _ := mustRunMain(t, cfg)
	dir := "--data-dir=" + cfg.DataDir
	pwFile := filepath.Join(t.TempDir(), "pw.txt")
	if err := os.WriteFile(pwFile, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runWard("user", "add", dir, "--role", "admin", "--password-file", pwFile, "root@example.com"); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errs)
	}
	adm := mustCall(t, "POST", m.URL+"/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": testPassword}, 200).str("access_token")
	root := mustCall(t, "GET", m.URL+"/v1/me", adm, nil, 200).str("id")

	u := mustCall(t, "POST", m.URL+"/v1/admin/users", adm, map[string]any{"email": "ann@example.com", "password": testPassword, "roles": []string{"ops"}}, 201)
	ann := u.str("id")
	mustCall(t, "POST", m.URL+"/v1/admin/users/"+ann+"/roles", adm, map[string]any{"roles": []string{"dev"}}, 200)
	mustCall(t, "POST", m.URL+"/v1/admin/users/"+ann+"/disable", adm, nil, 200)
	mustCall(t, "POST", m.URL+"/v1/admin/users/"+ann+"/enable", adm, nil, 200)
	mustCall(t, "POST", m.URL+"/v1/admin/users/"+ann+"/password", adm, map[string]string{"password": "Quiet-Meadow-Compass-87"}, 204)
	mustCall(t, "DELETE", m.URL+"/v1/admin/users/"+ann+"/sessions", adm, nil, 204)
	mustCall(t, "POST", m.URL+"/v1/admin/keys/rotate", adm, nil, 200)
	mustCall(t, "DELETE", m.URL+"/v1/admin/users/"+ann, adm, nil, 204)

	code, out, errs := runWard("audit", dir, "--actor", "root@example.com", "--json", "--limit", "1000")
	if code != 0 {
		t.Fatalf("ward audit: exit %d: %s", code, errs)
	}
	var types []string
	for line := range strings.Lines(out) {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("ward audit --json: line %q: %v", line, err)
		}
		if ev["actor_id"] != root || ev["ip"] != "127.0.0.1" {
			t.Errorf("event %v: want actor %s at 127.0.0.1", ev, root)
		}
		if ev["type"] != "session_end" {
			types = append(types, ev["type"].(string))
		}
	}
	want := []string{"user_delete", "key_rotate", "revoke", "password_change", "user_enable", "user_disable", "user_roles", "user_add"}
	if !slices.Equal(types, want) {
		t.Errorf("admin events in ward audit: %v, want %v", types, want)
	}
	// The table names the administrator by email; the deleted user by ID.
	code, out, _ = runWard("audit", dir, "--type", "user_delete")
	if code != 0 || !regexp.MustCompile(`(?m)user_delete +success +`+ann+` +root@example\.com +127\.0\.0\.1 `).MatchString(out) {
		t.Errorf("ward audit --type user_delete: exit %d:\n%s", code, out)
	}

	// Paging by --cursor while the server writes events.
	code, out, _ = runWard("audit", dir, "--json", "--limit", "1000")
	if code != 0 {
		t.Fatal("ward audit failed")
	}
	snapshot := eventIDs(t, out)
	var paged []float64
	args := []string{"audit", dir, "--json", "--limit", "3"}
	cursor := regexp.MustCompile(`more events: add --cursor (\d+)`)
	for {
		code, out, errs := runWard(args...)
		if code != 0 {
			t.Fatalf("ward audit: exit %d: %s", code, errs)
		}
		paged = append(paged, eventIDs(t, out)...)
		next := cursor.FindStringSubmatch(errs)
		if next == nil {
			break
		}
		args = []string{"audit", dir, "--json", "--limit", "3", "--cursor", next[1]}
		// New events between pages: a failed login.
		mustCall(t, "POST", m.URL+"/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": "wrong password x"}, 401)
	}
	if !slices.Equal(paged, snapshot) {
		t.Errorf("paged while events arrived: %v\nwant %v", paged, snapshot)
	}
}

// eventIDs returns the IDs of the events of "ward audit --json" output.
func eventIDs(t *testing.T, out string) []float64 {
	t.Helper()
	var ids []float64
	for line := range strings.Lines(out) {
		var ev struct{ ID float64 }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}
