package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres"
	"github.com/wardauth/ward/auth/redis"
	"github.com/wardauth/ward/auth/sqlite"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/server"
	"github.com/wardauth/ward/web"
	"github.com/wardauth/ward/web/demo"
)

const serveUsage = `Usage: ward serve [flags]

Runs the auth server: the OAuth 2.0 endpoints, the app API under /v1/, the
JWKS, /healthz, the token debugger page at /debugger/ (also served alone
by "ward debug") and a browser login demo in cookie mode at /demo/ (on
plain-HTTP loopback with --insecure-loopback-cookies). With no flags it
listens on 127.0.0.1:8080 and keeps its SQLite database and keys in the
data directory, generating a key-encryption key there (DIR/kek) on first
use. That generated key is for loopback only: on any other address ward
serve refuses to start unless the key is the operator's own (--kek-file
FILE outside the data directory, or WARD_KEK).

Every flag has an environment variable; a flag wins over its variable.
Secrets come from files or the environment, never from flags.

Flags:
    --addr HOST:PORT       listen address (env WARD_ADDR; default
                           127.0.0.1:8080); port 0 picks a free port, and
                           the address chosen is printed
` + stateFlagsUsage + `    --issuer URL           the "iss" of tokens and the base of the metadata
                           URLs (env WARD_ISSUER). Default on loopback:
                           http://ADDR (https with TLS); required elsewhere
    --audience AUD         the "aud" of access tokens; repeatable or a
                           comma-separated list (env WARD_AUDIENCE).
                           Default: the issuer
    --access-ttl D         access token lifetime, 1m to 60m (env
                           WARD_ACCESS_TTL; default 10m)
    --refresh-grace D      window in which the previous refresh token
                           returns the current one again, at most 5m
                           (env WARD_REFRESH_GRACE; default 10s; 0s turns
                           it off: any stale token ends the session)
    --jwks-cache-ttl D     how long verifiers may cache the JWKS (its
                           Cache-Control max-age); a new signing key is
                           published this long plus 5s (the time every
                           instance takes to load a key change) before it
                           signs (env WARD_JWKS_CACHE_TTL; default 5m; at
                           least 1s; the same on every instance)
    --signing-alg ALG      algorithm of new signing keys (env
                           WARD_SIGNING_ALG; default ES256): RS256, RS384,
                           RS512, PS256, PS384, PS512, ES256, ES384, ES512
                           or EdDSA
    --tls-cert FILE        serve HTTPS with this PEM certificate chain (env
    --tls-key FILE         WARD_TLS_CERT) and key (env WARD_TLS_KEY)
    --trusted-proxy CIDR   believe X-Forwarded-For from this reverse proxy
                           (an address or a CIDR); repeatable or a
                           comma-separated list (env WARD_TRUSTED_PROXY)
    --enable-password-grant  turn on the OAuth password grant for legacy
                           clients (env WARD_ENABLE_PASSWORD_GRANT=true)
    --cors-origin ORIGIN   let scripts of this origin (as in
                           https://app.example.com) call /v1/ with CORS,
                           with credentials (cookie mode); repeatable or a
                           comma-separated list (env WARD_CORS_ORIGIN;
                           default: none, CORS off)
    --hsts                 send Strict-Transport-Security on every answer,
                           behind a TLS-terminating proxy (env WARD_HSTS;
                           with --tls-cert it is always sent)
    --insecure-loopback-cookies  cookie mode on plain-HTTP loopback for
                           development: cookies without Secure and
                           without the __Host-/__Secure- prefixes, for
                           requests from and to loopback only (env
                           WARD_INSECURE_LOOPBACK_COOKIES)
    --limits SPEC          abuse limits, per client address (and per account
                           and address for logins): off, or a list of
                           NAME=BURST/EVERY or NAME=off with NAME login,
                           login-account, signup, password-change,
                           client-auth or introspect; repeatable (env
                           WARD_LIMITS). Default: login=30/2s,
                           login-account=5/10s (halved by each failure),
                           signup=10/1m, password-change=10/30s,
                           client-auth=20/3s, introspect=200/10ms
    --redis URL            share revocations, key changes and abuse limits
                           with the other instances through this Redis, as
                           redis://HOST:6379/0 or rediss://… (env
                           WARD_REDIS; a URL with a password goes in
                           WARD_REDIS, never in the flag). Without Redis,
                           or while it is unreachable, instances see each
                           other's revocations every --sync-interval and
                           keep their limits alone; /readyz then answers
                           200 "degraded"
    --redis-prefix P       begin every Redis key and channel with P, so that
                           several deployments share one Redis (env
                           WARD_REDIS_PREFIX; default ward:)
    --sync-interval D      how often to reload revocations from the
                           store, to see what other processes (the admin
                           commands) wrote (env WARD_SYNC_INTERVAL;
                           default 5s; 0s: never); keys are reloaded
                           every 2.5s in any case
    --feed-heartbeat D     how often an idle revocation feed stream sends a
                           heartbeat, by which resource servers know that
                           their replica is current; their --max-staleness
                           must exceed it (env WARD_FEED_HEARTBEAT; default
                           15s; at least 100ms)
    --max-revocation-staleness D
                           refuse tokens (503) and fail /readyz when the
                           revocation list was last reloaded from the
                           store longer ago than this, so that an instance
                           cut off from its store stops trusting it (env
                           WARD_MAX_REVOCATION_STALENESS; default 0s: no
                           limit). Must exceed --sync-interval
    --audit-retention D    delete audit events older than this in the
                           hourly clean-up, as 2160h or 90d (env
                           WARD_AUDIT_RETENTION; default 90d; 0 keeps them
                           forever). Expired sessions and revocations are
                           always cleaned up
    --metrics-addr HOST:PORT
                           serve GET /metrics on this address only, not on
                           --addr (env WARD_METRICS_ADDR; default: on
                           --addr). Plain HTTP: give a loopback or private
                           address the scraper reaches
    --no-metrics           record no metrics and serve no /metrics (env
                           WARD_NO_METRICS=true)
    --pages LIST           the web pages to serve, comma-separated:
                           debugger (/debugger/), demo (/demo/), or none
                           (env WARD_PAGES; default debugger,demo)
    --log-level LEVEL      debug, info, warn or error (env WARD_LOG_LEVEL;
                           default info)
    --log-format FORMAT    text or json (env WARD_LOG_FORMAT; default text)
    -h, --help             show this help

Logs go to standard error; they never hold a password, a secret or a
token. /metrics (Prometheus) is on by default and reveals traffic
volumes: on a public --addr, move it with --metrics-addr. SIGINT or
SIGTERM stops the server gracefully: it stops accepting connections,
lets requests in flight finish (for up to 10s), stops its background
work (key rotation, revocation sync, clean-up) and closes the database,
then exits 0.

Exit status: 0 after a graceful stop, 1 if the server cannot start or
fails, 2 on a usage error (including a non-loopback address without the
operator's own key-encryption key).

Examples:
    $ ward serve
    $ ward serve --addr 127.0.0.1:0 --data-dir ./ward-data --access-ttl 5m
    $ WARD_KEK_FILE=/etc/ward/kek ward serve --addr :443 --issuer https://auth.example.com --tls-cert cert.pem --tls-key key.pem
`

