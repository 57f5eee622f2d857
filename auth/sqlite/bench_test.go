package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// BenchmarkUpdate measures durable write transactions per second (one
// audit event each) from parallel callers.
func BenchmarkUpdate(b *testing.B) {
	db := MustOpen(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := db.Update(context.Background(), func(tx auth.Tx) error {
				return tx.AppendAudit(&auth.AuditEvent{Time: time.Now(), Type: auth.EventRefresh, Outcome: auth.OutcomeSuccess})
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
