package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/httpauth"
)

// Defaults of [Config].
const (
	DefaultMaxJSONBody      = 16 << 10 // 16 KiB
	DefaultMaxFormBody      = 8 << 10  // 8 KiB
	DefaultKeyCheckInterval = auth.KeyPropagation / 2
	DefaultCleanupInterval  = time.Hour
	DefaultShutdownTimeout  = 10 * time.Second
	DefaultMaxHeaderBytes   = 16 << 10 // 16 KiB
)

// Config configures a [Server]. Every zero value selects the documented
// default, which is the safe choice.
type Config struct {
	// EnablePasswordGrant turns on the OAuth password grant ([RFC 6749,
	// Section 4.3]) at /oauth2/token, for legacy clients only ([RFC 9700,
	// Section 2.4]). It runs through [auth.Service.PasswordGrant], with the
	// same limits, timing and audit as login. False (the default): the
	// grant answers unsupported_grant_type and is not advertised.
	//
	// [RFC 6749, Section 4.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.3
	// [RFC 9700, Section 2.4]: https://www.rfc-editor.org/rfc/rfc9700#section-2.4
	EnablePasswordGrant bool

	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For header is believed. A request whose direct peer is
	// in one of them gets as client address the right-most address of
	// X-Forwarded-For that is not itself a trusted proxy. Empty (the
	// default): X-Forwarded-For is ignored and the client address is the
	// peer's.
	TrustedProxies []netip.Prefix

	// Metrics records the Prometheus metrics ([Metrics] lists them) and
	// is served at GET /metrics. Nil: the service's
	// [auth.Config.Observer] if it is a [*Metrics] (so that one Metrics
	// sees both the HTTP traffic and what only the service knows), else a
	// new [NewMetrics], which then counts no logins, refreshes,
	// revocations, hashing waits or store errors.
	Metrics *Metrics
	// DisableMetrics turns the metrics off: nothing is recorded and GET
	// /metrics is not served. False (the default): metrics on. They
	// reveal traffic volumes: on a public address, serve them on a
	// listener of their own ([SeparateMetrics]) that only the scraper
	// reaches.
	DisableMetrics bool
	// SeparateMetrics keeps GET /metrics off the API: it is served only on
	// [Listeners.Metrics] (or by [Server.MetricsHandler] wherever the
	// caller mounts it). False (the default): the API serves it.
	SeparateMetrics bool

	// CORSOrigins are the origins ("https://app.example", scheme, host
	// and port exactly as browsers send them in Origin) whose scripts may
	// call the app API under /v1/ with the Fetch API: their requests get
	// Access-Control-Allow-Origin and Access-Control-Allow-Credentials
	// (so that cookie mode works with credentials: "include"), and their
	// preflight requests are answered. They are also the origins besides
	// the server's own from which a cookie-authenticated request may
	// change state (see cookie mode in the package doc). No other origin
	// ever gets a CORS header. Empty (the default): CORS is off, and
	// browsers keep other origins out.
	CORSOrigins []string

	// InsecureLoopbackCookies relaxes cookie mode for development on
	// plain-HTTP loopback: a request that arrives without TLS from a
	// loopback peer for a loopback Host (localhost, 127.0.0.1, [::1])
	// gets cookies without Secure, and so without the __Host- and
	// __Secure- prefixes, which require Secure (named ward-access,
	// ward-refresh, ward-csrf); every other request still gets and reads
	// only the Secure, prefixed cookies. Chrome and Firefox accept Secure
	// cookies from http://localhost, so this is needed only for browsers
	// that do not (Safari) or for 127.0.0.1 in some. Never set it behind
	// a reverse proxy on the same host. False (the default): cookies are
	// always Secure and prefixed.
	InsecureLoopbackCookies bool

	// Pages are web pages served beside the API for GET and HEAD, each
	// at a path prefix ending in "/" (as "/demo/", the login demo of
	// package web/demo): the handler answers every path under it. The
	// API's headers are set first; a page sets its own
	// Content-Security-Policy (the API's lets a response load nothing).
	// Nil: no pages.
	Pages map[string]http.Handler

	// HSTS sends Strict-Transport-Security ([RFC 6797]) on every
	// response, for a server behind a TLS-terminating proxy. A request
	// that arrived over TLS (r.TLS set: [Config.TLS], or a caller's own
	// TLS listener that reports its state) gets it in any case. Browsers
	// ignore it on plain HTTP. The header is "max-age=63072000" (two
	// years), without includeSubDomains, which only the operator of the
	// whole domain can promise.
	//
	// [RFC 6797]: https://www.rfc-editor.org/rfc/rfc6797
	HSTS bool

	// TLS, if set, makes [Server.Run] serve HTTPS with this configuration
	// (HTTP/1.1; see [NewListener]). Nil: Run serves what its listener
	// gives.
	TLS *tls.Config

	// MaxHeaderBytes limits the request line and headers, in bytes; a
	// larger request is answered 431 headers_too_large in JSON.
	// [NewHTTPServer] sets net/http's own, harder limit a little above
	// the default. Zero: [DefaultMaxHeaderBytes].
	MaxHeaderBytes int

	// Logger receives one access log line per request and the details of
	// internal errors (never a header, body, token or password). Nil:
	// discard.
	Logger *slog.Logger

	// MaxJSONBody limits JSON request bodies, in bytes. Zero:
	// [DefaultMaxJSONBody].
	MaxJSONBody int64
	// MaxFormBody limits form-encoded request bodies (the OAuth
	// endpoints), in bytes. Zero: [DefaultMaxFormBody].
	MaxFormBody int64

	// KeyCheckInterval is how often [Server.RunBackground] calls
	// [auth.Service.MaybeRotateKeys], which also renews the service's
	// lease on the keyring ([auth.KeyPropagation]) before requests would
	// have to wait for it. Zero, or more than [DefaultKeyCheckInterval]
	// (half of auth.KeyPropagation): DefaultKeyCheckInterval.
	KeyCheckInterval time.Duration
	// CleanupInterval is how often [Server.RunBackground] calls
	// [auth.Service.Cleanup]. Zero: [DefaultCleanupInterval].
	CleanupInterval time.Duration
	// ShutdownTimeout is how long [Server.Serve] waits for requests in
	// flight when its context ends. Zero: [DefaultShutdownTimeout].
	ShutdownTimeout time.Duration
	// SyncInterval is how often [Server.RunBackground] calls
	// [auth.Service.Sync], to pick up revocations and keys written by
	// other instances sharing the store. Zero: a third of the service's
	// [auth.Config.MaxRevocationStaleness] if that is set (so that the
	// replica never goes stale while the store answers), else never (one
	// instance sees every revocation it makes).
	SyncInterval time.Duration

	// FeedMaxSubscribers bounds the revocation feed's concurrent streams;
	// more are answered 503. Zero: [DefaultFeedMaxSubscribers].
	FeedMaxSubscribers int
	// FeedMaxSnapshot bounds the revocations of one feed snapshot; a
	// larger one is answered 503 and logged. Zero:
	// [DefaultFeedMaxSnapshot].
	FeedMaxSnapshot int
	// FeedHeartbeat is how often an idle feed stream sends a comment, so
	// that clients detect a dead connection. Zero: [DefaultFeedHeartbeat].
	FeedHeartbeat time.Duration
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.MaxJSONBody <= 0 {
		c.MaxJSONBody = DefaultMaxJSONBody
	}
	if c.MaxFormBody <= 0 {
		c.MaxFormBody = DefaultMaxFormBody
	}
	if c.KeyCheckInterval <= 0 || c.KeyCheckInterval > DefaultKeyCheckInterval {
		c.KeyCheckInterval = DefaultKeyCheckInterval
	}
	if c.CleanupInterval <= 0 {
		c.CleanupInterval = DefaultCleanupInterval
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.FeedMaxSubscribers <= 0 {
		c.FeedMaxSubscribers = DefaultFeedMaxSubscribers
	}
	if c.FeedMaxSnapshot <= 0 {
		c.FeedMaxSnapshot = DefaultFeedMaxSnapshot
	}
	if c.FeedHeartbeat <= 0 {
		c.FeedHeartbeat = DefaultFeedHeartbeat
	}
	return c
}

// Server is the HTTP API of an [auth.Service]. It is an [http.Handler];
// [Server.Run] serves it on a listener together with the background loops.
type Server struct {
	svc     *auth.Service
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	metrics *Metrics // nil if Config.DisableMetrics
	feed    *feedHub

	metricsHandler http.Handler

	issuer      string
	jwksTTL     time.Duration
	appClientID string

	issuerOrigin string          // the issuer's scheme://host[:port]
	corsAllowed  map[string]bool // Config.CORSOrigins

	// authn and authnDev check access tokens (bearer.go): authnDev reads
	// the development cookie names of Config.InsecureLoopbackCookies.
	authn, authnDev *httpauth.Authenticator
}

// New returns the HTTP API of svc.
func New(svc *auth.Service, cfg Config) *Server {
	cfg = cfg.withDefaults()
	acfg := svc.Config()
	if cfg.SyncInterval <= 0 && acfg.MaxRevocationStaleness > 0 {
		cfg.SyncInterval = max(acfg.MaxRevocationStaleness/3, time.Second)
	}
	s := &Server{
		svc:         svc,
		cfg:         cfg,
		log:         cfg.Logger,
		mux:         http.NewServeMux(),
		issuer:      acfg.Issuer,
		jwksTTL:     acfg.JWKSCacheTTL,
		appClientID: acfg.AppClientID,

		issuerOrigin: originOf(acfg.Issuer),
		corsAllowed:  make(map[string]bool, len(cfg.CORSOrigins)),
		feed:         newFeedHub(cfg.FeedMaxSubscribers),
	}
	s.feed.raise(svc.Revocations().Seq())
	for _, o := range cfg.CORSOrigins {
		s.corsAllowed[strings.TrimSuffix(o, "/")] = true
	}
	s.authn, s.authnDev = s.newAuthenticator(secureCookies), s.newAuthenticator(devCookies)
	if !cfg.DisableMetrics {
		s.metrics = cfg.Metrics
		if s.metrics == nil {
			s.metrics, _ = acfg.Observer.(*Metrics)
		}
		if s.metrics == nil {
			s.metrics = NewMetrics()
		}
		s.metrics.svc.Store(svc)
		s.metrics.feed.Store(s.feed)
		s.metricsHandler = s.metrics.Handler()
	}
	s.routes()
	s.handler = s.logRequests(s.secureHeaders(s.recoverPanics(s.limitHeaders(s.cors(http.HandlerFunc(s.route))))))
	return s
}

// ServeHTTP implements [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := s.mux
	// OAuth 2.0 (DESIGN §4).
	m.HandleFunc("POST /oauth2/token", s.handleToken)
	m.HandleFunc("POST /oauth2/revoke", s.handleRevoke)
	m.HandleFunc("POST /oauth2/introspect", s.handleIntrospect)
	m.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
	m.HandleFunc("GET /.well-known/oauth-authorization-server", s.handleMetadata)

	// App API, body mode and cookie mode.
	m.HandleFunc("POST /v1/auth/signup", s.handleSignup)
	m.HandleFunc("GET /v1/auth/csrf", s.handleCSRF)
	m.HandleFunc("POST /v1/auth/login", s.handleLogin)
	m.HandleFunc("POST /v1/auth/refresh", s.handleRefresh)
	m.HandleFunc("POST /v1/auth/logout", s.handleLogout)
	m.HandleFunc("GET /v1/me", s.requireUser(s.handleMe))
	m.HandleFunc("POST /v1/me/password", s.requireUser(s.handlePassword))
	m.HandleFunc("GET /v1/me/sessions", s.requireUser(s.handleSessions))
	m.HandleFunc("DELETE /v1/me/sessions/{id}", s.requireUser(s.handleEndSession))

	// Revocation feed for resource servers (feed.go).
	m.HandleFunc("GET /v1/revocations", s.handleFeedSnapshot)
	m.HandleFunc("GET /v1/revocations/stream", s.handleFeedStream)

	// Admin API (admin.go).
	s.adminRoutes(m)

	// Web pages (Config.Pages).
	for prefix, h := range s.cfg.Pages {
		m.Handle("GET "+prefix, h)
	}

	// Operations.
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.HandleFunc("GET /readyz", s.handleReady)
	if s.metrics != nil && !s.cfg.SeparateMetrics {
		m.HandleFunc("GET /metrics", s.handleMetrics)
	}
}

