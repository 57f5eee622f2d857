package httpauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwt"
)

func TestNewFeedConfig(t *testing.T) {
	ok := httpauth.FeedConfig{Issuer: "https://ward.example", ClientID: "id", ClientSecret: "secret"}
	if _, err := httpauth.NewFeed(ok); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*httpauth.FeedConfig){
		"no issuer":        func(c *httpauth.FeedConfig) { c.Issuer = "" },
		"not http":         func(c *httpauth.FeedConfig) { c.Issuer = "ftp://ward.example" },
		"no host":          func(c *httpauth.FeedConfig) { c.Issuer = "https://" },
		"no client":        func(c *httpauth.FeedConfig) { c.ClientID = "" },
		"no secret":        func(c *httpauth.FeedConfig) { c.ClientSecret = "" },
		"client timeout":   func(c *httpauth.FeedConfig) { c.HTTPClient = &http.Client{Timeout: time.Second} },
		"negative limit":   func(c *httpauth.FeedConfig) { c.MaxEntries = -1 },
		"negative backoff": func(c *httpauth.FeedConfig) { c.MinBackoff = -1 },
	} {
		cfg := ok
		mod(&cfg)
		if _, err := httpauth.NewFeed(cfg); err == nil {
			t.Errorf("%s: NewFeed succeeded", name)
		}
	}
}

// fakeIssuer serves a snapshot and a stream as given, counting requests.
type fakeIssuer struct {
	*httptest.Server
	snapshots, streams atomic.Int64
}

func newFakeIssuer(t *testing.T, snapshot string, stream func(w http.ResponseWriter, r *http.Request)) *fakeIssuer {
	fi := &fakeIssuer{}
	fi.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, secret, ok := r.BasicAuth(); !ok || id != "id" || secret != "secret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/v1/revocations":
			fi.snapshots.Add(1)
			w.Write([]byte(snapshot))
		case "/v1/revocations/stream":
			fi.streams.Add(1)
			w.Header().Set("Content-Type", "text/event-stream")
			stream(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() { fi.CloseClientConnections(); fi.Close() })
	return fi
}

