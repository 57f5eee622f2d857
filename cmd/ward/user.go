package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wardauth/ward/auth"
)

const userUsage = `Usage: ward user add EMAIL [--role ROLE]... [--password-file FILE]
       ward user list [--search TEXT] [--limit N] [--cursor CURSOR] [--json]
       ward user set-role EMAIL (ROLE... | --none)
       ward user disable EMAIL
       ward user enable EMAIL
       ward user delete EMAIL
       ward user reset-password EMAIL [--password-file FILE]
       ward user end-sessions EMAIL

Manages the accounts in the store directly, without the server; it is safe
while ward serve runs on the same data directory (SQLite serializes the
writers). Every change is written to the audit log ("ward audit").

    add             creates an account. The password is read from
                    --password-file FILE, or asked for twice (without
                    echo) when standard input is a terminal, or else read
                    from the first line of standard input. It is never a
                    flag: flags show up in process listings and shell
                    history.
    list            lists the accounts in ID order: ID, email, roles,
                    status, creation time. --search TEXT keeps those whose
                    email address contains TEXT (case-insensitively);
                    --limit N prints the first N, and the cursor of the
                    next page as a hint on standard error
    set-role        replaces the roles of an account; if they change, its
                    sessions end and its access tokens are revoked, so
                    that no token carries the old roles. --none removes
                    every role
    disable         disables an account: logins fail, its sessions end and
                    its access tokens are revoked
    enable          enables a disabled account
    delete          deletes an account; its sessions end and its access
                    tokens are revoked. Its audit events stay, under its ID
    reset-password  sets a new password (read as for add); every session
                    ends and the access tokens are revoked
    end-sessions    ends every session of an account and revokes its
                    access tokens ("sign out everywhere")

A running server refuses the refresh tokens of ended sessions at once
(refreshes read the store), and the access tokens revoked here within
its --sync-interval (default 5s), when it reloads its revocations.

Flags:
` + stateFlagsUsage + `    --role ROLE            (add) give the account ROLE; repeatable
    --password-file FILE   (add, reset-password) read the password from the
                           first line of FILE
    --none                 (set-role) remove every role
    --search TEXT          (list) only emails that contain TEXT
    --limit N              (list) at most N accounts (default: all)
    --cursor CURSOR        (list) continue after the page that printed it
    --json                 (list) print a JSON array
    -h, --help             show this help

Exit status: 0 on success, 1 if the operation fails (no such account, an
email already taken, a weak password), 2 on a usage error.

Examples:
    $ ward user add --data-dir ./ward-data --role admin --password-file pw.txt alice@example.com
    $ ward user list --data-dir ./ward-data
    $ ward user list --data-dir ./ward-data --search @example.com --limit 50
    $ ward user set-role --data-dir ./ward-data alice@example.com admin ops
    $ ward user disable --data-dir ./ward-data alice@example.com
    $ ward user reset-password --data-dir ./ward-data --password-file pw.txt alice@example.com
    $ ward user end-sessions --data-dir ./ward-data alice@example.com
    $ ward user delete --data-dir ./ward-data alice@example.com
`

const userSubcommands = "add, list, set-role, disable, enable, delete, reset-password or end-sessions"

