package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/httpauth"
)

// forwardAuthMain is a running ward forward-auth: [forwardAuthMain.Run]
// listens, starts the remote key set and the revocation feed and serves
// the checks; [forwardAuthMain.Close] stops it. Tests build one from a
// hand-made [forwardAuthConfig] with the address 127.0.0.1:0.
type forwardAuthMain struct {
	Config forwardAuthConfig
	// URL is the base URL of the checks once Run has returned; HealthURL
	// that of /healthz and /readyz ("" without --health-addr).
	URL, HealthURL string
	// ServeErr receives the error if serving fails after Run returned.
	ServeErr chan error

	log      *slog.Logger
	auth     *httpauth.Authenticator
	feed     *httpauth.Feed // nil with InsecureSkipRevocationCheck
	stop     context.CancelFunc
	wg       sync.WaitGroup
	servers  []*http.Server
	closeErr error
}

// Run listens, starts the background work (JWKS refreshes, the feed) and
// serves; it returns once the listeners accept connections. ctx bounds the
// start-up only.
func (m *forwardAuthMain) Run(ctx context.Context, e *env) (err error) {
	cfg := &m.Config
	m.log = newLogger(e, cfg.LogLevel, cfg.LogFormat)
	var lns []net.Listener
	defer func() {
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			if m.stop != nil {
				m.stop()
				m.wg.Wait()
			}
		}
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return failf("%v", err)
	}
	lns = append(lns, ln)
	m.URL = baseURL("http", cfg.Addr, ln.Addr())
	var healthLn net.Listener
	if cfg.HealthAddr != "" {
		if healthLn, err = net.Listen("tcp", cfg.HealthAddr); err != nil {
			return failf("--health-addr: %v", err)
		}
		lns = append(lns, healthLn)
		m.HealthURL = baseURL("http", cfg.HealthAddr, healthLn.Addr())
	}

	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	keys, err := httpauth.NewRemoteKeySet(bg, httpauth.RemoteKeySetConfig{Issuer: cfg.Issuer, Logger: m.log})
	if err != nil {
		return failf("the issuer's keys: %v", err)
	}
	acfg := httpauth.Config{
		Issuer:                      cfg.Issuer,
		Audience:                    cfg.Audience,
		Algorithms:                  cfg.Algorithms,
		Keys:                        keys,
		InsecureSkipRevocationCheck: cfg.InsecureSkipRevocationCheck,
		CacheSize:                   cfg.Cache,
	}
	if cfg.Cookie {
		acfg.Cookie = &httpauth.CookieConfig{AllowedOrigins: cfg.CookieOrigins}
	}
	if !cfg.InsecureSkipRevocationCheck {
		m.feed, err = httpauth.NewFeed(httpauth.FeedConfig{
			Issuer:          cfg.Issuer,
			ClientID:        cfg.ClientID,
			ClientSecret:    cfg.ClientSecret,
			MaxStaleness:    cfg.MaxStaleness,
			RefuseWhenStale: cfg.RefuseWhenStale,
			Logger:          m.log,
		})
		if err != nil {
			return failf("the revocation feed: %v", err)
		}
		acfg.Revocations = m.feed
		m.wg.Go(func() {
			if err := m.feed.Run(bg); err != nil && bg.Err() == nil {
				m.log.Error("the revocation feed stopped", slog.String("error", err.Error()))
			}
		})
	}
	if m.auth, err = httpauth.New(acfg); err != nil {
		return failf("%v", err)
	}

	m.ServeErr = make(chan error, len(lns))
	serve := func(ln net.Listener, h http.Handler) {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
			ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)}
		m.servers = append(m.servers, srv)
		m.wg.Go(func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				m.ServeErr <- err
			}
		})
	}
	serve(ln, &forwardAuthHandler{auth: m.auth})
	if healthLn != nil {
		serve(healthLn, m.healthHandler())
	}
	attrs := []any{slog.String("url", m.URL), slog.String("issuer", cfg.Issuer), slog.String("audience", cfg.Audience)}
	if m.HealthURL != "" {
		attrs = append(attrs, slog.String("health_url", m.HealthURL))
	}
	m.log.Info("listening", attrs...)
	announceForwardAuth(e, m)
	return nil
}

