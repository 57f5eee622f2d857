package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wardauth/ward/jose/jwk"
)

const forwardAuthUsage = `Usage: ward forward-auth --issuer URL --audience AUD [--addr HOST:PORT]
       [--client-id ID] [--client-secret-file FILE]
       [--max-staleness D [--refuse-when-stale]] [--cache N] [flags]

Answers the authentication checks of a reverse proxy in front of services
that are not written in Go: nginx auth_request, Traefik ForwardAuth and
Envoy ext_authz (HTTP). Every path and method of --addr is the check: the
access token of the request (Authorization: Bearer) is verified with the
issuer's JWKS and checked against a replica of its revocations, kept
current by the revocation feed, with no call to the auth server per
request.

    200  the token is valid: the identity is in the response headers
         X-Ward-Subject (sub), X-Ward-Scope (scope, space-separated),
         X-Ward-Roles (roles, space-separated), X-Ward-Session (sid) and
         X-Ward-Client (client_id), for the proxy to pass on
    401  no token, or an invalid, expired or revoked one, with the
         RFC 6750 challenge in WWW-Authenticate
    403  the token lacks what the check URL requires with the query
         parameters ward_scope=S (every scope given) and ward_role=R (one
         of the roles given; each repeatable or a comma-separated list),
         as in http://127.0.0.1:9191/?ward_scope=notes:write
    503  the revocation replica has not loaded yet, or is older than
         --max-staleness with --refuse-when-stale, with Retry-After

The revocation feed is read as a client with the feed permission, made
with "ward client add --feed NAME"; its secret comes from a file or the
environment, never from a flag.

Every flag has an environment variable; a flag wins over its variable.

Flags:
    --issuer URL           the "iss" of the tokens, exactly, and the URL the
                           auth server is reached at: its metadata, JWKS and
                           revocation feed (env WARD_FORWARD_AUTH_ISSUER)
    --audience AUD         the "aud" the tokens must hold (env
                           WARD_FORWARD_AUTH_AUDIENCE)
    --addr HOST:PORT       listen address of the checks (env
                           WARD_FORWARD_AUTH_ADDR; default 127.0.0.1:9191);
                           port 0 picks a free port, and the address chosen
                           is printed
    --health-addr HOST:PORT
                           serve GET /healthz (alive) and GET /readyz (the
                           keys and the revocation replica are loaded and
                           fresh: 200, else 503) on this address (env
                           WARD_FORWARD_AUTH_HEALTH_ADDR; default: none).
                           Never on --addr, where every path is a check
                           that a client could aim at /healthz
    --client-id ID         the feed client's id (env
                           WARD_FORWARD_AUTH_CLIENT_ID); may also come from
                           the secret file
    --client-secret-file FILE
                           the feed client's secret: a file holding the
                           secret alone, or the client_id=... and
                           client_secret=... lines that "ward client add"
                           prints (env WARD_FORWARD_AUTH_CLIENT_SECRET_FILE;
                           or the secret itself in env
                           WARD_FORWARD_AUTH_CLIENT_SECRET)
    --insecure-skip-revocation-check
                           read no feed: a logged-out or revoked token
                           stays valid until it expires (env
                           WARD_FORWARD_AUTH_INSECURE_SKIP_REVOCATION_CHECK)
    --max-staleness D      the replica is stale, and /readyz fails, when
                           nothing (event or heartbeat, one every 15s) has
                           come from the feed for this long (env
                           WARD_FORWARD_AUTH_MAX_STALENESS; default 1m; at
                           least 1s)
    --refuse-when-stale    answer 503 while the replica is stale, instead
                           of trusting what it knows (env
                           WARD_FORWARD_AUTH_REFUSE_WHEN_STALE)
    --cookie               also accept the access token from the access
                           cookie of ward serve's cookie mode
                           (__Host-ward-access), for a request without an
                           Authorization header; a state-changing request
                           (the method of X-Forwarded-Method or
                           X-Original-Method) must then pass the CSRF rule:
                           double submit (X-CSRF-Token equals the
                           __Host-ward-csrf cookie) and an Origin among
                           --cookie-origin (env WARD_FORWARD_AUTH_COOKIE)
    --cookie-origin ORIGIN the public origin of the protected site, as in
                           https://app.example.com, from which a
                           cookie-authenticated request may change state;
                           repeatable or a comma-separated list; required
                           with --cookie (env WARD_FORWARD_AUTH_COOKIE_ORIGIN)
    --cache N              cache up to N verified tokens, so that a token
                           seen before costs no signature check; a cached
                           token is still checked against the replica on
                           every request (env WARD_FORWARD_AUTH_CACHE;
                           default 10000; 0: off)
    --alg ALG              accept tokens signed with ALG; repeatable or a
                           comma-separated list (env WARD_FORWARD_AUTH_ALG).
                           Default: every algorithm ward serve signs with
                           (ES256, ES384, ES512, EdDSA, RS256, RS384, RS512,
                           PS256, PS384, PS512); each key of the JWKS is
                           bound to its own "alg"
    --log-level LEVEL      debug, info, warn or error (env
                           WARD_FORWARD_AUTH_LOG_LEVEL; default info)
    --log-format FORMAT    text or json (env WARD_FORWARD_AUTH_LOG_FORMAT;
                           default text)
    -h, --help             show this help

The method of the request being checked, which the cookie CSRF rule
depends on, is read from X-Forwarded-Method (Traefik), X-Original-Method
(nginx, which the README's snippet sets) or the check request itself
(Envoy); a state-changing method among them wins, so that a header a
client forged can never make its request look safe. Listen where only the
proxy reaches. SIGINT or SIGTERM stops it gracefully.

Exit status: 0 after a graceful stop, 1 if it cannot start (as when the
issuer's metadata and JWKS cannot be fetched at start: start it after ward
serve, or let the service manager restart it), 2 on a usage error.

Examples:
    $ ward client add --data-dir ./ward-data --feed forward-auth > feed.env
    $ ward forward-auth --issuer http://127.0.0.1:8080 --audience http://127.0.0.1:8080 --client-secret-file feed.env
    $ ward forward-auth --issuer https://auth.example.com --audience api --addr 127.0.0.1:0 --health-addr 127.0.0.1:9192 --max-staleness 30s --refuse-when-stale --client-secret-file /etc/ward/feed.env
`

