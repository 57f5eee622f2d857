package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/server"
)

const keysUsage = `Usage: ward keys list [--json]
       ward keys rotate [--signing-alg ALG]
       ward keys revoke KID
       ward keys new-kek FILE
       ward keys rewrap --new-kek-file FILE

Manages the server's signing keys in the store directly, without the
server; it is safe while ward serve runs on the same data directory.

    list     lists the signing keys: kid, algorithm, state (next: published,
             not yet signing; active: signs new tokens; retired: verifies
             tokens in flight; revoked) and their times
    rotate   asks for a rotation now. The next key becomes active at once
             if it has been published in the JWKS for at least the JWKS
             cache lifetime (5m), so that every verifier already holds it;
             otherwise its promotion is scheduled for that moment, and the
             running server carries it out. A new next key (of
             --signing-alg, env WARD_SIGNING_ALG, default ES256) is made
             when needed
    revoke   revokes the signing key KID at once, for a compromised key:
             it leaves the JWKS, every token it signed is refused, and if
             it was the active key the next key (or a new one) signs from
             now on, without waiting for verifiers' caches. A kid may
             start with "-": put -- before it
    new-kek  writes a new key-encryption key to FILE (mode 0600, never
             overwritten), for --kek-file; the key is never printed
    rewrap   rotates the key-encryption key: re-seals every signing key
             and sealed secret under the key in FILE (made by new-kek), in
             one transaction. Afterwards the store opens with the new key
             only: stop ward serve first, then start it with
             --kek-file FILE, and destroy the old key

A running server picks up keys changed here (rotate, revoke) within 5s: it
re-reads the keyring every 2.5s and signs nothing with an older copy. Key records are authenticated under the
key-encryption key: a record written to the database by other means is
listed as "refused", and is neither published nor trusted.

Flags:
` + stateFlagsUsage + `    --signing-alg ALG      (rotate) algorithm of a new next key
    --json                 (list) print a JSON array
    --new-kek-file FILE    (rewrap) the new key-encryption key
    -h, --help             show this help

Exit status: 0 on success, 1 if the operation fails (as for an unknown
KID, or a key-encryption key that does not open the store), 2 on a usage
error.

Examples:
    $ ward keys list --data-dir ./ward-data
    $ ward keys rotate --data-dir ./ward-data
    $ ward keys revoke --data-dir ./ward-data -- "$kid"
    $ ward keys new-kek kek.txt
    $ ward keys rewrap --data-dir ./ward-data --new-kek-file kek.txt
`

func runKeys(e *env, args []string) int {
	const subs = "list, rotate, revoke, new-kek or rewrap"
	if len(args) == 0 {
		return usageError(e, "keys", "keys needs a subcommand: %s", subs)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, keysUsage)
		return exitOK
	case "list", "rotate", "revoke", "new-kek", "rewrap":
	default:
		return usageError(e, "keys", "unknown subcommand %q of keys: use %s", sub, subs)
	}
	fs := newFlagSet("keys")
	var state stateOptions
	state.register(fs)
	alg := fs.String("signing-alg", "", "")
	asJSON := fs.Bool("json", false, "")
	newKEK := fs.String("new-kek-file", "", "")
	pos, code := parseFlags(e, fs, args, keysUsage)
	if code >= 0 {
		return code
	}
	if sub == "new-kek" {
		if len(pos) != 1 || fs.NFlag() != 0 {
			return usageError(e, "keys", "keys new-kek takes one FILE and no flags")
		}
		if err := newKEKFile(e, pos[0]); err != nil {
			return e.fail("keys", err)
		}
		return exitOK
	}
	switch {
	case sub == "revoke" && len(pos) != 1:
		return usageError(e, "keys", "keys revoke takes one KID")
	case sub != "revoke" && len(pos) != 0:
		return usageError(e, "keys", "keys %s takes no arguments", sub)
	case sub == "rewrap" && *newKEK == "":
		return usageError(e, "keys", "keys rewrap needs --new-kek-file FILE")
	case sub != "rewrap" && *newKEK != "":
		return usageError(e, "keys", "--new-kek-file does not apply to keys %s", sub)
	}
	if err := applyEnv(fs, os.Getenv, map[string]string{"signing-alg": "WARD_SIGNING_ALG"}); err != nil {
		return e.fail("keys", err)
	}
	if err := state.resolve(fs, os.Getenv); err != nil {
		return e.fail("keys", err)
	}
	var cfg auth.Config
	if *alg != "" {
		a, err := parseAlg(*alg)
		if err != nil {
			return e.fail("keys", err)
		}
		if a.KeyType() == jwk.KeyTypeOct {
			return usageError(e, "keys", "--signing-alg %s is a shared-secret algorithm", a)
		}
		cfg.SigningAlg = a
	}
	var err error
	switch sub {
	case "list":
		err = keysList(e, &state, *asJSON)
	case "revoke":
		err = keysRevoke(e, &state, pos[0])
	case "rewrap":
		err = keysRewrap(e, &state, *newKEK)
	default:
		err = keysRotate(e, &state, cfg)
	}
	if err != nil {
		return e.fail("keys", err)
	}
	return exitOK
}