// NewHTTPServer returns an [http.Server] for handler on addr with the
// timeouts Ward recommends: headers within 5 s, the whole request within
// 15 s, the response within 30 s (a login may wait for a hashing slot),
// idle keep-alive connections closed after 2 minutes, and headers of at
// most 64 KiB (net/http's hard limit; a [Server] answers more than
// [Config.MaxHeaderBytes] itself, in JSON).
func NewHTTPServer(handler http.Handler, addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    hardMaxHeaderBytes,
	}
}

// Listeners are what [Server.Serve] serves on. The caller listens (so
// that it knows the port chosen for :0 before serving) and hands the
// listeners over; Serve closes them.
type Listeners struct {
	// API serves the whole API (and GET /metrics, unless
	// [Config.SeparateMetrics]). Required. Serve wraps it in
	// [NewListener], so that even the errors net/http answers before any
	// handler runs are JSON, and serves HTTPS (HTTP/1.1) on it with
	// [Config.TLS]; so give a plain TCP listener. A listener from
	// [crypto/tls.NewListener] works too if its configuration offers no
	// "h2" in NextProtos.
	API net.Listener
	// Metrics, if set, serves GET /metrics (and nothing else) apart from
	// the API, as plain HTTP: give a loopback or private address.
	Metrics net.Listener
}