// forwardAuthConfig is the configuration of ward forward-auth.
// [parseForwardAuthFlags] fills it from flags and the environment.
type forwardAuthConfig struct {
	Issuer, Audience string
	Addr             string
	HealthAddr       string // "": no health endpoints
	Algorithms       []jwk.Algorithm
	// ClientID and ClientSecret are the feed client's credentials;
	// ClientSecret never comes from a flag.
	ClientID, ClientSecret      string
	InsecureSkipRevocationCheck bool
	MaxStaleness                time.Duration
	RefuseWhenStale             bool
	Cache                       int // 0: off
	// Cookie accepts the access cookie; CookieOrigins are the origins
	// allowed to change state with it.
	Cookie          bool
	CookieOrigins   []string
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
}

// Defaults and limits of ward forward-auth.
const (
	defaultForwardAuthAddr = "127.0.0.1:9191"
	defaultMaxStaleness    = time.Minute
	defaultTokenCache      = 10000
	maxTokenCache          = 10_000_000
	maxClientSecretFile    = 4 << 10
)

// forwardAuthAlgs are the algorithms accepted by default: every algorithm
// ward serve signs with (--signing-alg), none of them a shared secret.
var forwardAuthAlgs = []jwk.Algorithm{jwk.ES256, jwk.ES384, jwk.ES512, jwk.EdDSA,
	jwk.RS256, jwk.RS384, jwk.RS512, jwk.PS256, jwk.PS384, jwk.PS512}

var forwardAuthEnv = map[string]string{
	"issuer":                         "WARD_FORWARD_AUTH_ISSUER",
	"audience":                       "WARD_FORWARD_AUTH_AUDIENCE",
	"addr":                           "WARD_FORWARD_AUTH_ADDR",
	"health-addr":                    "WARD_FORWARD_AUTH_HEALTH_ADDR",
	"client-id":                      "WARD_FORWARD_AUTH_CLIENT_ID",
	"client-secret-file":             "WARD_FORWARD_AUTH_CLIENT_SECRET_FILE",
	"insecure-skip-revocation-check": "WARD_FORWARD_AUTH_INSECURE_SKIP_REVOCATION_CHECK",
	"max-staleness":                  "WARD_FORWARD_AUTH_MAX_STALENESS",
	"refuse-when-stale":              "WARD_FORWARD_AUTH_REFUSE_WHEN_STALE",
	"cache":                          "WARD_FORWARD_AUTH_CACHE",
	"cookie":                         "WARD_FORWARD_AUTH_COOKIE",
	"cookie-origin":                  "WARD_FORWARD_AUTH_COOKIE_ORIGIN",
	"alg":                            "WARD_FORWARD_AUTH_ALG",
	"log-level":                      "WARD_FORWARD_AUTH_LOG_LEVEL",
	"log-format":                     "WARD_FORWARD_AUTH_LOG_FORMAT",
}