func keysList(e *env, state *stateOptions, asJSON bool) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	keys, err := svc.ListKeys(ctx)
	if err != nil {
		return authError(err)
	}
	out := []server.KeyJSON{}
	for _, k := range keys {
		out = append(out, server.NewKeyJSON(k))
	}
	if asJSON {
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tSINCE")
	for _, k := range out {
		since := "-"
		for _, t := range []*time.Time{k.RevokedAt, k.RetiredAt, k.ActivatedAt, k.ActivateAt} {
			if t != nil {
				since = t.Format(time.RFC3339)
				if t == k.ActivateAt {
					since = "activates " + since
				}
				break
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.KeyID, k.Algorithm, k.State, k.CreatedAt.Format(time.RFC3339), since)
	}
	return tw.Flush()
}

func keysRotate(e *env, state *stateOptions, cfg auth.Config) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := svc.RotateKeys(ctx)
	if err != nil {
		return authError(err)
	}
	if res.Rotated {
		fmt.Fprintf(e.stdout, "rotated: %s signs new tokens now; the next key is %s\n", res.ActiveKeyID, res.NextKeyID)
		return nil
	}
	fmt.Fprintf(e.stdout, "scheduled: %s becomes the active key at %s, once verifiers have had time to fetch it; %s signs until then\n",
		res.NextKeyID, res.ActivateAt.UTC().Format(time.RFC3339), res.ActiveKeyID)
	return nil
}

// newKEKFile writes a new key-encryption key to a new file with mode 0600.
func newKEKFile(e *env, name string) error {
	f, err := createExclusive(name, 0o600)
	if err != nil {
		return err
	}
	if err := writeSync(f, []byte(auth.NewKEK()+"\n")); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	if err := f.Close(); err != nil {
		return failf("%v", err)
	}
	fmt.Fprintf(e.stderr, "Key-encryption key written to %s\n", name)
	e.hintf("keep it apart from the database, and give it to ward serve with --kek-file %s or WARD_KEK_FILE", shellQuote(name))
	return nil
}

func keysRevoke(e *env, state *stateOptions, kid string) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := svc.RevokeKey(ctx, kid, cliMeta); err != nil {
		return authError(err)
	}
	fmt.Fprintf(e.stdout, "revoked: %s is out of the JWKS and its tokens are refused; %s signs new tokens\n", kid, svc.ActiveKeyID())
	return nil
}

// keysRewrap re-seals the store under the key-encryption key in newFile.
func keysRewrap(e *env, state *stateOptions, newFile string) error {
	ctx := context.Background()
	newKEK, err := readKEKFile(e, newFile)
	if err != nil {
		return err
	}
	_, src, err := state.loadKEK(e, false)
	if err != nil {
		return withKEKHint(err)
	}
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := svc.RewrapKEK(ctx, newKEK, cliMeta)
	if err != nil {
		return authError(err)
	}
	fmt.Fprintf(e.stdout, "re-sealed the store under the key-encryption key in %s (signing keys: %d, secrets: %d)\n", newFile, res.Keys, res.Secrets)
	if len(res.Refused) > 0 {
		e.warnf("left %d key records that are not authenticated under the old key as they were (still refused): %s", len(res.Refused), strings.Join(res.Refused, ", "))
	}
	e.hintf("start ward serve with --kek-file %s (or WARD_KEK_FILE): the old key no longer opens the store", shellQuote(newFile))
	if src.Path != "" {
		e.hintf("destroy the old key-encryption key %s and its copies", src.Path)
	} else {
		e.hintf("remove the old key from WARD_KEK and destroy its copies")
	}
	return nil
}
