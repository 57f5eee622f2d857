package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/wardauth/ward/auth"
)

// stateFlagsUsage documents the flags of [stateOptions], shared by serve
// and the admin commands.
const stateFlagsUsage = `    --data-dir DIR         where ward keeps its state (env WARD_DATA_DIR).
                           Default: $XDG_DATA_HOME/ward, or
                           ~/.local/share/ward on Linux and other Unix
                           systems; ~/Library/Application Support/ward on
                           macOS; %AppData%\ward on Windows
    --db DSN               the store (env WARD_DB): sqlite:PATH (default
                           sqlite:DIR/ward.db), or postgres://USER@HOST/DB
                           (a PostgreSQL URL; pool_max_conns=N sizes the
                           pool), shared by every instance
    --kek-file FILE        the key-encryption key (env WARD_KEK_FILE): a
                           file holding "WARD-KEK-1:...", as "ward keys
                           new-kek" writes it; or the key itself in env
                           WARD_KEK. Default: DIR/kek, generated on first
                           use
`

// stateOptions say where the state lives: the data directory, the store
// and the key-encryption key. ward serve and the admin commands share them.
type stateOptions struct {
	DataDir string
	DB      string // a DSN: "sqlite:PATH" or "postgres://…"; "" means sqlite:DataDir/ward.db
	KEKFile string
	// KEK is the key-encryption key's text form (WARD_KEK); it never comes
	// from a flag, so that it stays out of process listings.
	KEK string
}

func (o *stateOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.DataDir, "data-dir", "", "")
	fs.StringVar(&o.DB, "db", "", "")
	fs.StringVar(&o.KEKFile, "kek-file", "", "")
}

// stateEnv maps the flags of [stateOptions] to their environment variables.
var stateEnv = map[string]string{
	"data-dir": "WARD_DATA_DIR",
	"db":       "WARD_DB",
	"kek-file": "WARD_KEK_FILE",
}

// applyEnv sets every flag of fs that was not given on the command line
// from its environment variable in names (flag → variable), if set: a
// flag wins over the environment. A repeatable flag takes a
// comma-separated list.
func applyEnv(fs *flag.FlagSet, getenv func(string) string, names map[string]string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, env := range names {
		v := getenv(env)
		if given[name] || v == "" {
			continue
		}
		vals := []string{v}
		if _, ok := fs.Lookup(name).Value.(*stringList); ok {
			vals = strings.Split(v, ",")
		}
		for _, v := range vals {
			if err := fs.Set(name, strings.TrimSpace(v)); err != nil {
				return usagef(nil, "invalid value %q in %s: %v", v, env, err)
			}
		}
	}
	return nil
}

// resolve fills in the environment and the defaults after parsing.
func (o *stateOptions) resolve(fs *flag.FlagSet, getenv func(string) string) error {
	kekFileFlag := false // given on the command line, not by WARD_KEK_FILE
	fs.Visit(func(f *flag.Flag) { kekFileFlag = kekFileFlag || f.Name == "kek-file" })
	if err := applyEnv(fs, getenv, stateEnv); err != nil {
		return err
	}
	o.KEK = getenv("WARD_KEK")
	if o.KEK != "" && o.KEKFile != "" {
		if !kekFileFlag {
			return usagef([]string{"unset one of them"}, "both WARD_KEK and WARD_KEK_FILE are set")
		}
		o.KEK = "" // the flag wins
	}
	if o.DataDir == "" {
		dir, err := defaultDataDir(getenv)
		if err != nil {
			return usagef([]string{"give --data-dir DIR or set WARD_DATA_DIR"}, "cannot find a data directory: %v", err)
		}
		o.DataDir = dir
	}
	if abs, err := filepath.Abs(o.DataDir); err == nil {
		o.DataDir = abs
	}
	return nil
}

// defaultDataDir returns the data directory used when neither --data-dir
// nor WARD_DATA_DIR is given.
func defaultDataDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ward"), nil
	}
	switch runtime.GOOS {
	case "darwin", "windows", "ios", "plan9":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "ward"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "ward"), nil
}

// dsn returns the store's DSN, with its default.
func (o *stateOptions) dsn() string {
	if o.DB != "" {
		return o.DB
	}
	return "sqlite:" + filepath.Join(o.DataDir, "ward.db")
}

// sqlitePath returns the file of a sqlite: DSN, or "".
func sqlitePath(dsn string) string {
	scheme, rest, _ := strings.Cut(dsn, ":")
	if !strings.EqualFold(scheme, "sqlite") {
		return ""
	}
	return rest
}

// kekSource says where the key-encryption key came from.
type kekSource struct {
	Path      string // the file, or "" for WARD_KEK
	Generated bool   // generated now into the data directory
	// InDataDir is true when the key sits in the data directory (at any
	// depth, links resolved), beside the database it protects: good
	// enough on loopback only.
	InDataDir bool
}

// maxKEKFile bounds the size of a key-encryption key file.
const maxKEKFile = 4 << 10