// Close stops serving (requests in flight finish, up to
// Config.ShutdownTimeout) and the background work.
func (m *forwardAuthMain) Close() error {
	if m.stop == nil {
		return m.closeErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range m.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	m.stop()
	m.wg.Wait()
	m.stop = nil
	m.closeErr = errors.Join(errs...)
	return m.closeErr
}

// The headers of an accepted check.
const (
	headerSubject = "X-Ward-Subject"
	headerScope   = "X-Ward-Scope"
	headerRoles   = "X-Ward-Roles"
	headerSession = "X-Ward-Session"
	headerClient  = "X-Ward-Client"
)

// forwardAuthHandler answers every check: 200 with the identity headers,
// or the answer of [httpauth.Authenticator.WriteError].
type forwardAuthHandler struct {
	auth *httpauth.Authenticator
}

func (h *forwardAuthHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	scopes, roles, ok := requirements(r)
	if !ok {
		http.Error(w, "ward forward-auth: ward_scope and ward_role take at most 32 names each, of letters, digits and _-.:", http.StatusBadRequest)
		return
	}
	var next http.Handler = http.HandlerFunc(allowCheck)
	if len(roles) > 0 {
		next = httpauth.RequireRole(roles...)(next)
	}
	if len(scopes) > 0 {
		next = httpauth.RequireScope(scopes...)(next)
	}
	h.auth.Middleware(next).ServeHTTP(w, checkedRequest(r))
}

// allowCheck answers an accepted check with the identity of its token.
func allowCheck(w http.ResponseWriter, r *http.Request) {
	c, _ := httpauth.ClaimsFrom(r.Context())
	hd := w.Header()
	hd.Set(headerSubject, c.Subject)
	hd.Set(headerScope, c.Scope)
	hd.Set(headerRoles, strings.Join(c.Roles, " "))
	hd.Set(headerSession, c.SessionID)
	hd.Set(headerClient, c.ClientID)
	w.WriteHeader(http.StatusOK)
}

// requirements returns the scopes and roles that the check URL requires
// (ward_scope, ward_role: repeatable, each value a space- or
// comma-separated list); ok is false for names that are not Ward's scopes
// and roles ([auth.NormalizeRoles]: 1 to 64 letters, digits and "_-.:",
// at most 32 of each), which RequireScope and RequireRole would refuse.
func requirements(r *http.Request) (scopes, roles []string, ok bool) {
	q := r.URL.Query()
	names := func(vals []string) ([]string, error) {
		var out []string
		for _, v := range vals {
			out = append(out, strings.FieldsFunc(v, func(c rune) bool { return c == ' ' || c == ',' })...)
		}
		if len(out) == 0 {
			return nil, nil
		}
		return auth.NormalizeRoles(out)
	}
	scopes, err1 := names(q["ward_scope"])
	roles, err2 := names(q["ward_role"])
	if err1 != nil || err2 != nil {
		return nil, nil, false
	}
	return scopes, roles, true
}

// checkedRequest returns r as the request being checked: with the method
// that the proxy reports (X-Forwarded-Method from Traefik,
// X-Original-Method from nginx), which the cookie CSRF rule depends on;
// Envoy sends the request's own method. A client may send these headers
// itself through a proxy that does not overwrite them, so a
// state-changing method among them wins: a forged header can make a
// request look unsafe, never safe.
func checkedRequest(r *http.Request) *http.Request {
	m := ""
	for _, v := range []string{r.Header.Get("X-Forwarded-Method"), r.Header.Get("X-Original-Method"), r.Method} {
		if v == "" {
			continue
		}
		if m == "" || !isSafeMethod(v) {
			m = v
		}
		if !isSafeMethod(v) {
			break
		}
	}
	if m == r.Method {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.Method = m
	return r2
}

// isSafeMethod reports whether method changes no state ([RFC 9110,
// Section 9.2.1]), as the CSRF rule of httpauth counts it.
//
// [RFC 9110, Section 9.2.1]: https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
func isSafeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// healthHandler serves /healthz (the process is alive) and /readyz (the
// revocation replica is loaded and fresh).
func (m *forwardAuthMain) healthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeHealth(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if m.feed == nil {
			writeHealth(w, http.StatusOK, map[string]any{"status": "ready", "revocations": "not checked (--insecure-skip-revocation-check)"})
			return
		}
		st := m.feed.Status()
		body := map[string]any{"status": "ready", "seq": st.Seq, "revocations": st.Len}
		if !st.LoadedAt.IsZero() {
			body["loaded_at"] = st.LoadedAt.UTC()
		}
		if !st.LastEvent.IsZero() {
			body["last_event"] = st.LastEvent.UTC()
		}
		code := http.StatusOK
		switch {
		case !st.Ready:
			body["status"], code = "the revocation replica has not loaded yet", http.StatusServiceUnavailable
		case st.Stale:
			body["status"], code = "the revocation replica is stale", http.StatusServiceUnavailable
		}
		writeHealth(w, code, body)
	})
	return mux
}

func writeHealth(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
