package server

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wardauth/ward/auth"
)

// unmatchedRoute is the route label of requests that matched no route.
const unmatchedRoute = "unmatched"

// Buckets of the histograms, in seconds.
var (
	requestBuckets  = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	hashWaitBuckets = []float64{0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
)

// Metrics is the Prometheus instrumentation of a Ward server, on a
// registry of its own (never the global default one), exposed by
// [Metrics.Handler] in the Prometheus text format:
//
//	ward_http_requests_total{route,status}      counter: requests by mux pattern ("unmatched" for none), never the raw path
//	ward_http_request_duration_seconds{route}   histogram
//	ward_rate_limited_total{route}              counter: answers with the code rate_limited (429)
//	ward_logins_total{outcome}                  counter: logins and password grants, "success" or "failure"
//	ward_refreshes_total{outcome}               counter: refresh token exchanges, "success" or "failure"
//	ward_refresh_reuse_total                    counter: reuse detections (each ends a session)
//	ward_revocations_total{kind}                counter: "token", "session", "user", "key"
//	ward_password_hash_wait_seconds             histogram: waits for a hashing slot
//	ward_revocation_replica_entries             gauge: entries in the in-memory revocation replica
//	ward_revocation_replica_age_seconds         gauge: time since the replica was last loaded from the store
//	ward_store_errors_total                     counter: failed store calls
//	ward_feed_streams                           gauge: open revocation feed streams
//	ward_feed_events_total                      counter: revocation events written to streams
//	ward_feed_resyncs_total                     counter: streams answered with a resync
//	ward_feed_snapshots_total                   counter: snapshots served
//	ward_feed_store_reads_total{reader}         counter: reads of new revocations by the stream: "tail" (shared by all streams) or "stream" (one stream's own: its resume check, or catching up from behind the tail's window)
//
// and the Go runtime and process collectors (go_*, process_*).
//
// Metrics implements [auth.Observer]: pass it as [auth.Config.Observer]
// so that it sees what only the service knows (login outcomes, reuse,
// revocations, hashing waits, store errors). It is safe for concurrent
// use. Recording a request costs no allocation once its route and status
// have been seen.
type Metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited *prometheus.CounterVec
	revocations *prometheus.CounterVec
	hashWait    prometheus.Histogram
	storeErrors prometheus.Counter
	reuse       prometheus.Counter

	loginOK, loginFailed     prometheus.Counter
	refreshOK, refreshFailed prometheus.Counter
	revokedByKind            map[string]prometheus.Counter // the four kinds, resolved once

	mu     sync.Mutex                               // serializes adding routes
	routes atomic.Pointer[map[string]*routeMetrics] // copied on write

	svc  atomic.Pointer[auth.Service] // for the replica gauges; set by New
	feed atomic.Pointer[feedHub]      // for the feed's metrics; set by New
}

// routeMetrics are the series of one route, resolved once.
type routeMetrics struct {
	label       string
	duration    prometheus.Observer
	rateLimited prometheus.Counter
	mu          sync.Mutex                      // serializes adding statuses
	statuses    atomic.Pointer[[]statusCounter] // copied on write; few per route
}

type statusCounter struct {
	status int
	c      prometheus.Counter
}

// NewMetrics returns the metrics of one server, on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ward_http_requests_total", Help: "HTTP requests by route (mux pattern) and status.",
	}, []string{"route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ward_http_request_duration_seconds", Help: "HTTP request durations by route (mux pattern).", Buckets: requestBuckets,
	}, []string{"route"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ward_rate_limited_total", Help: "Requests answered with the code rate_limited (429), by route.",
	}, []string{"route"})
	logins := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ward_logins_total", Help: "Logins and password grants by outcome.",
	}, []string{"outcome"})
	refreshes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ward_refreshes_total", Help: "Refresh token exchanges by outcome.",
	}, []string{"outcome"})
	m.reuse = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ward_refresh_reuse_total", Help: "Refresh token reuse detections; each ends its session.",
	})
	m.revocations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ward_revocations_total", Help: "Revocations made by this instance, by kind.",
	}, []string{"kind"})
	m.hashWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "ward_password_hash_wait_seconds", Help: "Time password hashes waited for a hashing slot.", Buckets: hashWaitBuckets,
	})
	m.storeErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ward_store_errors_total", Help: "Store calls that failed.",
	})
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.rateLimited, logins, refreshes, m.reuse, m.revocations, m.hashWait, m.storeErrors} {
		f(c)
	}
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ward_revocation_replica_entries", Help: "Entries in the in-memory revocation replica.",
	}, func() float64 {
		if svc := m.svc.Load(); svc != nil {
			return float64(svc.Revocations().Len())
		}
		return 0
	}))
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ward_revocation_replica_age_seconds", Help: "Seconds since the revocation replica was last loaded or synced from the store.",
	}, func() float64 {
		if svc := m.svc.Load(); svc != nil {
			return svc.Config().Now().Sub(svc.Revocations().LoadedAt()).Seconds()
		}
		return 0
	}))
	m.registerFeed(f)
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	m.loginOK, m.loginFailed = logins.WithLabelValues(auth.OutcomeSuccess), logins.WithLabelValues(auth.OutcomeFailure)
	m.refreshOK, m.refreshFailed = refreshes.WithLabelValues(auth.OutcomeSuccess), refreshes.WithLabelValues(auth.OutcomeFailure)
	m.revokedByKind = make(map[string]prometheus.Counter)
	for _, k := range []string{auth.RevokeToken, auth.RevokeSession, auth.RevokeUser, auth.RevokeKey} {
		m.revokedByKind[k] = m.revocations.WithLabelValues(k)
	}
	routes := make(map[string]*routeMetrics)
	m.routes.Store(&routes)
	return m
}

