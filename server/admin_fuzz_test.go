package server

import (
	"net/http"
	"net/url"
	"testing"
)

// FuzzQueryParams: the strict query parser of the admin lists never
// panics, and what it accepts names only allowed parameters, each once.
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{"limit=10&cursor=abc", "user=a&user=b", "since=2026-01-01T00:00:00Z", "x=1", "%zz", "limit=%00", ";", "a&&b=", "limit=1001"} {
		f.Add(s)
	}
	allowed := []string{"user", "limit", "cursor", "since"}
	f.Fuzz(func(t *testing.T, raw string) {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		q, err := queryParams(r, allowed...)
		if err != nil {
			return
		}
		for k, vs := range q {
			known := false
			for _, a := range allowed {
				known = known || a == k
			}
			if !known || len(vs) != 1 {
				t.Fatalf("%q accepted with %q=%q", raw, k, vs)
			}
		}
		if _, err := pageLimit(q); err == nil && q.Get("limit") != "" {
			if n, _ := pageLimit(q); n < 1 || n > 1000 {
				t.Fatalf("limit %d accepted", n)
			}
		}
	})
}