// serveConfig is the configuration of ward serve. [newServeConfig] holds
// the defaults; [parseServeFlags] fills it from flags and the environment.
type serveConfig struct {
	stateOptions
	Addr                    string
	Issuer                  string   // "": http(s)://ADDR, on loopback only
	Audience                []string // empty: the issuer
	AccessTTL               time.Duration
	RefreshGrace            time.Duration // 0: off
	JWKSCacheTTL            time.Duration
	SigningAlg              jwk.Algorithm
	TLSCert, TLSKey         string
	TrustedProxies          []netip.Prefix
	EnablePasswordGrant     bool
	CORSOrigins             []string
	HSTS                    bool
	InsecureLoopbackCookies bool
	Limits                  auth.Limits   // zero: the defaults
	SyncInterval            time.Duration // 0: never
	Redis                   string        // "": none
	RedisPrefix             string        // "": redis.DefaultPrefix
	FeedHeartbeat           time.Duration
	// MaxRevocationStaleness is auth.Config.MaxRevocationStaleness; 0: no
	// limit.
	MaxRevocationStaleness time.Duration
	// AuditRetention is how long audit events are kept; 0: forever.
	AuditRetention  time.Duration
	MetricsAddr     string // "": /metrics on Addr
	NoMetrics       bool
	Pages           string // comma-separated page names, or "none"
	LogLevel        slog.Level
	LogFormat       string // "text" or "json"
	ShutdownTimeout time.Duration
}

