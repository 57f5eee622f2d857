package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

const clientUsage = `Usage: ward client add NAME [--scope SCOPE]... [--introspect [--introspect-email]] [--feed]
       ward client list [--json]
       ward client disable|enable|delete CLIENT_ID
       ward client rotate-secret [--overlap DUR] CLIENT_ID

Manages the OAuth clients that get tokens with the client_credentials
grant (service to service) and call the introspection and revocation
endpoints, in the store directly; it is safe while ward serve runs on the
same data directory.

    add            registers a client allowed the given scopes and prints
                   its client_id and client_secret on standard output, as
                   two shell-style lines (client_id=... and
                   client_secret=...). The secret is shown only this once:
                   the store keeps its SHA-256
    list           lists the clients: id, name, scopes, permissions, status
    disable        the client authenticates nowhere from now on, and the
                   access tokens it holds are revoked
    enable         enables a disabled client
    delete         deletes the client and revokes its access tokens
    rotate-secret  gives the client a new secret, printed once as
                   client_secret=... . Without --overlap the old secret
                   stops at once and the client's access tokens are
                   revoked (for a leaked secret); with --overlap DUR (at
                   most 720h) the old secret keeps working for DUR, so
                   that the client can move to the new one

Every change is written to the audit log. A running server sees it at
once: clients are read from the store on every authentication, and
revoked tokens within its --sync-interval (default 5s).

Flags:
` + stateFlagsUsage + `    --scope SCOPE          (add) allow SCOPE; repeatable
    --introspect           (add) allow introspecting users' and other
                           clients' tokens (RFC 7662); without it, the
                           client learns about its own tokens only
    --introspect-email     (add) show users' email addresses ("username")
                           in its introspection answers; needs --introspect
    --feed                 (add) allow reading the revocation feed
    --overlap DUR          (rotate-secret) keep the old secret valid for
                           DUR, as in 1h or 24h. Default: 0, it stops now
    --json                 (list) print a JSON array
    -h, --help             show this help

Exit status: 0 on success, 1 if the operation fails (as for an unknown
CLIENT_ID), 2 on a usage error.

Examples:
    $ ward client add --data-dir ./ward-data --scope reports:read reports > reports.env
    $ ward client add --data-dir ./ward-data --introspect gateway
    $ ward client list --data-dir ./ward-data
    $ ward client rotate-secret --data-dir ./ward-data --overlap 24h "$client_id"
    $ ward client disable --data-dir ./ward-data "$client_id"
`

func runClient(e *env, args []string) int {
	const subs = "add, list, disable, enable, delete or rotate-secret"
	if len(args) == 0 {
		return usageError(e, "client", "client needs a subcommand: %s", subs)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, clientUsage)
		return exitOK
	case "add", "list", "disable", "enable", "delete", "rotate-secret":
	default:
		return usageError(e, "client", "unknown subcommand %q of client: use %s", sub, subs)
	}
	fs := newFlagSet("client")
	var state stateOptions
	state.register(fs)
	var scopes stringList
	fs.Var(&scopes, "scope", "")
	asJSON := fs.Bool("json", false, "")
	var spec auth.ClientSpec
	fs.BoolVar(&spec.Introspect, "introspect", false, "")
	fs.BoolVar(&spec.IntrospectEmail, "introspect-email", false, "")
	fs.BoolVar(&spec.Feed, "feed", false, "")
	overlap := fs.Duration("overlap", 0, "")
	pos, code := parseFlags(e, fs, args, clientUsage)
	if code >= 0 {
		return code
	}
	// Each flag applies to one subcommand.
	only := map[string]string{"scope": "add", "introspect": "add", "introspect-email": "add", "feed": "add", "json": "list", "overlap": "rotate-secret"}
	var misplaced string
	fs.Visit(func(f *flag.Flag) {
		if s, ok := only[f.Name]; ok && s != sub && misplaced == "" {
			misplaced = f.Name
		}
	})
	switch {
	case misplaced != "":
		return usageError(e, "client", "--%s does not apply to client %s", misplaced, sub)
	case sub == "add" && len(pos) != 1:
		return usageError(e, "client", "client add takes one NAME")
	case sub == "add" && spec.IntrospectEmail && !spec.Introspect:
		return usageError(e, "client", "--introspect-email needs --introspect")
	case sub == "list" && len(pos) != 0:
		return usageError(e, "client", "client list takes no arguments")
	case sub != "add" && sub != "list" && len(pos) != 1:
		return usageError(e, "client", "client %s takes one CLIENT_ID", sub)
	case *overlap < 0 || *overlap > auth.MaxSecretOverlap:
		return usageError(e, "client", "--overlap must be between 0s and %s", auth.MaxSecretOverlap)
	}
	if err := state.resolve(fs, os.Getenv); err != nil {
		return e.fail("client", err)
	}
	var err error
	switch sub {
	case "add":
		spec.Name, spec.Scopes = pos[0], scopes
		err = clientAdd(e, &state, spec)
	case "list":
		err = clientList(e, &state, *asJSON)
	default:
		err = clientChange(e, &state, sub, pos[0], *overlap)
	}
	if err != nil {
		return e.fail("client", err)
	}
	return exitOK
}

