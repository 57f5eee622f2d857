package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/auth/sqlite"
)

// BenchmarkServiceRefresh measures refresh_token grants per second at the
// auth.Service level (no HTTP) on each store, side by side: 16 ×
// GOMAXPROCS goroutines, each rotating its own session's chain, so every
// refresh is one durable transaction (the session row locked and
// written, its audit event appended, the commit synced). SQLite commits
// concurrent refreshes in groups on its one writer; PostgreSQL runs them
// on the pool's connections, each with its own commit.
func BenchmarkServiceRefresh(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) auth.Store
	}{
		{"sqlite", func(b *testing.B) auth.Store {
			db, err := sqlite.Open(filepath.Join(b.TempDir(), "ward.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", func(b *testing.B) auth.Store { return pgtest.MustOpen(b) }},
	}
	for _, st := range stores {
		b.Run("store="+st.name, func(b *testing.B) {
			ctx := context.Background()
			meta := auth.RequestMeta{IP: "192.0.2.7", UserAgent: "bench/1.0"}
			svc, err := auth.NewService(ctx, st.open(b), bytes.Repeat([]byte{0x42}, auth.KEKSize), auth.Config{
				Issuer: "https://auth.example.com", Audience: []string{"https://api.example.com"},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: auth.Limits{Off: true},
			})
			if err != nil {
				b.Fatal(err)
			}
			const par = 16
			users := par * runtime.GOMAXPROCS(0)
			tokens := make([]string, users)
			for i := range users {
				email := fmt.Sprintf("bench%d@example.com", i)
				if _, err := svc.Signup(ctx, email, "correct horse battery staple", meta); err != nil {
					b.Fatal(err)
				}
				p, err := svc.Login(ctx, email, "correct horse battery staple", meta)
				if err != nil {
					b.Fatal(err)
				}
				tokens[i] = p.RefreshToken
			}
			var next atomic.Int64
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				tok := tokens[next.Add(1)-1]
				for pb.Next() {
					p, err := svc.Refresh(ctx, tok, meta)
					if err != nil {
						b.Error(err)
						return
					}
					tok = p.RefreshToken
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refreshes/s")
		})
	}
}