// newServeConfig returns the defaults of ward serve (without a data
// directory).
func newServeConfig() serveConfig {
	return serveConfig{
		Addr:            "127.0.0.1:8080",
		AccessTTL:       auth.DefaultAccessTTL,
		RefreshGrace:    auth.DefaultRefreshGrace,
		JWKSCacheTTL:    auth.DefaultJWKSCacheTTL,
		SigningAlg:      auth.DefaultSigningAlg,
		SyncInterval:    5 * time.Second,
		FeedHeartbeat:   server.DefaultFeedHeartbeat,
		AuditRetention:  auth.DefaultAuditRetention,
		LogLevel:        slog.LevelInfo,
		LogFormat:       "text",
		Pages:           "debugger,demo",
		ShutdownTimeout: server.DefaultShutdownTimeout,
	}
}

var serveEnv = map[string]string{
	"addr":                      "WARD_ADDR",
	"issuer":                    "WARD_ISSUER",
	"audience":                  "WARD_AUDIENCE",
	"access-ttl":                "WARD_ACCESS_TTL",
	"refresh-grace":             "WARD_REFRESH_GRACE",
	"jwks-cache-ttl":            "WARD_JWKS_CACHE_TTL",
	"signing-alg":               "WARD_SIGNING_ALG",
	"tls-cert":                  "WARD_TLS_CERT",
	"tls-key":                   "WARD_TLS_KEY",
	"trusted-proxy":             "WARD_TRUSTED_PROXY",
	"enable-password-grant":     "WARD_ENABLE_PASSWORD_GRANT",
	"cors-origin":               "WARD_CORS_ORIGIN",
	"hsts":                      "WARD_HSTS",
	"insecure-loopback-cookies": "WARD_INSECURE_LOOPBACK_COOKIES",
	"limits":                    "WARD_LIMITS",
	"max-revocation-staleness":  "WARD_MAX_REVOCATION_STALENESS",
	"audit-retention":           "WARD_AUDIT_RETENTION",
	"metrics-addr":              "WARD_METRICS_ADDR",
	"no-metrics":                "WARD_NO_METRICS",
	"pages":                     "WARD_PAGES",
	"sync-interval":             "WARD_SYNC_INTERVAL",
	"redis":                     "WARD_REDIS",
	"redis-prefix":              "WARD_REDIS_PREFIX",
	"feed-heartbeat":            "WARD_FEED_HEARTBEAT",
	"log-level":                 "WARD_LOG_LEVEL",
	"log-format":                "WARD_LOG_FORMAT",
}

