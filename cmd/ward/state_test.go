package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardauth/ward/auth"
)

// TestUnderDir: the "KEK beside the database" guard sees a key anywhere
// under the data directory, whatever path names it: nested at any depth,
// through "..", through a symbolic link into the directory, or in a data
// directory that is itself reached through a link.
func TestUnderDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	outside := filepath.Join(root, "secrets")
	for _, d := range []string{filepath.Join(data, "a", "b"), outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(filepath.Join(data, "a"), filepath.Join(outside, "link"))) // secrets/link → data/a
	must(os.Symlink(data, filepath.Join(root, "data-link")))                   // data-link → data
	must(os.WriteFile(filepath.Join(outside, "kek"), nil, 0o600))
	must(os.Symlink(filepath.Join(outside, "kek"), filepath.Join(data, "kekref"))) // data/kekref → secrets/kek
	for _, tt := range []struct {
		file, dir string
		under     bool
	}{
		{filepath.Join(data, "kek"), data, true},
		{filepath.Join(data, "a", "kek"), data, true},
		{filepath.Join(data, "a", "b", "kek"), data, true},
		{filepath.Join(data, "a", "b", "not-yet", "kek"), data, true},
		{filepath.Join(outside, "..", "data", "a", "kek"), data, true},
		{filepath.Join(outside, "link", "b", "kek"), data, true},
		{filepath.Join(data, "a", "kek"), filepath.Join(root, "data-link"), true},
		{filepath.Join(data, "a", "kek"), filepath.Join(root, "data-link", "..", "data"), true},
		{filepath.Join(outside, "kek"), data, false},
		{filepath.Join(root, "data2", "kek"), data, false},
		{filepath.Join(root, "kek"), data, false},
		{filepath.Join(data, "..", "kek"), data, false},
		// A link in the data directory to a key outside it: the key is
		// not beside the database.
		{filepath.Join(data, "kekref"), data, false},
	} {
		if got := underDir(tt.file, tt.dir); got != tt.under {
			t.Errorf("underDir(%s, %s) = %v, want %v", strings.TrimPrefix(tt.file, root), strings.TrimPrefix(tt.dir, root), got, tt.under)
		}
	}
}

// TestServeRefusesNestedKEK: ward serve on a non-loopback address refuses
// a --kek-file nested anywhere under the data directory, or reached
// through a link into it.
func TestServeRefusesNestedKEK(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	cfg := testServeConfig(t)
	cfg.Addr = "0.0.0.0:0"
	cfg.Issuer = "https://auth.example.com"
	cfg.DataDir = filepath.Join(root, "data")
	nested := filepath.Join(cfg.DataDir, "keys", "deep", "kek")
	if err := os.MkdirAll(filepath.Dir(nested), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nested, []byte(auth.NewKEK()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(cfg.DataDir, "keys"), filepath.Join(root, "keys")); err != nil {
		t.Fatal(err)
	}
	for _, kek := range []string{nested, filepath.Join(root, "keys", "deep", "kek"), filepath.Join(root, "elsewhere", "..", "data", "keys", "deep", "kek")} {
		cfg.KEKFile = kek
		var ce *cmdError
		err := (&Main{Config: cfg}).Run(context.Background(), &env{stdout: io.Discard, stderr: io.Discard})
		if !errors.As(err, &ce) || ce.code != exitUsage || !strings.Contains(ce.msg, "with the key-encryption key in the data directory") {
			t.Fatalf("Run with --kek-file %s: %v", kek, err)
		}
	}
}
