package server

import (
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// BenchmarkMetricsObserve measures everything the metrics add to one
// refresh: the request's counters and histogram, and the service's
// refresh event.
//
//	go test ./server -run '^$' -bench MetricsObserve -benchmem
func BenchmarkMetricsObserve(b *testing.B) {
	m := NewMetrics()
	ev := &auth.AuditEvent{Type: auth.EventRefresh, Outcome: auth.OutcomeSuccess}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.observe("POST /oauth2/token", 200, 3*time.Millisecond)
			m.Audited(ev)
		}
	})
}
