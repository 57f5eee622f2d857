package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wardauth/ward/auth"
)

// route dispatches r through the mux, answering unknown paths and methods
// with JSON errors instead of the mux's plain-text ones.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// Learn what the mux would answer (404, 405 with Allow, or a
	// redirect to a cleaned path) without letting it write.
	rec := &captureWriter{header: make(http.Header)}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		s.writeError(w, r, auth.Errorf(codeMethodNotAllowed, "Method %s is not allowed here.", r.Method))
		return
	}
	s.writeError(w, r, auth.Errorf(auth.CodeNotFound, "No such endpoint."))
}

// captureWriter records a status and headers and discards the body.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return len(b), nil
}

// secureHeaders sets the headers every API response carries: no MIME
// sniffing, no referrer, no framing, and a Content-Security-Policy that
// lets a response load nothing ([OWASP REST Security Cheat Sheet]); on a
// request over TLS, or with [Config.HSTS], Strict-Transport-Security; and
// under /v1/, where every response carries personal data, tokens or
// cookies (or an error about them), Cache-Control: no-store.
//
// [OWASP REST Security Cheat Sheet]: https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html#security-headers
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if r.TLS != nil || s.cfg.HSTS {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			noStore(w)
		}
		next.ServeHTTP(w, r)
	})
}

// hstsValue is the Strict-Transport-Security header: two years, as
// https://hstspreload.org asks, without includeSubDomains.
const hstsValue = "max-age=63072000"

// limitHeaders answers a request whose request line and headers are
// larger than [Config.MaxHeaderBytes] with 431 headers_too_large.
func (s *Server) limitHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len(r.Host) + 8
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		if n > s.cfg.MaxHeaderBytes {
			w.Header().Set("Connection", "close")
			s.writeError(w, r, auth.Errorf(codeHeadersTooLarge, "The request headers are larger than %d bytes.", s.cfg.MaxHeaderBytes))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cors implements CORS ([Fetch, Section 3.2]) for the app API and the
// origins in [Config.CORSOrigins]; with none configured it does nothing.
// Allowed origins may send credentials (cookie mode) and the CSRF header;
// other origins get no CORS header at all, and their preflights are not
// answered (405).
//
// [Fetch, Section 3.2]: https://fetch.spec.whatwg.org/#http-cors-protocol
func (s *Server) cors(next http.Handler) http.Handler {
	if len(s.corsAllowed) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || !s.corsAllowed[origin] {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, "+csrfHeader)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Retry-After, WWW-Authenticate")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics answers a panicking handler with 500 "Internal error" and
// logs the panic.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v", v)
			s.logInternal(r.Context(), r, err)
			if lw, ok := w.(*logWriter); !ok || !lw.wrote {
				s.writeError(w, r, err)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logWriter records the status and size of a response for the access log.
type logWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (l *logWriter) WriteHeader(status int) {
	if !l.wrote {
		l.status, l.wrote = status, true
	}
	l.ResponseWriter.WriteHeader(status)
}

func (l *logWriter) Write(b []byte) (int, error) {
	if !l.wrote {
		l.status, l.wrote = http.StatusOK, true
	}
	n, err := l.ResponseWriter.Write(b)
	l.bytes += int64(n)
	return n, err
}

func (l *logWriter) Unwrap() http.ResponseWriter { return l.ResponseWriter }

type ctxKey int

const clientIPKey ctxKey = 0

// logRequests works out the client address (see [Config.TrustedProxies]),
// stores it in the request's context, and writes one access log line per
// request: method, path (without the query), status, size, duration and
// client address. Headers, bodies and query strings are never logged: they
// may hold tokens and passwords.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ip := clientIP(r, s.cfg.TrustedProxies)
		r = r.WithContext(context.WithValue(r.Context(), clientIPKey, ip))
		lw := &logWriter{ResponseWriter: w}
		next.ServeHTTP(lw, r)
		status := lw.status
		if !lw.wrote {
			status = http.StatusOK
		}
		if s.metrics != nil {
			s.metrics.observe(s.routePattern(r), status, time.Since(start))
		}
		if !s.log.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", lw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", ip))
	})
}

// meta returns the audit metadata of r: its client address and user agent.
func meta(r *http.Request) auth.RequestMeta {
	ip, _ := r.Context().Value(clientIPKey).(string)
	return auth.RequestMeta{IP: ip, UserAgent: r.UserAgent()}
}