// Run serves s on ln: [Server.Serve] with Listeners{API: ln}.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	return s.Serve(ctx, Listeners{API: ln})
}

// Serve is the server's one lifecycle: it serves s on l.API (and the
// metrics on l.Metrics) with [NewHTTPServer]'s timeouts and runs
// [Server.RunBackground], until ctx ends; it then stops accepting
// connections, waits up to [Config.ShutdownTimeout] for requests in
// flight, stops the background loops, and returns nil (or the shutdown's
// error). It returns early with the error if serving fails. Serve does not
// close the service's store: the caller does once it returns.
func (s *Server) Serve(ctx context.Context, l Listeners) error {
	if l.API == nil {
		return errors.New("server: Serve: no API listener")
	}
	api := NewListener(l.API, s.cfg.TLS)
	servers := []*http.Server{s.httpServer(ctx, s, api)}
	lns := []net.Listener{api}
	if l.Metrics != nil {
		metricsOnly := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				s.MetricsHandler().ServeHTTP(w, r)
				return
			}
			s.writeError(w, r, auth.Errorf(auth.CodeNotFound, "No such endpoint."))
		})
		ml := NewListener(l.Metrics, nil)
		servers = append(servers, s.httpServer(ctx, metricsOnly, ml))
		lns = append(lns, ml)
	}

	bgCtx, stopBG := context.WithCancel(ctx)
	bgDone := make(chan struct{})
	go func() {
		defer close(bgDone)
		s.RunBackground(bgCtx)
	}()
	defer func() {
		stopBG()
		<-bgDone
	}()

	errc := make(chan error, len(servers))
	for i, hs := range servers {
		go func() { errc <- hs.Serve(lns[i]) }()
	}
	var err error
	pending := len(servers)
	select {
	case err = <-errc: // serving failed
		pending--
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		err = errors.Join(err, hs.Shutdown(sctx))
	}
	for range pending {
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	}
	return err
}