// parseServeFlags returns the configuration that args and the environment
// (read with getenv) give, or an exit status when the command must stop.
func parseServeFlags(e *env, args []string, getenv func(string) string) (serveConfig, int) {
	cfg := newServeConfig()
	fs := newFlagSet("serve")
	cfg.stateOptions.register(fs)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "")
	fs.StringVar(&cfg.Issuer, "issuer", "", "")
	var audience, proxies, origins stringList
	fs.Var(&audience, "audience", "")
	fs.DurationVar(&cfg.AccessTTL, "access-ttl", cfg.AccessTTL, "")
	fs.DurationVar(&cfg.RefreshGrace, "refresh-grace", cfg.RefreshGrace, "")
	fs.DurationVar(&cfg.JWKSCacheTTL, "jwks-cache-ttl", cfg.JWKSCacheTTL, "")
	alg := fs.String("signing-alg", string(cfg.SigningAlg), "")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "")
	fs.Var(&proxies, "trusted-proxy", "")
	fs.BoolVar(&cfg.EnablePasswordGrant, "enable-password-grant", false, "")
	fs.Var(&origins, "cors-origin", "")
	fs.BoolVar(&cfg.HSTS, "hsts", false, "")
	fs.BoolVar(&cfg.InsecureLoopbackCookies, "insecure-loopback-cookies", false, "")
	fs.Var(limitsFlag{&cfg.Limits}, "limits", "")
	fs.DurationVar(&cfg.SyncInterval, "sync-interval", cfg.SyncInterval, "")
	fs.StringVar(&cfg.Redis, "redis", "", "")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", "", "")
	fs.DurationVar(&cfg.FeedHeartbeat, "feed-heartbeat", cfg.FeedHeartbeat, "")
	fs.DurationVar(&cfg.MaxRevocationStaleness, "max-revocation-staleness", 0, "")
	fs.Var((*daysDuration)(&cfg.AuditRetention), "audit-retention", "")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "")
	fs.BoolVar(&cfg.NoMetrics, "no-metrics", false, "")
	fs.StringVar(&cfg.Pages, "pages", cfg.Pages, "")
	level := fs.String("log-level", "info", "")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "")
	pos, code := parseFlags(e, fs, args, serveUsage)
	if code >= 0 {
		return cfg, code
	}
	if len(pos) != 0 {
		return cfg, usageError(e, "serve", "serve takes no arguments, only flags")
	}
	if u, err := url.Parse(cfg.Redis); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return cfg, usageError(e, "serve", "--redis holds a password, which other users can read in the process list: give the URL in WARD_REDIS")
		}
	}
	if err := applyEnv(fs, getenv, serveEnv); err != nil {
		return cfg, e.fail("serve", err)
	}
	if err := cfg.stateOptions.resolve(fs, getenv); err != nil {
		return cfg, e.fail("serve", err)
	}
	for _, a := range audience {
		for _, s := range strings.Split(a, ",") {
			if s = strings.TrimSpace(s); s != "" {
				cfg.Audience = append(cfg.Audience, s)
			}
		}
	}
	for _, p := range proxies {
		for _, s := range strings.Split(p, ",") {
			prefix, err := parsePrefix(strings.TrimSpace(s))
			if err != nil {
				return cfg, usageError(e, "serve", "--trusted-proxy %q is neither an address nor a CIDR prefix", s)
			}
			cfg.TrustedProxies = append(cfg.TrustedProxies, prefix)
		}
	}
	var err error
	if cfg.CORSOrigins, err = parseOrigins("cors-origin", origins); err != nil {
		return cfg, e.fail("serve", err)
	}
	a, err := parseAlg(*alg)
	if err != nil {
		return cfg, e.fail("serve", err)
	}
	cfg.SigningAlg = a
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, usageError(e, "serve", "--log-level %q: use debug, info, warn or error", *level)
	}
	if err := cfg.check(); err != nil {
		return cfg, e.fail("serve", err)
	}
	return cfg, -1
}

// parseOrigins returns the origins of a repeatable flag (each value a
// comma-separated list) as browsers send them in Origin: scheme://host,
// in lower case.
func parseOrigins(flagName string, lists stringList) ([]string, error) {
	var out []string
	for _, o := range lists {
		for _, s := range strings.Split(o, ",") {
			s = strings.TrimSpace(s)
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
				return nil, usagef(nil, "--%s %q is not an origin such as https://app.example.com", flagName, s)
			}
			out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
		}
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	return p.Masked(), err
}

// daysDuration is a [time.Duration] flag that also takes whole days, as
// in 90d.
type daysDuration time.Duration

func (d *daysDuration) String() string { return time.Duration(*d).String() }

func (d *daysDuration) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseUint(n, 10, 16)
		if err != nil {
			return errors.New("not a number of days")
		}
		*d = daysDuration(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (as in 2160h) or a number of days (as in 90d)")
	}
	*d = daysDuration(v)
	return nil
}