func runUser(e *env, args []string) int {
	if len(args) == 0 {
		return usageError(e, "user", "user needs a subcommand: "+userSubcommands)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, userUsage)
		return exitOK
	case "add", "list", "set-role", "disable", "enable", "delete", "reset-password", "end-sessions":
	default:
		return usageError(e, "user", "unknown subcommand %q of user: use %s", sub, userSubcommands)
	}
	fs := newFlagSet("user")
	var state stateOptions
	state.register(fs)
	var roles stringList
	fs.Var(&roles, "role", "")
	passwordFile := fs.String("password-file", "", "")
	none := fs.Bool("none", false, "")
	asJSON := fs.Bool("json", false, "")
	search := fs.String("search", "", "")
	limit := fs.Int("limit", 0, "")
	cursor := fs.String("cursor", "", "")
	pos, code := parseFlags(e, fs, args, userUsage)
	if code >= 0 {
		return code
	}
	if err := state.resolve(fs, os.Getenv); err != nil {
		return e.fail("user", err)
	}
	only := func(allowed ...string) int {
		bad := ""
		fs.Visit(func(f *flag.Flag) {
			if _, ok := stateEnv[f.Name]; !ok && !contains(allowed, f.Name) && bad == "" {
				bad = f.Name
			}
		})
		if bad != "" {
			return usageError(e, "user", "--%s does not apply to user %s", bad, sub)
		}
		return -1
	}
	var err error
	switch sub {
	case "add":
		if code := only("role", "password-file"); code >= 0 {
			return code
		}
		if len(pos) != 1 {
			return usageError(e, "user", "user add takes one EMAIL")
		}
		err = userAdd(e, &state, pos[0], roles, *passwordFile)
	case "list":
		if code := only("json", "search", "limit", "cursor"); code >= 0 {
			return code
		}
		if len(pos) != 0 {
			return usageError(e, "user", "user list takes no arguments")
		}
		if *limit < 0 {
			return usageError(e, "user", "--limit must be at least 1")
		}
		err = userList(e, &state, auth.UserQuery{Email: *search, AfterID: *cursor, Limit: *limit}, *asJSON)
	case "set-role":
		if code := only("none"); code >= 0 {
			return code
		}
		if len(pos) == 0 || (len(pos) == 1) != *none {
			return usageError(e, "user", "user set-role takes an EMAIL and its ROLEs, or an EMAIL and --none")
		}
		err = userSetRoles(e, &state, pos[0], pos[1:])
	case "reset-password":
		if code := only("password-file"); code >= 0 {
			return code
		}
		if len(pos) != 1 {
			return usageError(e, "user", "user reset-password takes one EMAIL")
		}
		err = userResetPassword(e, &state, pos[0], *passwordFile)
	case "disable", "enable", "delete", "end-sessions":
		if code := only(); code >= 0 {
			return code
		}
		if len(pos) != 1 {
			return usageError(e, "user", "user %s takes one EMAIL", sub)
		}
		switch sub {
		case "disable", "enable":
			err = userSetDisabled(e, &state, pos[0], sub == "disable")
		case "delete":
			err = userDelete(e, &state, pos[0])
		default:
			err = userEndSessions(e, &state, pos[0])
		}
	}
	if err != nil {
		return e.fail("user", err)
	}
	return exitOK
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// authError turns an error of the service into a failed operation with
// the service's message (never an internal detail beyond it).
func authError(err error) error {
	if code := auth.ErrorCode(err); code != "" && code != auth.CodeInternal {
		return failf("%s", strings.TrimSuffix(lowerFirst(auth.ErrorMessage(err)), "."))
	}
	return failf("%s", strings.ReplaceAll(err.Error(), "auth: ", ""))
}