func startFeed(t *testing.T, cfg httpauth.FeedConfig) *httpauth.Feed {
	cfg.ClientID, cfg.ClientSecret = "id", "secret"
	cfg.MinBackoff, cfg.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	f, err := httpauth.NewFeed(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

const (
	emptySnapshot = `{"seq":5,"id":"5.0123456789abcdef","revocations":[],"time":1}`
	farFuture     = "4102444800" // 2100-01-01
)

// TestFeedLimits: a snapshot over MaxSnapshotBytes or MaxEntries never
// makes the feed ready.
func TestFeedLimits(t *testing.T) {
	big := `{"seq":5,"id":"5.0123456789abcdef","revocations":[` + strings.Repeat(`{"kind":"token","sub":"j","nbf":0,"exp":`+farFuture+`,"seq":1},`, 20) +
		`{"kind":"token","sub":"j","nbf":0,"exp":1,"seq":1}],"time":1}`
	fi := newFakeIssuer(t, big, func(w http.ResponseWriter, r *http.Request) {})
	for name, mod := range map[string]func(*httpauth.FeedConfig){
		"bytes":   func(c *httpauth.FeedConfig) { c.MaxSnapshotBytes = int64(len(big) - 1) },
		"entries": func(c *httpauth.FeedConfig) { c.MaxEntries = 20 },
	} {
		cfg := httpauth.FeedConfig{Issuer: fi.URL}
		mod(&cfg)
		f := startFeed(t, cfg)
		n := fi.snapshots.Load()
		eventually(t, name+": retries", func() bool { return fi.snapshots.Load() >= n+3 })
		if f.Status().Ready {
			t.Fatalf("%s: ready with a snapshot over the limit", name)
		}
	}
	f := startFeed(t, httpauth.FeedConfig{Issuer: fi.URL, MaxEntries: 21})
	<-f.Ready()
}

// TestFeedStreamErrors: a malformed event, an event whose id is not its
// seq, or an over-long line ends the stream; the feed reconnects and
// resumes from the last event it applied (Last-Event-ID), keeping what it
// applied.
func TestFeedStreamErrors(t *testing.T) {
	var mu sync.Mutex // the handler's goroutines append, the test reads
	var lastIDs []string
	var calls atomic.Int64
	fi := newFakeIssuer(t, emptySnapshot, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		switch calls.Add(1) {
		case 1:
			w.Write([]byte("id: 6.0123456789abcdef\nevent: revocation\ndata: {\"kind\":\"token\",\"sub\":\"a\",\"nbf\":0,\"exp\":" + farFuture + ",\"seq\":6}\n\n"))
			w.Write([]byte("id: 7.0123456789abcdef\nevent: revocation\ndata: {\"kind\":\"token\",\"sub\":\"b\",\"nbf\":0,\"exp\":" + farFuture + ",\"seq\":8}\n\n"))
		case 2:
			w.Write([]byte("id: 7.0123456789abcdef\nevent: revocation\ndata: {\"kind\":\"token\",\"sub\":\"b\",\"exp\":1,\"seq\":7}\n\n"))
		case 3:
			w.Write([]byte("data: " + strings.Repeat("x", 100) + "\n\n"))
		default:
			w.Write([]byte("id: 7.0123456789abcdef\nevent: revocation\ndata: {\"kind\":\"token\",\"sub\":\"b\",\"nbf\":0,\"exp\":" + farFuture + ",\"seq\":7}\n\n"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	})
	f := startFeed(t, httpauth.FeedConfig{Issuer: fi.URL, MaxEventBytes: 64})
	eventually(t, "event 7", func() bool { return f.Status().Seq == 7 })
	for _, jti := range []string{"a", "b"} {
		if err := f.Check(&jwt.Claims{ID: jti}, "", ""); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("jti %s: %v", jti, err)
		}
	}
	mu.Lock()
	got := strings.Join(lastIDs, ",")
	mu.Unlock()
	if want := "5.0123456789abcdef,6.0123456789abcdef,6.0123456789abcdef,6.0123456789abcdef"; got != want {
		t.Fatalf("Last-Event-IDs %s, want %s", got, want)
	}
	if fi.snapshots.Load() != 1 {
		t.Fatalf("%d snapshots, want 1", fi.snapshots.Load())
	}
}

// TestFeedExpiredEvent: an event already expired is not added, but moves
// the feed's position.
func TestFeedExpiredEvent(t *testing.T) {
	fi := newFakeIssuer(t, emptySnapshot, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("id: 6.0123456789abcdef\nevent: revocation\ndata: {\"kind\":\"token\",\"sub\":\"old\",\"nbf\":0,\"exp\":1000,\"seq\":6}\n\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	f := startFeed(t, httpauth.FeedConfig{Issuer: fi.URL})
	eventually(t, "event 6", func() bool { return f.Status().Seq == 6 })
	if st := f.Status(); st.Len != 0 {
		t.Fatalf("an expired revocation was kept: %+v", st)
	}
}

// ExampleNewFeed keeps a replica of the auth server's revocations for an
// authenticator ([httpauth.Config].Revocations).
func ExampleNewFeed() {
	feed, err := httpauth.NewFeed(httpauth.FeedConfig{
		Issuer:       "https://auth.example.com",
		ClientID:     "wci_feed",
		ClientSecret: "…", // from a file or the environment
		MaxStaleness: time.Minute,
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go feed.Run(ctx) // snapshot, then the stream, reconnecting as needed
	// Check refuses with httpauth.ErrUnavailable until the snapshot loads.
	err = feed.Check(&jwt.Claims{ID: "jti"}, "sid", "kid")
	_ = errors.Is(err, httpauth.ErrUnavailable)
}
