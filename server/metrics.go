package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request duration
// histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics counts requests per route and status and their durations per
// route, for GET /metrics in the Prometheus text format. The standard
// library only: no client library is needed for counters and histograms.
type metrics struct {
	mu     sync.RWMutex
	routes map[string]*routeMetrics // by mux pattern ("" for no route)
}

type routeMetrics struct {
	byStatus sync.Map // int → *atomic.Int64
	buckets  []atomic.Int64
	count    atomic.Int64
	sumNanos atomic.Int64
}

func newMetrics() *metrics { return &metrics{routes: make(map[string]*routeMetrics)} }

func (m *metrics) route(pattern string) *routeMetrics {
	m.mu.RLock()
	rm := m.routes[pattern]
	m.mu.RUnlock()
	if rm != nil {
		return rm
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rm = m.routes[pattern]; rm == nil {
		rm = &routeMetrics{buckets: make([]atomic.Int64, len(latencyBuckets))}
		m.routes[pattern] = rm
	}
	return rm
}

// observe records one request. pattern is the mux pattern that served it,
// never the raw path, so that the number of series stays bounded.
func (m *metrics) observe(pattern string, status int, d time.Duration) {
	rm := m.route(pattern)
	c, ok := rm.byStatus.Load(status)
	if !ok {
		c, _ = rm.byStatus.LoadOrStore(status, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			rm.buckets[i].Add(1)
		}
	}
	rm.count.Add(1)
	rm.sumNanos.Add(int64(d))
}

// handleMetrics: GET /metrics → the Prometheus text exposition format.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	s.metrics.mu.RLock()
	patterns := make([]string, 0, len(s.metrics.routes))
	for p := range s.metrics.routes {
		patterns = append(patterns, p)
	}
	s.metrics.mu.RUnlock()
	slices.Sort(patterns)
	label := func(p string) string {
		if p == "" {
			return "unmatched"
		}
		return p
	}
	b.WriteString("# HELP ward_http_requests_total HTTP requests by route and status.\n# TYPE ward_http_requests_total counter\n")
	for _, p := range patterns {
		rm := s.metrics.route(p)
		var statuses []int
		rm.byStatus.Range(func(k, _ any) bool { statuses = append(statuses, k.(int)); return true })
		slices.Sort(statuses)
		for _, st := range statuses {
			c, _ := rm.byStatus.Load(st)
			fmt.Fprintf(&b, "ward_http_requests_total{route=%q,status=\"%d\"} %d\n", label(p), st, c.(*atomic.Int64).Load())
		}
	}
	b.WriteString("# HELP ward_http_request_duration_seconds HTTP request durations by route.\n# TYPE ward_http_request_duration_seconds histogram\n")
	for _, p := range patterns {
		rm := s.metrics.route(p)
		for i, ub := range latencyBuckets {
			fmt.Fprintf(&b, "ward_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", label(p), strconv.FormatFloat(ub, 'g', -1, 64), rm.buckets[i].Load())
		}
		n := rm.count.Load()
		fmt.Fprintf(&b, "ward_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", label(p), n)
		fmt.Fprintf(&b, "ward_http_request_duration_seconds_sum{route=%q} %s\n", label(p), strconv.FormatFloat(time.Duration(rm.sumNanos.Load()).Seconds(), 'g', -1, 64))
		fmt.Fprintf(&b, "ward_http_request_duration_seconds_count{route=%q} %d\n", label(p), n)
	}
	b.WriteString("# HELP ward_revocations Entries in the in-memory revocation replica.\n# TYPE ward_revocations gauge\n")
	fmt.Fprintf(&b, "ward_revocations %d\n", s.svc.Revocations().Len())
	h := w.Header()
	h.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(b.String()))
}