// parseForwardAuthFlags returns the configuration that args and the
// environment (read with getenv) give, or an exit status when the command
// must stop. A flag given on the command line or in the environment is
// never ignored: one that has no effect in the combination given is a
// usage error.
func parseForwardAuthFlags(e *env, args []string, getenv func(string) string) (forwardAuthConfig, int) {
	cfg := forwardAuthConfig{
		Addr:            defaultForwardAuthAddr,
		MaxStaleness:    defaultMaxStaleness,
		Cache:           defaultTokenCache,
		LogLevel:        slog.LevelInfo,
		LogFormat:       "text",
		ShutdownTimeout: 10 * time.Second,
	}
	fs := newFlagSet("forward-auth")
	fs.StringVar(&cfg.Issuer, "issuer", "", "")
	fs.StringVar(&cfg.Audience, "audience", "", "")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "")
	fs.StringVar(&cfg.HealthAddr, "health-addr", "", "")
	fs.StringVar(&cfg.ClientID, "client-id", "", "")
	secretFile := fs.String("client-secret-file", "", "")
	fs.BoolVar(&cfg.InsecureSkipRevocationCheck, "insecure-skip-revocation-check", false, "")
	fs.DurationVar(&cfg.MaxStaleness, "max-staleness", cfg.MaxStaleness, "")
	fs.BoolVar(&cfg.RefuseWhenStale, "refuse-when-stale", false, "")
	fs.IntVar(&cfg.Cache, "cache", cfg.Cache, "")
	var algs, origins stringList
	fs.Var(&algs, "alg", "")
	fs.BoolVar(&cfg.Cookie, "cookie", false, "")
	fs.Var(&origins, "cookie-origin", "")
	level := fs.String("log-level", "info", "")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "")
	pos, code := parseFlags(e, fs, args, forwardAuthUsage)
	if code >= 0 {
		return cfg, code
	}
	if len(pos) != 0 {
		return cfg, usageError(e, "forward-auth", "forward-auth takes no arguments, only flags")
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	if err := applyEnv(fs, getenv, forwardAuthEnv); err != nil {
		return cfg, e.fail("forward-auth", err)
	}
	given := map[string]bool{} // on the command line or in the environment
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, a := range algs {
		for _, s := range strings.Split(a, ",") {
			alg, err := parseAlg(strings.TrimSpace(s))
			if err != nil {
				return cfg, e.fail("forward-auth", err)
			}
			if alg.KeyType() == jwk.KeyTypeOct {
				return cfg, usageError(e, "forward-auth", "--alg %s is a shared-secret algorithm: the JWKS holds public keys only", alg)
			}
			cfg.Algorithms = append(cfg.Algorithms, alg)
		}
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = forwardAuthAlgs
	}
	var err error
	if cfg.CookieOrigins, err = parseOrigins("cookie-origin", origins); err != nil {
		return cfg, e.fail("forward-auth", err)
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, usageError(e, "forward-auth", "--log-level %q: use debug, info, warn or error", *level)
	}
	if err := cfg.readSecret(e, *secretFile, getenv, onCommandLine["client-secret-file"]); err != nil {
		return cfg, e.fail("forward-auth", err)
	}
	if err := cfg.check(given); err != nil {
		return cfg, e.fail("forward-auth", err)
	}
	return cfg, -1
}

// readSecret sets the feed client's secret (and its id, if the file gives
// one) from file or from WARD_FORWARD_AUTH_CLIENT_SECRET. fileFlag says
// whether the file was named by a flag or by its environment variable.
func (c *forwardAuthConfig) readSecret(e *env, file string, getenv func(string) string, fileFlag bool) error {
	envSecret := getenv("WARD_FORWARD_AUTH_CLIENT_SECRET")
	switch {
	case file == "":
		c.ClientSecret = envSecret
		return nil
	case envSecret != "" && !fileFlag:
		return usagef([]string{"unset one of them"}, "both WARD_FORWARD_AUTH_CLIENT_SECRET and WARD_FORWARD_AUTH_CLIENT_SECRET_FILE are set")
	}
	// The flag wins over WARD_FORWARD_AUTH_CLIENT_SECRET.
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return failf("client secret file %s does not exist", file)
	}
	if err != nil {
		return failf("%v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		e.warnf("%s is readable by others (mode %v): restrict it with chmod 600", file, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxClientSecretFile+1))
	if err != nil {
		return failf("reading %s: %v", file, err)
	}
	if len(data) > maxClientSecretFile {
		return failf("%s is too large for a client secret", file)
	}
	id, secret, err := parseSecretFile(string(data))
	if err != nil {
		return failf("%s: %v", file, err)
	}
	if id != "" {
		if c.ClientID != "" && c.ClientID != id {
			return usagef(nil, "--client-id %s differs from the client_id %s in %s", c.ClientID, id, file)
		}
		c.ClientID = id
	}
	c.ClientSecret = secret
	return nil
}

// parseSecretFile reads a client secret file: the secret alone on one
// line, or the "client_id=..." and "client_secret=..." lines that ward
// client add prints (id is then that client_id).
func parseSecretFile(s string) (id, secret string, err error) {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	if len(lines) == 1 && !strings.Contains(lines[0], "=") {
		if err := checkCredential(lines[0]); err != nil {
			return "", "", err
		}
		return "", lines[0], nil
	}
	for _, line := range lines {
		name, value, ok := strings.Cut(line, "=")
		switch {
		case ok && name == "client_id" && id == "":
			id = value
		case ok && name == "client_secret" && secret == "":
			secret = value
		default:
			return "", "", errors.New(`not a client secret: expected the secret alone, or the client_id=... and client_secret=... lines of "ward client add"`)
		}
	}
	if secret == "" {
		return "", "", errors.New("no client_secret=... line")
	}
	if err := errors.Join(checkCredential(id), checkCredential(secret)); err != nil {
		return "", "", err
	}
	return id, secret, nil
}

// checkCredential returns an error if a client id or secret holds
// anything but printable ASCII without spaces, as Ward's do.
func checkCredential(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return errors.New("a client id or secret holds a space, a control character or non-ASCII")
		}
	}
	return nil
}