func clientAdd(e *env, state *stateOptions, spec auth.ClientSpec) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	c, secret, err := svc.AddClient(ctx, spec, cliMeta)
	if err != nil {
		return authError(err)
	}
	fmt.Fprintf(e.stdout, "client_id=%s\nclient_secret=%s\n", c.ID, secret)
	e.warnf("the client secret is shown only this once: store it now (ward keeps only its SHA-256)")
	return nil
}

// clientChange disables, enables, deletes or gives a new secret to the
// client id.
func clientChange(e *env, state *stateOptions, sub, id string, overlap time.Duration) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	var msg string
	switch sub {
	case "disable":
		err, msg = svc.DisableClient(ctx, id, cliMeta), "client %s disabled; its access tokens are revoked\n"
	case "enable":
		err, msg = svc.EnableClient(ctx, id, cliMeta), "client %s enabled\n"
	case "delete":
		err, msg = svc.DeleteClient(ctx, id, cliMeta), "client %s deleted; its access tokens are revoked\n"
	case "rotate-secret":
		var secret string
		if secret, err = svc.RotateClientSecret(ctx, id, overlap, cliMeta); err == nil {
			fmt.Fprintf(e.stdout, "client_id=%s\nclient_secret=%s\n", id, secret)
			e.warnf("the client secret is shown only this once: store it now (ward keeps only its SHA-256)")
			if overlap > 0 {
				fmt.Fprintf(e.stderr, "ward: the old secret of %s stays valid until %s\n", id, time.Now().Add(overlap).UTC().Format(time.RFC3339))
			} else {
				fmt.Fprintf(e.stderr, "ward: the old secret of %s no longer works, and its access tokens are revoked\n", id)
			}
			return nil
		}
	}
	if err != nil {
		return authError(err)
	}
	fmt.Fprintf(e.stdout, msg, id)
	return nil
}

func clientList(e *env, state *stateOptions, asJSON bool) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	cs, err := svc.Clients(ctx)
	if err != nil {
		return authError(err)
	}
	out := []server.ClientJSON{}
	for _, c := range cs {
		out = append(out, server.NewClientJSON(c))
	}
	if asJSON {
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT_ID\tNAME\tSCOPES\tPERMISSIONS\tSTATUS\tCREATED")
	for _, c := range out {
		sc := strings.Join(c.Scopes, " ")
		if sc == "" {
			sc = "-"
		}
		var perms []string
		for _, p := range []struct {
			on   bool
			name string
		}{{c.Introspect, "introspect"}, {c.IntrospectEmail, "introspect-email"}, {c.Feed, "feed"}} {
			if p.on {
				perms = append(perms, p.name)
			}
		}
		if len(perms) == 0 {
			perms = []string{"-"}
		}
		status := "active"
		if c.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, sc, strings.Join(perms, ","), status, c.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}