// check validates the values that need no file or network.
func (c *serveConfig) check() error {
	switch {
	case c.AccessTTL < auth.MinAccessTTL || c.AccessTTL > auth.MaxAccessTTL:
		return usagef(nil, "--access-ttl %v is not within %v to %v", c.AccessTTL, auth.MinAccessTTL, auth.MaxAccessTTL)
	case c.RefreshGrace < 0 || c.RefreshGrace > auth.MaxRefreshGrace:
		return usagef(nil, "--refresh-grace %v is not within 0s to %v", c.RefreshGrace, auth.MaxRefreshGrace)
	case c.JWKSCacheTTL < time.Second:
		return usagef(nil, "--jwks-cache-ttl %v is shorter than 1s", c.JWKSCacheTTL)
	case c.SigningAlg.KeyType() == jwk.KeyTypeOct:
		return usagef([]string{"access tokens are verified by other services with the public JWKS: use ES256, EdDSA, RS256 or PS256"},
			"--signing-alg %s is a shared-secret algorithm", c.SigningAlg)
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return usagef(nil, "--tls-cert and --tls-key go together")
	case c.FeedHeartbeat < 100*time.Millisecond:
		return usagef(nil, "--feed-heartbeat %v is shorter than 100ms", c.FeedHeartbeat)
	case c.SyncInterval < 0:
		return usagef(nil, "--sync-interval is negative")
	case c.MaxRevocationStaleness < 0:
		return usagef(nil, "--max-revocation-staleness is negative")
	case c.MaxRevocationStaleness > 0 && (c.SyncInterval == 0 || c.SyncInterval >= c.MaxRevocationStaleness):
		return usagef([]string{"the revocation list is reloaded every --sync-interval: make it shorter, as in --sync-interval 5s --max-revocation-staleness 30s"},
			"--max-revocation-staleness %v is not longer than --sync-interval %v", c.MaxRevocationStaleness, c.SyncInterval)
	case c.AuditRetention < 0:
		return usagef(nil, "--audit-retention is negative")
	case c.NoMetrics && c.MetricsAddr != "":
		return usagef(nil, "--metrics-addr and --no-metrics contradict each other")
	}
	if _, err := servePages(c.Pages); err != nil {
		return err
	}
	switch {
	case c.LogFormat != "text" && c.LogFormat != "json":
		return usagef(nil, "--log-format %q: use text or json", c.LogFormat)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		msg := err.Error()
		var ae *net.AddrError
		if errors.As(err, &ae) {
			msg = ae.Err
		}
		return usagef([]string{"use HOST:PORT, as in 127.0.0.1:8080"}, "--addr %q: %s", c.Addr, msg)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return usagef([]string{"use HOST:PORT, as in 127.0.0.1:9090"}, "--metrics-addr %q is not HOST:PORT", c.MetricsAddr)
		}
	}
	if c.Issuer != "" && !strings.HasPrefix(c.Issuer, "https://") && !strings.HasPrefix(c.Issuer, "http://") {
		return usagef(nil, "--issuer %q is not an http(s) URL", c.Issuer)
	}
	if !isLoopbackAddr(c.Addr) && c.Issuer == "" {
		return usagef([]string{"give the URL clients reach the server at, as in --issuer https://auth.example.com"},
			"--issuer is required when --addr %s is not a loopback address", c.Addr)
	}
	return nil
}

// isLoopbackAddr reports whether addr (HOST:PORT) listens on loopback
// only. An empty host (":8080") listens on every interface.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopback(host)
}

func runServe(e *env, args []string) int {
	cfg, code := parseServeFlags(e, args, os.Getenv)
	if code >= 0 {
		return code
	}
	m := &Main{Config: cfg}
	return runUntilSignal(e, "serve", m, func() (<-chan error, *slog.Logger) { return m.ServeErr, m.log })
}

// runner is a long-running command: [Main] (ward serve) or
// [forwardAuthMain].
type runner interface {
	Run(ctx context.Context, e *env) error
	Close() error
}

// runUntilSignal runs r until SIGINT or SIGTERM, or until serving fails,
// then closes it; started returns, once Run has returned, the channel of
// serving errors and the logger. It returns the exit status of cmd.
func runUntilSignal(e *env, cmd string, r runner, started func() (<-chan error, *slog.Logger)) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := r.Run(ctx, e); err != nil {
		return e.fail(cmd, err)
	}
	serveErr, log := started()
	var err error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-serveErr:
		log.Error("serving failed", slog.String("error", err.Error()))
	}
	stop()
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return e.fail(cmd, failf("%v", err))
	}
	log.Info("stopped")
	return exitOK
}