// httpServer returns the [http.Server] that serves h on ln.
func (s *Server) httpServer(ctx context.Context, h http.Handler, ln net.Listener) *http.Server {
	hs := NewHTTPServer(h, ln.Addr().String())
	hs.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	hs.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	hs.RegisterOnShutdown(s.feed.close) // streams never go idle by themselves
	return hs
}

// MetricsHandler returns the GET /metrics handler, to mount elsewhere
// (see [Config.SeparateMetrics]); with [Config.DisableMetrics], one that
// answers 404.
func (s *Server) MetricsHandler() http.Handler {
	if s.metrics == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, auth.Errorf(auth.CodeNotFound, "Metrics are off."))
		})
	}
	return s.metricsHandler
}

// Metrics returns the server's metrics, nil with [Config.DisableMetrics].
func (s *Server) Metrics() *Metrics { return s.metrics }

// RunBackground runs the service's periodic work until ctx ends:
// [auth.Service.MaybeRotateKeys] every [Config.KeyCheckInterval] (so
// that the keyring is read again well within [auth.KeyPropagation], with
// or without a bus),
// [auth.Service.Cleanup] every [Config.CleanupInterval] and, if
// [Config.SyncInterval] is set, [auth.Service.Sync]; and
// [auth.Service.Follow] throughout. Failures are logged
// and retried at the next tick. [Server.Run] calls it; callers that serve
// s themselves start it in a goroutine.
func (s *Server) RunBackground(ctx context.Context) {
	keys := time.NewTicker(s.cfg.KeyCheckInterval)
	defer keys.Stop()
	clean := time.NewTicker(s.cfg.CleanupInterval)
	defer clean.Stop()
	// Revocations and key changes other instances publish, if the
	// service's bus delivers them; the sync ticker stays the safety net.
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		s.svc.Follow(ctx)
	}()
	defer func() { <-followed }()
	var syncC <-chan time.Time
	if s.cfg.SyncInterval > 0 {
		t := time.NewTicker(s.cfg.SyncInterval)
		defer t.Stop()
		syncC = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-keys.C:
			if rotated, err := s.svc.MaybeRotateKeys(ctx); err != nil {
				s.backgroundError(ctx, "key rotation check", err)
			} else if rotated {
				s.log.LogAttrs(ctx, slog.LevelInfo, "signing key rotated", slog.String("kid", s.svc.ActiveKeyID()))
			}
		case <-clean.C:
			if st, err := s.svc.Cleanup(ctx); err != nil {
				s.backgroundError(ctx, "cleanup", err)
			} else {
				s.log.LogAttrs(ctx, slog.LevelInfo, "cleanup",
					slog.Int64("revocations", st.Revocations), slog.Int64("sessions", st.Sessions), slog.Int64("audit_events", st.AuditEvents))
			}
		case <-syncC:
			if err := s.svc.Sync(ctx); err != nil {
				s.backgroundError(ctx, "sync", err)
			}
		}
	}
}

func (s *Server) backgroundError(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	s.log.LogAttrs(ctx, slog.LevelError, what+" failed", slog.String("error", err.Error()))
}
