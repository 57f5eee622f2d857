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
)

const clientUsage = `Usage: ward client add NAME [--scope SCOPE]...
       ward client list [--json]

Manages the OAuth clients that get tokens with the client_credentials
grant (service to service), in the store directly; it is safe while
ward serve runs on the same data directory.

    add   registers a client allowed the given scopes and prints its
          client_id and client_secret on standard output, as two
          shell-style lines (client_id=... and client_secret=...). The
          secret is shown only this once: the store keeps its SHA-256
    list  lists the clients: id, name, scopes, creation time

Flags:
` + stateFlagsUsage + `    --scope SCOPE          (add) allow SCOPE; repeatable
    --json                 (list) print a JSON array
    -h, --help             show this help

Exit status: 0 on success, 1 if the operation fails, 2 on a usage error.

Examples:
    $ ward client add --data-dir ./ward-data --scope reports:read reports > reports.env
    $ ward client list --data-dir ./ward-data
`

func runClient(e *env, args []string) int {
	if len(args) == 0 {
		return usageError(e, "client", "client needs a subcommand: add or list")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, clientUsage)
		return exitOK
	case "add", "list":
	default:
		return usageError(e, "client", "unknown subcommand %q of client: use add or list", sub)
	}
	fs := newFlagSet("client")
	var state stateOptions
	state.register(fs)
	var scopes stringList
	fs.Var(&scopes, "scope", "")
	asJSON := fs.Bool("json", false, "")
	pos, code := parseFlags(e, fs, args, clientUsage)
	if code >= 0 {
		return code
	}
	if err := state.resolve(fs, os.Getenv); err != nil {
		return e.fail("client", err)
	}
	var err error
	switch {
	case sub == "add" && len(pos) != 1:
		return usageError(e, "client", "client add takes one NAME")
	case sub == "add" && *asJSON:
		return usageError(e, "client", "--json does not apply to client add")
	case sub == "add":
		err = clientAdd(e, &state, pos[0], scopes)
	case len(pos) != 0 || len(scopes) != 0:
		return usageError(e, "client", "client list takes no arguments and no --scope")
	default:
		err = clientList(e, &state, *asJSON)
	}
	if err != nil {
		return e.fail("client", err)
	}
	return exitOK
}

func clientAdd(e *env, state *stateOptions, name string, scopes []string) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	c, secret, err := svc.AddClient(ctx, name, scopes, cliMeta)
	if err != nil {
		return authError(err)
	}
	fmt.Fprintf(e.stdout, "client_id=%s\nclient_secret=%s\n", c.ID, secret)
	e.warnf("the client secret is shown only this once: store it now (ward keeps only its SHA-256)")
	return nil
}

type clientJSON struct {
	ID        string    `json:"client_id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
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
	out := []clientJSON{}
	for _, c := range cs {
		scopes := c.Scopes
		if scopes == nil {
			scopes = []string{}
		}
		out = append(out, clientJSON{ID: c.ID, Name: c.Name, Scopes: scopes, Disabled: c.Disabled, CreatedAt: c.CreatedAt.UTC()})
	}
	if asJSON {
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT_ID\tNAME\tSCOPES\tCREATED")
	for _, c := range out {
		sc := strings.Join(c.Scopes, " ")
		if sc == "" {
			sc = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Name, sc, c.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}