// Main is a running ward serve: [Main.Run] opens the store, builds the
// service, listens and hands the listeners to [server.Server.Serve], the
// server's one lifecycle (serving, background loops, graceful shutdown);
// [Main.Close] ends it and closes the store. Tests build a Main from a
// hand-made [serveConfig] with the address 127.0.0.1:0.
type Main struct {
	Config  serveConfig
	Store   auth.Store
	Redis   *redis.Client // nil without --redis
	Service *auth.Service
	Server  *server.Server
	// URL is the base URL the server answers at, once Run has returned;
	// MetricsURL the metrics' base URL with --metrics-addr ("" without).
	URL, MetricsURL string
	// ServeErr receives the error if serving fails after Run returned.
	ServeErr chan error

	log      *slog.Logger
	lns      server.Listeners
	stop     context.CancelFunc
	done     chan struct{}
	closeErr error // Serve's error after stop; read after done
}

// Run opens the state, starts listening and serving, and returns once the
// server accepts connections. ctx bounds the start-up only. Errors are
// [cmdError]s: usage errors for a configuration that cannot be served.
func (m *Main) Run(ctx context.Context, e *env) (err error) {
	cfg := &m.Config
	if err := cfg.check(); err != nil {
		return err
	}
	m.log = newLogger(e, cfg.LogLevel, cfg.LogFormat)
	loopback := isLoopbackAddr(cfg.Addr)
	if !loopback && cfg.KEKFile == "" && cfg.KEK == "" {
		return refuseDataDirKEK(cfg, filepath.Join(cfg.DataDir, "kek"))
	}
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return failf("loading the TLS certificate: %v", err)
		}
		// HTTP/1.1 only: server.NewListener rewrites net/http's own
		// plain-text errors as JSON, which it cannot do inside HTTP/2.
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	kek, src, err := cfg.loadKEK(e, true)
	if err != nil {
		return withKEKHint(err)
	}
	if !loopback && src.InDataDir {
		return refuseDataDirKEK(cfg, src.Path)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return failf("creating the data directory: %v", err)
	}
	defer func() {
		if err != nil {
			m.closeAll()
		}
	}()
	if m.Store, err = openStore(cfg.dsn()); err != nil {
		return err
	}
	if m.lns.API, err = net.Listen("tcp", cfg.Addr); err != nil {
		return failf("%v", err)
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	m.URL = baseURL(scheme, cfg.Addr, m.lns.API.Addr())
	if cfg.MetricsAddr != "" {
		if m.lns.Metrics, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return failf("--metrics-addr: %v", err)
		}
		m.MetricsURL = baseURL("http", cfg.MetricsAddr, m.lns.Metrics.Addr())
	}
	issuer := cfg.Issuer
	if issuer == "" {
		issuer = m.URL
	}

	var metrics *server.Metrics
	acfg := auth.Config{
		Issuer:                 issuer,
		Audience:               cfg.Audience,
		AccessTTL:              cfg.AccessTTL,
		RefreshGrace:           cfg.RefreshGrace,
		RefreshGraceOff:        cfg.RefreshGrace == 0,
		JWKSCacheTTL:           cfg.JWKSCacheTTL,
		SigningAlg:             cfg.SigningAlg,
		Limits:                 cfg.Limits,
		MaxRevocationStaleness: cfg.MaxRevocationStaleness,
		AuditRetention:         cfg.AuditRetention,
		Logger:                 m.log,
	}
	if cfg.AuditRetention == 0 {
		acfg.AuditRetention = -1 // forever
	}
	if cfg.Redis != "" {
		if err := m.openRedis(ctx, kek, &acfg); err != nil {
			return err
		}
	}
	if !cfg.NoMetrics {
		metrics = server.NewMetrics()
		acfg.Observer = metrics
	}
	if m.Service, err = auth.NewService(ctx, m.Store, kek, acfg); err != nil {
		return withKEKHint(failf("%s", serviceMessage(err)))
	}
	pages, err := servePages(cfg.Pages)
	if err != nil {
		return err
	}
	m.Server = server.New(m.Service, server.Config{
		EnablePasswordGrant:     cfg.EnablePasswordGrant,
		TrustedProxies:          cfg.TrustedProxies,
		CORSOrigins:             cfg.CORSOrigins,
		HSTS:                    cfg.HSTS,
		InsecureLoopbackCookies: cfg.InsecureLoopbackCookies,
		TLS:                     tlsConfig,
		Logger:                  m.log,
		SyncInterval:            cfg.SyncInterval,
		FeedHeartbeat:           cfg.FeedHeartbeat,
		ShutdownTimeout:         cfg.ShutdownTimeout,
		Metrics:                 metrics,
		DisableMetrics:          cfg.NoMetrics,
		SeparateMetrics:         cfg.MetricsAddr != "",
		Pages:                   pages,
	})

	serveCtx, stop := context.WithCancel(context.Background())
	m.stop, m.done, m.ServeErr = stop, make(chan struct{}), make(chan error, 1)
	go func() {
		defer close(m.done)
		err := m.Server.Serve(serveCtx, m.lns)
		if serveCtx.Err() == nil {
			m.ServeErr <- err
		} else {
			m.closeErr = err
		}
	}()

	attrs := []any{slog.String("url", m.URL), slog.String("issuer", issuer),
		slog.String("data_dir", cfg.DataDir), slog.String("db", redactDSN(cfg.dsn())), slog.String("signing_kid", m.Service.ActiveKeyID())}
	if cfg.Redis != "" {
		attrs = append(attrs, slog.String("redis", redactDSN(cfg.Redis)))
	}
	if m.MetricsURL != "" {
		attrs = append(attrs, slog.String("metrics_url", m.MetricsURL+"/metrics"))
	}
	m.log.Info("listening", attrs...)
	m.announce(ctx, e, src, issuer, loopback)
	return nil
}

