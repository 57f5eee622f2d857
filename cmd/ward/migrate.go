package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/wardauth/ward/auth/migrate"
)

const migrateUsage = `Usage: ward migrate --from sqlite:PATH --to postgres://…

Copies a whole store into an empty one: users with their password
hashes, sessions with their rotation counters (every refresh token keeps
working), OAuth clients, signing keys and sealed secrets (copied sealed:
start ward serve on the target with the same key-encryption key),
revocations with their sequence numbers, and the audit log. It is how a
single-instance deployment moves from SQLite to PostgreSQL.

The source is read in one snapshot, so ward serve may keep running on
it; but writes it commits after the snapshot (logins, refreshes,
revocations) are not copied, and ward migrate says so when there were
any. To lose none: stop ward serve, migrate, and start ward serve with
--db set to the target. The target is written in one transaction,
durable when ward migrate reports success, then read back and checked
against the snapshot by counts and a SHA-256 checksum over every row,
which are printed to stdout. A target that holds any row is refused.
Rows are streamed from one store to the other, so memory does not grow
with the size of the store; the snapshot stays open until the target
has committed (SQLite's WAL file may grow meanwhile if ward serve keeps
writing).

Flags:
    --from DSN             the store to copy: sqlite:PATH (it must exist)
    --to DSN               the empty store to copy into: postgres://… (its
                           schema is created if missing)
    -h, --help             show this help

Exit status: 0 on success, 1 if the copy fails (the source cannot be
read, the target is not empty, the read-back differs), 2 on a usage
error.

Examples:
    $ ward migrate --from sqlite:/var/lib/ward/ward.db --to postgres://ward@db.example/ward
    $ ward serve --db postgres://ward@db.example/ward --kek-file /etc/ward/kek
`

func runMigrate(e *env, args []string) int {
	fs := newFlagSet("migrate")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	pos, code := parseFlags(e, fs, args, migrateUsage)
	if code >= 0 {
		return code
	}
	switch {
	case len(pos) != 0:
		return usageError(e, "migrate", "migrate takes no arguments")
	case *from == "":
		return usageError(e, "migrate", "--from is required")
	case *to == "":
		return usageError(e, "migrate", "--to is required")
	}
	if err := migrateStore(context.Background(), e, *from, *to); err != nil {
		return e.fail("migrate", err)
	}
	return exitOK
}

func migrateStore(ctx context.Context, e *env, from, to string) error {
	path := sqlitePath(from)
	if path == "" {
		return usagef([]string{"use --from sqlite:PATH, as in sqlite:/var/lib/ward/ward.db"}, "--from: ward migrate copies from a SQLite store")
	}
	// Opening would create an empty database: refuse a wrong path instead.
	if _, err := os.Stat(path); err != nil {
		return failf("--from: no database at %s: %v", path, errors.Unwrap(err))
	}
	if sqlitePath(to) != "" {
		return usagef([]string{"use --to postgres://…"}, "--to: ward migrate copies into a PostgreSQL store")
	}
	src, err := openStore(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openStore(to)
	if err != nil {
		var ce *cmdError
		if errors.As(err, &ce) {
			ce.msg = "--to" + strings.TrimPrefix(ce.msg, "--db")
		}
		return err
	}
	defer dst.Close()
	res, err := migrate.Copy(ctx, src, dst)
	switch {
	case errors.Is(err, migrate.ErrTargetNotEmpty):
		return &cmdError{code: exitInvalid, msg: "--to: " + err.Error()[len("migrate: "):],
			hints: []string{"migrate into a new, empty database or schema; ward migrate never merges"}}
	case errors.Is(err, migrate.ErrMismatch):
		return &cmdError{code: exitInvalid, msg: err.Error()[len("migrate: "):],
			hints: []string{"the target has committed: drop its tables (or the database) before trying again"}}
	case err != nil:
		return failf("%s", reason(err))
	}
	fmt.Fprint(e.stdout, res.Target)
	fmt.Fprintf(e.stderr, "ward: copied %s to %s and verified the copy\n", redactDSN(from), redactDSN(to))
	if res.Lost() {
		return &cmdError{code: exitInvalid, msg: fmt.Sprintf("the source changed while it was copied: its writes after the snapshot (audit events after id %d, revocations after seq %d, and every login, refresh or change since) are not in the target",
			res.Source.LastAuditID, res.Source.RevocationSeq),
			hints: []string{"stop ward serve on the source, empty the target and migrate again"}}
	}
	e.hintf("start ward serve with --db set to the target and the same key-encryption key")
	return nil
}
