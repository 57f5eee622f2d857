package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wardauth/ward/auth"
)

const auditUsage = `Usage: ward audit [--user USER] [--actor USER] [--type TYPE] [--outcome OUTCOME]
                  [--since TIME] [--until TIME] [--limit N] [--cursor CURSOR] [--json]

Prints the audit log, newest first: logins, refreshes, reuse detections,
logouts, revocations, password changes, key rotations and every admin
action, with the user it was about, the administrator who acted (admin
API), the client address and the outcome. It reads the store directly,
like the other admin commands.

Paging is stable: events written while you page never repeat or shift a
page. When more events match than --limit, the cursor of the next page
is printed as a hint on standard error.

Flags:
` + stateFlagsUsage + `    --user USER            events about USER: an email address or a user ID
                           (a deleted user's events: by ID)
    --actor USER           events of the admin actions of USER
    --type TYPE            events of one type: signup, login, refresh,
                           refresh_reuse, logout, session_end, revoke,
                           password_change, client_credentials,
                           client_auth, key_create, key_rotate,
                           key_revoke, key_drop, user_add, user_roles,
                           user_disable, user_enable, user_delete,
                           client_add, ...
    --outcome OUTCOME      success or failure
    --since TIME           events at or after TIME: RFC 3339
                           (2026-01-02T15:04:05Z) or a duration back
                           from now (24h, 90m)
    --until TIME           events before TIME (the same forms)
    --limit N              print at most N events (default 100)
    --cursor CURSOR        continue after the page that printed CURSOR
    --json                 print one JSON object per line, as the admin API
                           shows events
    -h, --help             show this help

Exit status: 0 on success (also when no event matches), 1 if the
operation fails (no such user, a store failure), 2 on a usage error.

Examples:
    $ ward audit --data-dir ./ward-data --limit 20
    $ ward audit --data-dir ./ward-data --user alice@example.com --type login --outcome failure --since 24h
    $ ward audit --data-dir ./ward-data --type user_disable --json
`

func runAudit(e *env, args []string) int {
	fs := newFlagSet("audit")
	var state stateOptions
	state.register(fs)
	user := fs.String("user", "", "")
	actor := fs.String("actor", "", "")
	typ := fs.String("type", "", "")
	outcome := fs.String("outcome", "", "")
	since := fs.String("since", "", "")
	until := fs.String("until", "", "")
	limit := fs.Int("limit", 100, "")
	cursor := fs.String("cursor", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, code := parseFlags(e, fs, args, auditUsage)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		return usageError(e, "audit", "audit takes no arguments")
	}
	now := time.Now()
	q := auth.AuditQuery{Type: *typ, Outcome: *outcome}
	switch {
	case *outcome != "" && *outcome != auth.OutcomeSuccess && *outcome != auth.OutcomeFailure:
		return usageError(e, "audit", "--outcome is success or failure")
	case *limit < 1:
		return usageError(e, "audit", "--limit must be at least 1")
	}
	var err error
	if q.Since, err = parseSince(*since, now); err != nil {
		return usageError(e, "audit", "--since: %v", err)
	}
	if q.Until, err = parseSince(*until, now); err != nil {
		return usageError(e, "audit", "--until: %v", err)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return usageError(e, "audit", "--until must come after --since")
	}
	if *cursor != "" {
		if q.BeforeID, err = strconv.ParseInt(*cursor, 10, 64); err != nil || q.BeforeID <= 0 {
			return usageError(e, "audit", "invalid --cursor %q", *cursor)
		}
	}
	if err := state.resolve(fs, os.Getenv); err != nil {
		return e.fail("audit", err)
	}
	if err := auditList(e, &state, q, *user, *actor, *limit, *asJSON); err != nil {
		return e.fail("audit", err)
	}
	return exitOK
}

// parseSince parses a time of --since and --until: RFC 3339, or a
// duration back from now; "" is the zero time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-01-02T15:04:05Z) nor a duration (24h)", s)
	}
	return now.Add(-d), nil
}

// userID returns the user ID that USER names: an email address is looked
// up, anything else is taken as an ID.
func userID(ctx context.Context, svc *auth.Service, user string) (string, error) {
	if user == "" || !strings.Contains(user, "@") {
		return user, nil
	}
	u, err := findUser(ctx, svc, user)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

func auditList(e *env, state *stateOptions, q auth.AuditQuery, user, actor string, limit int, asJSON bool) error {
	ctx := context.Background()
	svc, store, err := state.openService(ctx, e, auth.Config{})
	if err != nil {
		return err
	}
	defer store.Close()
	if q.UserID, err = userID(ctx, svc, user); err != nil {
		return err
	}
	if q.ActorID, err = userID(ctx, svc, actor); err != nil {
		return err
	}
	var (
		events []auth.AuditEvent
		next   int64
	)
	for len(events) < limit {
		q.Limit = min(limit-len(events), 1000)
		page, n, err := svc.AuditPage(ctx, q)
		if err != nil {
			return authError(err)
		}
		events, next = append(events, page...), n
		if n == 0 {
			break
		}
		q.BeforeID = n
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, ev := range events {
			ev.Time = ev.Time.UTC()
			if err := enc.Encode(ev); err != nil {
				return failf("%v", err)
			}
		}
	} else if err := auditTable(ctx, e, svc, events); err != nil {
		return err
	}
	if next != 0 {
		e.hintf("more events: add --cursor %d", next)
	}
	return nil
}

// auditTable prints events as a table, with users' email addresses where
// the accounts still exist.
func auditTable(ctx context.Context, e *env, svc *auth.Service, events []auth.AuditEvent) error {
	emails := map[string]string{"": "-"}
	name := func(id string) string {
		if s, ok := emails[id]; ok {
			return s
		}
		emails[id] = id
		if u, err := svc.User(ctx, id); err == nil {
			emails[id] = u.Email
		}
		return emails[id]
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tTYPE\tOUTCOME\tUSER\tACTOR\tIP\tDETAIL")
	for _, ev := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.ID, ev.Time.UTC().Format(time.RFC3339), ev.Type, ev.Outcome,
			name(ev.UserID), name(ev.ActorID), dash(ev.IP), dash(ev.Detail))
	}
	return tw.Flush()
}