// baseURL returns the URL of a listener on addr (as configured: an empty
// host listens everywhere) that was given the address bound.
func baseURL(scheme, addr string, bound net.Addr) string {
	host, _, _ := net.SplitHostPort(addr)
	_, port, _ := net.SplitHostPort(bound.String())
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// announce tells the operator, on standard error, where the server is and
// what to do next.
func (m *Main) announce(ctx context.Context, e *env, src kekSource, issuer string, loopback bool) {
	cfg := &m.Config
	fmt.Fprintf(e.stderr, "ward: listening on %s\n", m.URL)
	fmt.Fprintf(e.stderr, "ward: issuer %s\n", issuer)
	if m.MetricsURL != "" {
		fmt.Fprintf(e.stderr, "ward: metrics on %s/metrics\n", m.MetricsURL)
	}
	fmt.Fprintf(e.stderr, "ward: data directory %s (database %s)\n", cfg.DataDir, redactDSN(cfg.dsn()))
	if src.InDataDir {
		what := "using the key-encryption key"
		if src.Generated {
			what = "generated a key-encryption key"
		}
		fmt.Fprintf(e.stderr, "ward: %s in %s: it decrypts the signing keys; keep it, and back it up apart from the database\n", what, src.Path)
		e.hintf("a key in the data directory is for loopback only: any other --addr needs your own key (--kek-file FILE outside %s, or WARD_KEK; \"ward keys new-kek FILE\" makes one)", cfg.DataDir)
	}
	if !loopback && cfg.TLSCert == "" {
		e.warnf("serving plain HTTP on %s: put a TLS-terminating proxy in front, or give --tls-cert and --tls-key", cfg.Addr)
	}
	if users, err := m.Service.ListUsers(ctx, "", 1); err == nil && len(users) == 0 {
		e.hintf("no users yet: sign up through POST %s/v1/auth/signup, or create one with: ward user add --data-dir %s EMAIL", m.URL, shellQuote(cfg.DataDir))
	}
}

func refuseDataDirKEK(cfg *serveConfig, path string) error {
	return usagef([]string{
		"a key beside the database protects nothing once the server is reachable from other machines",
		"give your own key: --kek-file FILE (outside " + cfg.DataDir + ") or WARD_KEK; \"ward keys new-kek FILE\" makes one",
		"or listen on loopback only, as in --addr 127.0.0.1:8080",
	}, "refusing to listen on %s with the key-encryption key in the data directory (%s)", cfg.Addr, path)
}

// Close stops the server gracefully: no new connections, requests in
// flight finish (up to Config.ShutdownTimeout), the background loops stop
// and the store closes.
func (m *Main) Close() error {
	var err error
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
		err = m.closeErr
	}
	return errors.Join(err, m.closeAll())
}