func lowerFirst(s string) string {
	if len(s) > 1 && 'A' <= s[0] && s[0] <= 'Z' && !('A' <= s[1] && s[1] <= 'Z') {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

func userAdd(e *env, state *stateOptions, email string, roles []string, passwordFile string) error {
	email, err := auth.NormalizeEmail(email)
	if err != nil {
		return usagef(nil, "%s", auth.ErrorMessage(err))
	}
	if _, err := auth.NormalizeRoles(roles); err != nil {
		return usagef(nil, "%s", auth.ErrorMessage(err))
	}
	password, err := readPassword(e, passwordFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := svc.AddUser(ctx, email, password, roles, cliMeta)
	if err != nil {
		return authError(err)
	}
	fmt.Fprintf(e.stdout, "created user %s (id %s, roles %s)\n", u.Email, u.ID, rolesText(u.Roles))
	return nil
}

func rolesText(roles []string) string {
	if len(roles) == 0 {
		return "none"
	}
	return strings.Join(roles, ",")
}

// maxPassword bounds what is read as a password (the policy allows 256
// bytes).
const maxPassword = 4 << 10

// readPassword returns the password of "user add": from file, or asked for
// on a terminal, or the first line of standard input.
func readPassword(e *env, file string) (string, error) {
	var r io.Reader
	switch {
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", failf("%v", err)
		}
		defer f.Close()
		r = f
	case isTerminal(e.stdin):
		return promptPassword(e)
	default:
		r = e.stdin
	}
	line, err := bufio.NewReader(io.LimitReader(r, maxPassword)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", failf("reading the password: %v", err)
	}
	line = trimNewline(line)
	if line == "" {
		return "", usagef([]string{"give it with --password-file FILE, on standard input, or at the prompt on a terminal"}, "no password given")
	}
	return line, nil
}

// promptPassword asks for a password twice on the terminal, without echo.
func promptPassword(e *env) (string, error) {
	f, _ := e.stdin.(*os.File)
	fmt.Fprint(e.stderr, "Password: ")
	p1, err := readPasswordNoEcho(f)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Repeat the password: ")
	p2, err := readPasswordNoEcho(f)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", failf("the passwords differ")
	}
	if p1 == "" {
		return "", failf("no password given")
	}
	return p1, nil
}

type userJSON struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Roles     []string  `json:"roles"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

func userList(e *env, state *stateOptions, q auth.UserQuery, asJSON bool) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	limit := q.Limit // 0: all
	var (
		all  []userJSON
		next string
	)
	for {
		q.Limit = 1000
		if limit > 0 {
			q.Limit = min(limit-len(all), 1000)
		}
		var page []*auth.User
		page, next, err = svc.SearchUsers(ctx, q)
		if err != nil {
			return authError(err)
		}
		for _, u := range page {
			roles := u.Roles
			if roles == nil {
				roles = []string{}
			}
			all = append(all, userJSON{ID: u.ID, Email: u.Email, Roles: roles, Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC()})
		}
		if next == "" || (limit > 0 && len(all) >= limit) {
			break
		}
		q.AfterID = next
	}
	defer func() {
		if next != "" {
			e.hintf("more users: add --cursor %s", next)
		}
	}()
	if asJSON {
		if all == nil {
			all = []userJSON{}
		}
		out, _ := json.MarshalIndent(all, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", out)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLES\tSTATUS\tCREATED")
	for _, u := range all {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, rolesText(u.Roles), status, u.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

// findUser returns the account of an email address.
func findUser(ctx context.Context, svc *auth.Service, email string) (*auth.User, error) {
	u, err := svc.UserByEmail(ctx, email)
	if auth.IsCode(err, auth.CodeNotFound) {
		return nil, failf("no user %s", email)
	}
	if auth.IsCode(err, auth.CodeInvalidRequest) {
		return nil, usagef(nil, "%s", auth.ErrorMessage(err))
	}
	if err != nil {
		return nil, authError(err)
	}
	return u, nil
}

func userSetRoles(e *env, state *stateOptions, email string, roles []string) error {
	if _, err := auth.NormalizeRoles(roles); err != nil {
		return usagef(nil, "%s", auth.ErrorMessage(err))
	}
	return withUser(e, state, email, func(ctx context.Context, svc *auth.Service, u *auth.User) error {
		return setRoles(ctx, e, svc, u, roles)
	})
}

func setRoles(ctx context.Context, e *env, svc *auth.Service, u *auth.User, roles []string) error {
	if err := svc.SetRoles(ctx, u.ID, roles, cliMeta); err != nil {
		return authError(err)
	}
	after, err := svc.User(ctx, u.ID)
	if err != nil {
		return authError(err)
	}
	if strings.Join(after.Roles, ",") == strings.Join(u.Roles, ",") {
		fmt.Fprintf(e.stdout, "%s: roles %s (unchanged)\n", u.Email, rolesText(after.Roles))
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: roles %s; sessions ended, access tokens revoked\n", u.Email, rolesText(after.Roles))
	return nil
}

func userSetDisabled(e *env, state *stateOptions, email string, disable bool) error {
	return withUser(e, state, email, func(ctx context.Context, svc *auth.Service, u *auth.User) error {
		return setDisabled(ctx, e, svc, u, disable)
	})
}

func setDisabled(ctx context.Context, e *env, svc *auth.Service, u *auth.User, disable bool) error {
	switch {
	case disable && u.Disabled:
		fmt.Fprintf(e.stdout, "%s is already disabled\n", u.Email)
	case disable:
		if err := svc.DisableUser(ctx, u.ID, cliMeta); err != nil {
			return authError(err)
		}
		fmt.Fprintf(e.stdout, "%s disabled; sessions ended, access tokens revoked\n", u.Email)
	case !u.Disabled:
		fmt.Fprintf(e.stdout, "%s is already enabled\n", u.Email)
	default:
		if err := svc.EnableUser(ctx, u.ID, cliMeta); err != nil {
			return authError(err)
		}
		fmt.Fprintf(e.stdout, "%s enabled\n", u.Email)
	}
	return nil
}

// withUser opens the service, finds the account of email, and runs fn.
func withUser(e *env, state *stateOptions, email string, fn func(ctx context.Context, svc *auth.Service, u *auth.User) error) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := findUser(ctx, svc, email)
	if err != nil {
		return err
	}
	return fn(ctx, svc, u)
}

func userDelete(e *env, state *stateOptions, email string) error {
	return withUser(e, state, email, func(ctx context.Context, svc *auth.Service, u *auth.User) error {
		if err := svc.DeleteUser(ctx, u.ID, cliMeta); err != nil {
			return authError(err)
		}
		fmt.Fprintf(e.stdout, "deleted user %s (id %s); sessions ended, access tokens revoked\n", u.Email, u.ID)
		return nil
	})
}

func userEndSessions(e *env, state *stateOptions, email string) error {
	return withUser(e, state, email, func(ctx context.Context, svc *auth.Service, u *auth.User) error {
		if err := svc.EndUserSessions(ctx, u.ID, cliMeta); err != nil {
			return authError(err)
		}
		fmt.Fprintf(e.stdout, "%s: sessions ended, access tokens revoked\n", u.Email)
		return nil
	})
}

func userResetPassword(e *env, state *stateOptions, email, passwordFile string) error {
	if _, err := auth.NormalizeEmail(email); err != nil {
		return usagef(nil, "%s", auth.ErrorMessage(err))
	}
	password, err := readPassword(e, passwordFile)
	if err != nil {
		return err
	}
	return withUser(e, state, email, func(ctx context.Context, svc *auth.Service, u *auth.User) error {
		if err := svc.SetPassword(ctx, u.ID, password, cliMeta); err != nil {
			return authError(err)
		}
		fmt.Fprintf(e.stdout, "%s: password reset; sessions ended, access tokens revoked\n", u.Email)
		return nil
	})
}