// loadKEK returns the key-encryption key: from --kek-file, from WARD_KEK,
// or from DataDir/kek, which is generated (mode 0600, never overwritten)
// if it does not exist and the store holds no data yet. With generate
// false, a missing DataDir/kek is an error.
func (o *stateOptions) loadKEK(e *env, generate bool) ([]byte, kekSource, error) {
	if o.KEKFile != "" {
		k, err := readKEKFile(e, o.KEKFile)
		src := kekSource{Path: o.KEKFile, InDataDir: underDir(o.KEKFile, o.DataDir)}
		return k, src, err
	}
	if o.KEK != "" {
		k, err := auth.ParseKEK(o.KEK)
		if err != nil {
			return nil, kekSource{}, usagef(nil, "WARD_KEK: %s", strings.TrimPrefix(err.Error(), "auth: "))
		}
		return k, kekSource{}, nil
	}
	path := filepath.Join(o.DataDir, "kek")
	src := kekSource{Path: path, InDataDir: true}
	if _, err := os.Stat(path); err == nil {
		k, err := readKEKFile(e, path)
		return k, src, err
	}
	if db := sqlitePath(o.dsn()); db != "" {
		if fi, err := os.Stat(db); err == nil && fi.Size() > 0 {
			return nil, src, failf("no key-encryption key: %s does not exist, and the database %s already holds data", path, db)
		}
	}
	if !generate {
		return nil, src, failf("no key-encryption key: %s does not exist", path)
	}
	if scheme, _, _ := strings.Cut(o.dsn(), ":"); strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql") {
		// A shared store is opened by every instance, and each must hold
		// the same key: one generated here would be this machine's only.
		return nil, src, failf("no key-encryption key: a PostgreSQL store needs the key that every instance shares")
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, src, failf("creating the data directory: %v", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, src, failf("creating the key-encryption key: %v", err)
	}
	text := auth.NewKEK()
	if err := writeSync(f, []byte(text+"\n")); err != nil {
		f.Close()
		os.Remove(path)
		return nil, src, err
	}
	if err := f.Close(); err != nil {
		return nil, src, failf("creating the key-encryption key: %v", err)
	}
	k, err := auth.ParseKEK(text)
	src.Generated = true
	return k, src, err
}

func readKEKFile(e *env, name string) ([]byte, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, failf("key-encryption key file %s does not exist", name)
	}
	if err != nil {
		return nil, failf("%v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		e.warnf("%s is readable by others (mode %v): restrict it with chmod 600", name, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKEKFile+1))
	if err != nil {
		return nil, failf("reading %s: %v", name, err)
	}
	if len(data) > maxKEKFile {
		return nil, failf("%s is too large for a key-encryption key", name)
	}
	k, err := auth.ParseKEK(string(data))
	if err != nil {
		return nil, failf("%s: %s", name, strings.TrimPrefix(err.Error(), "auth: "))
	}
	return k, nil
}

// underDir reports whether file is dir or anywhere below it, at any
// depth, once both are made absolute and cleaned (no "..") and their
// symbolic links resolved as far as they exist: a key reached through a
// link into the data directory, or by a path that leaves and re-enters
// it, is under it. When in doubt (a path that cannot be resolved), it
// answers true.
func underDir(file, dir string) bool {
	f, err1 := resolvePath(file)
	d, err2 := resolvePath(dir)
	if err1 != nil || err2 != nil {
		return true
	}
	rel, err := filepath.Rel(d, f)
	if err != nil {
		return false // another volume
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

// resolvePath returns p absolute, cleaned, with the symbolic links of its
// longest existing prefix resolved (the rest may not exist yet, like a
// data directory made on first use).
func resolvePath(p string) (string, error) {
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	for {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(append([]string{p}, rest...)...), nil
		}
		rest = append([]string{filepath.Base(p)}, rest...)
		p = parent
	}
}

// openService opens the store and the token service for an admin command.
// The service's issuer does not matter: admin commands sign no tokens.
func (o *stateOptions) openService(ctx context.Context, e *env, cfg auth.Config) (*auth.Service, auth.Store, error) {
	kek, src, err := o.loadKEK(e, true)
	if err != nil {
		return nil, nil, withKEKHint(err)
	}
	if src.Generated {
		e.warnf("generated a key-encryption key in %s: keep it, it decrypts the signing keys", src.Path)
	}
	store, err := openStore(o.dsn())
	if err != nil {
		return nil, nil, err
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "urn:ward:cli"
	}
	svc, err := auth.NewService(ctx, store, kek, cfg)
	if err != nil {
		store.Close()
		return nil, nil, withKEKHint(failf("%s", serviceMessage(err)))
	}
	return svc, store, nil
}

// withKEKHint adds the usual hint to a key-encryption key failure.
func withKEKHint(err error) error {
	var ce *cmdError
	if errors.As(err, &ce) && len(ce.hints) == 0 && strings.Contains(ce.msg, "key-encryption key") {
		ce.hints = []string{"give the key that ward serve uses: --kek-file FILE or WARD_KEK"}
	}
	return err
}

// cliMeta is the audit metadata of the admin commands.
var cliMeta = auth.RequestMeta{UserAgent: "ward-cli"}

// serviceMessage returns the message of an error from starting the token
// service without the package prefixes ("auth: ", "keyring: ") that only
// repeat what ward's own prefix says.
func serviceMessage(err error) string {
	return strings.NewReplacer("auth: ", "", "keyring: ", "").Replace(err.Error())
}
