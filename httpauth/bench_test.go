package httpauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wardauth/ward/jose/jwk"
)

// discard is a ResponseWriter that keeps nothing, so that the benchmarks
// measure the middleware and not the recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

var trivial = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })

// BenchmarkMiddleware measures a trivial handler behind: no auth; the
// middleware verifying an ES256 token (signature, claims, replica) on
// every request; and the middleware with the verified-token cache, where
// a repeated token costs a SHA-256 and the replica check.
//
//	go test ./httpauth -run '^$' -bench Middleware -benchmem
func BenchmarkMiddleware(b *testing.B) {
	run := func(b *testing.B, h http.Handler, tok string) {
		req := httptest.NewRequest("GET", "https://api.example/thing", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			h.ServeHTTP(w, req)
		}
	}
	b.Run("noauth", func(b *testing.B) { run(b, trivial, "") })
	for _, bc := range []struct {
		name string
		size int
	}{{"ES256", 0}, {"ES256-cache", 1024}} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture(b, func(c *Config) { c.CacheSize = bc.size; c.Now = nil })
			f.clock = newTestClock()
			run(b, f.a.Middleware(trivial), f.token(b, nil))
		})
	}
	b.Run("ES256-cache-parallel", func(b *testing.B) {
		f := newFixture(b, func(c *Config) { c.CacheSize = 1024; c.Now = nil })
		h := f.a.Middleware(trivial)
		tok := f.token(b, nil)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			req := httptest.NewRequest("GET", "https://api.example/thing", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			w := &discard{h: http.Header{}}
			for pb.Next() {
				h.ServeHTTP(w, req)
			}
		})
	})
}

// BenchmarkHeaderKeyID is the cost of reading the verified header's kid.
func BenchmarkHeaderKeyID(b *testing.B) {
	f := newFixture(b, nil)
	tok := f.token(b, nil)
	_ = jwk.ES256
	b.ReportAllocs()
	for b.Loop() {
		headerKeyID(tok)
	}
}