// closeAll closes what Run opened before serving started (Serve closes
// the listeners once it runs) and the store.
func (m *Main) closeAll() error {
	if m.done == nil {
		for _, ln := range []net.Listener{m.lns.API, m.lns.Metrics} {
			if ln != nil {
				ln.Close()
			}
		}
	}
	var err error
	if m.Redis != nil {
		err = m.Redis.Close()
		m.Redis = nil
	}
	if m.Store != nil {
		err = errors.Join(err, m.Store.Close())
		m.Store = nil
	}
	return err
}

// openRedis connects to --redis and gives the service its revocation bus
// (messages authenticated under a key derived from kek, which every
// instance holds) and its shared limiter. A Redis that does not answer
// yet is no error: the service starts degraded and recovers on its own.
func (m *Main) openRedis(ctx context.Context, kek []byte, acfg *auth.Config) error {
	c, err := redis.Open(ctx, m.Config.Redis, redis.Options{Prefix: m.Config.RedisPrefix, Logger: m.log})
	if err != nil {
		return usagef([]string{"use redis://HOST:PORT/DB or rediss://HOST:PORT/DB"}, "--redis: %v", err)
	}
	m.Redis = c
	// go-redis has one logger per process; what it says (each failed
	// dial while Redis is down) goes to the debug level, since the client
	// logs its transitions to and from the fallback once each.
	goredis.SetLogger(redisLog{m.log})
	bus, err := c.Bus(redis.BusKey(kek))
	if err != nil {
		return failf("%v", err)
	}
	acfg.RevocationBus = bus
	acfg.Limiter = c.Limiter(redis.LimiterOptions{})
	return nil
}

// openStore opens the store a DSN names (--db, WARD_DB). This switch is the
// one place that picks a store implementation, for ward serve and the
// admin commands alike.
func openStore(dsn string) (auth.Store, error) {
	scheme, rest, ok := strings.Cut(dsn, ":")
	if !ok {
		return nil, usagef([]string{"use sqlite:PATH or postgres://…"}, "--db has no scheme")
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		if rest == "" || strings.HasPrefix(rest, "//") {
			return nil, usagef([]string{"use sqlite:PATH, as in sqlite:/var/lib/ward/ward.db"}, "--db %q does not name a file", dsn)
		}
		db, err := sqlite.Open(rest)
		if err != nil {
			return nil, failf("opening the database: %v", err)
		}
		return db, nil
	case "postgres", "postgresql":
		// Never echo the DSN: it may hold a password (postgres.Open's
		// errors do not hold it either).
		if !strings.HasPrefix(rest, "//") {
			return nil, usagef([]string{"use a URL, as in postgres://ward@db.example/ward"}, "--db: a PostgreSQL store is named by a postgres:// URL")
		}
		// The connection and the migrations at start, bounded.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, failf("opening the database: %s", strings.TrimPrefix(err.Error(), "postgres: "))
		}
		return db, nil
	}
	return nil, usagef([]string{"use sqlite:PATH or postgres://…"}, "--db: unknown store %q", scheme)
}

// redisLog is go-redis's logger, at the debug level of ward's.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.Log(ctx, slog.LevelDebug, fmt.Sprintf(format, v...), slog.String("from", "go-redis"))
}

func newLogger(e *env, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// redactDSN returns a DSN without its password, for logs.
func redactDSN(dsn string) string {
	scheme, rest, _ := strings.Cut(dsn, ":")
	if strings.EqualFold(scheme, "sqlite") {
		return dsn
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		return scheme + "://…@" + rest[at+1:]
	}
	return dsn
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// servePages returns the handlers of the web pages that --pages names:
// "debugger", "demo", both comma-separated, or "none".
func servePages(list string) (map[string]http.Handler, error) {
	pages := make(map[string]http.Handler)
	if strings.TrimSpace(list) == "none" {
		return pages, nil
	}
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "debugger":
			pages[web.DebuggerPath] = web.Debugger()
		case "demo":
			pages[demo.Path] = demo.Handler()
		default:
			return nil, usagef([]string{"use --pages debugger,demo, --pages debugger, --pages demo or --pages none"}, "--pages: unknown page %q", name)
		}
	}
	return pages, nil
}