// registerFeed registers the revocation feed's metrics with f: functions
// of the counts the feed keeps (feedHub).
func (m *Metrics) registerFeed(f func(prometheus.Collector)) {
	count := func(get func(h *feedHub) int64) func() float64 {
		return func() float64 {
			if h := m.feed.Load(); h != nil {
				return float64(get(h))
			}
			return 0
		}
	}
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ward_feed_streams", Help: "Open revocation feed streams.",
	}, count(func(h *feedHub) int64 { return int64(len(h.subscribers)) })))
	f(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ward_feed_events_total", Help: "Revocation events written to feed streams.",
	}, count(func(h *feedHub) int64 { return h.eventsSent.Load() })))
	f(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ward_feed_resyncs_total", Help: "Feed streams answered with a resync (the client takes a new snapshot).",
	}, count(func(h *feedHub) int64 { return h.resyncsSent.Load() })))
	f(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ward_feed_snapshots_total", Help: "Revocation snapshots served.",
	}, count(func(h *feedHub) int64 { return h.snapshotsServed.Load() })))
	for reader, get := range map[string]func(h *feedHub) int64{
		"tail":   func(h *feedHub) int64 { return h.tailReads.Load() },
		"stream": func(h *feedHub) int64 { return h.streamReads.Load() },
	} {
		f(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ward_feed_store_reads_total", ConstLabels: prometheus.Labels{"reader": reader},
			Help: `Reads of new revocations by the feed's streams: "tail" (one per wake-up, shared by every stream), "stream" (a stream's own: its resume check, or catching up from behind the tail).`,
		}, count(get)))
	}
}

// Registry returns the registry the metrics are on, to add more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler returns the GET /metrics handler: the Prometheus text format
// (or what the scraper negotiates), with Cache-Control: no-store.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// route returns the series of the route pattern ("" for none).
func (m *Metrics) route(pattern string) *routeMetrics {
	if rm := (*m.routes.Load())[pattern]; rm != nil {
		return rm
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if rm := old[pattern]; rm != nil {
		return rm
	}
	label := pattern
	if label == "" {
		label = unmatchedRoute
	}
	rm := &routeMetrics{label: label, duration: m.duration.WithLabelValues(label), rateLimited: m.rateLimited.WithLabelValues(label)}
	routes := make(map[string]*routeMetrics, len(old)+1)
	for k, v := range old {
		routes[k] = v
	}
	routes[pattern] = rm
	m.routes.Store(&routes)
	return rm
}

// status returns the request counter of status on rm.
func (m *Metrics) status(rm *routeMetrics, status int) prometheus.Counter {
	if p := rm.statuses.Load(); p != nil {
		for _, sc := range *p {
			if sc.status == status {
				return sc.c
			}
		}
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var old []statusCounter
	if p := rm.statuses.Load(); p != nil {
		old = *p
	}
	for _, sc := range old {
		if sc.status == status {
			return sc.c
		}
	}
	sc := statusCounter{status, m.requests.WithLabelValues(rm.label, strconv.Itoa(status))}
	next := append(append(make([]statusCounter, 0, len(old)+1), old...), sc)
	rm.statuses.Store(&next)
	return sc.c
}

// observe records one request. pattern is the mux pattern that served it
// ("" for none), never the raw path, so that the number of series stays
// bounded.
func (m *Metrics) observe(pattern string, status int, d time.Duration) {
	rm := m.route(pattern)
	m.status(rm, status).Inc()
	rm.duration.Observe(d.Seconds())
}

// rateLimitedAnswer counts one answer with the code rate_limited.
func (m *Metrics) rateLimitedAnswer(pattern string) { m.route(pattern).rateLimited.Inc() }

// Audited implements [auth.Observer]: it counts logins and refreshes by
// outcome, and reuse detections.
func (m *Metrics) Audited(ev *auth.AuditEvent) {
	ok := ev.Outcome == auth.OutcomeSuccess
	switch ev.Type {
	case auth.EventLogin:
		if ok {
			m.loginOK.Inc()
		} else {
			m.loginFailed.Inc()
		}
	case auth.EventRefresh:
		if ok {
			m.refreshOK.Inc()
		} else {
			m.refreshFailed.Inc()
		}
	case auth.EventRefreshReuse:
		m.reuse.Inc()
	}
}

// Revoked implements [auth.Observer]: it counts revocations by kind.
func (m *Metrics) Revoked(revs []auth.Revocation) {
	for _, v := range revs {
		c, ok := m.revokedByKind[v.Kind]
		if !ok {
			c = m.revocations.WithLabelValues(v.Kind)
		}
		c.Inc()
	}
}

// HashWaited implements [auth.Observer].
func (m *Metrics) HashWaited(d time.Duration) { m.hashWait.Observe(d.Seconds()) }

// StoreFailed implements [auth.Observer].
func (m *Metrics) StoreFailed(error) { m.storeErrors.Inc() }

var _ auth.Observer = (*Metrics)(nil)

// noteRateLimited counts an answer of r with the code rate_limited; the
// error writers call it, so that every 429 is counted whoever produced it.
func (s *Server) noteRateLimited(r *http.Request) {
	if s.metrics != nil {
		s.metrics.rateLimitedAnswer(r.Pattern)
	}
}

// routePattern returns the mux pattern that served r ("" for none). The
// mux sets r.Pattern on the request it routes, which is r unless a
// middleware in between passed on a copy; then the pattern is looked up
// again.
func (s *Server) routePattern(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	_, p := s.mux.Handler(r)
	return p
}

// handleMetrics: GET /metrics → [Metrics.Handler].
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	s.metricsHandler.ServeHTTP(w, r)
}