// check validates the values that need no file or network. given holds
// the flags set on the command line or in the environment.
func (c *forwardAuthConfig) check(given map[string]bool) error {
	switch {
	case c.Issuer == "":
		return usagef([]string{"give the auth server's issuer, as in --issuer https://auth.example.com"}, "--issuer is required")
	case c.Audience == "":
		return usagef([]string{"give the audience the protected services expect, as in --audience api (ward serve --audience)"}, "--audience is required")
	case c.MaxStaleness < time.Second:
		return usagef(nil, "--max-staleness %v is shorter than 1s", c.MaxStaleness)
	case c.Cache < 0 || c.Cache > maxTokenCache:
		return usagef(nil, "--cache %d is not within 0 to %d", c.Cache, maxTokenCache)
	case c.LogFormat != "text" && c.LogFormat != "json":
		return usagef(nil, "--log-format %q: use text or json", c.LogFormat)
	case c.Cookie && len(c.CookieOrigins) == 0:
		return usagef([]string{"behind a proxy the request's own origin is unknown here: give the site's, as in --cookie-origin https://app.example.com"}, "--cookie needs --cookie-origin")
	case !c.Cookie && len(c.CookieOrigins) > 0:
		return usagef(nil, "--cookie-origin without --cookie would have no effect")
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return usagef(nil, "--issuer %q is not an http(s) URL", c.Issuer)
	}
	for name, addr := range map[string]string{"addr": c.Addr, "health-addr": c.HealthAddr} {
		if addr == "" && name == "health-addr" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return usagef([]string{"use HOST:PORT, as in " + defaultForwardAuthAddr}, "--%s %q is not HOST:PORT", name, addr)
		}
	}
	if c.InsecureSkipRevocationCheck {
		for _, f := range []string{"client-id", "client-secret-file", "max-staleness", "refuse-when-stale"} {
			if given[f] {
				return usagef(nil, "--%s and --insecure-skip-revocation-check contradict each other: without the feed there is no replica", f)
			}
		}
		if c.ClientSecret != "" {
			return usagef(nil, "WARD_FORWARD_AUTH_CLIENT_SECRET and --insecure-skip-revocation-check contradict each other")
		}
		return nil
	}
	switch {
	case c.ClientID == "" || c.ClientSecret == "":
		return usagef([]string{
			`make a feed client with "ward client add --feed NAME > feed.env" and give --client-secret-file feed.env`,
			"or, to accept revoked tokens until they expire, --insecure-skip-revocation-check",
		}, "the revocation feed needs a client id and secret")
	}
	return nil
}

func runForwardAuth(e *env, args []string) int {
	cfg, code := parseForwardAuthFlags(e, args, os.Getenv)
	if code >= 0 {
		return code
	}
	m := &forwardAuthMain{Config: cfg}
	return runUntilSignal(e, "forward-auth", m, func() (<-chan error, *slog.Logger) { return m.ServeErr, m.log })
}

// announceForwardAuth tells the operator where the checks are answered.
func announceForwardAuth(e *env, m *forwardAuthMain) {
	fmt.Fprintf(e.stderr, "ward: forward auth listening on %s\n", m.URL)
	if m.HealthURL != "" {
		fmt.Fprintf(e.stderr, "ward: health on %s/healthz and %s/readyz\n", m.HealthURL, m.HealthURL)
	}
	if m.Config.InsecureSkipRevocationCheck {
		e.warnf("--insecure-skip-revocation-check: logged-out and revoked tokens are accepted until they expire")
	}
}
