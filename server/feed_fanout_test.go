package server_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

// countingStore counts the reads of new revocations
// ([auth.ReadTx.RevocationsSince]) made through it.
type countingStore struct {
	auth.Store
	reads atomic.Int64
}

func (c *countingStore) View(ctx context.Context, fn func(tx auth.ReadTx) error) error {
	return c.Store.View(ctx, func(tx auth.ReadTx) error { return fn(countingTx{tx, &c.reads}) })
}

type countingTx struct {
	auth.ReadTx
	reads *atomic.Int64
}

func (t countingTx) RevocationsSince(seq int64) ([]auth.Revocation, int64, error) {
	t.reads.Add(1)
	return t.ReadTx.RevocationsSince(seq)
}

// fanOut is a server over a [countingStore], with a feed client and a
// client whose client_credentials tokens the tests revoke.
type fanOut struct {
	t              testing.TB
	store          *countingStore
	svc            *auth.Service
	srv            *server.Server
	hs             *httptest.Server
	clock          *clock
	feedID, feedSK string
	ccID, ccSK     string
}

func newFanOut(tb testing.TB, mod func(*server.Config)) *fanOut {
	tb.Helper()
	kek, err := auth.ParseKEK(auth.NewKEK())
	if err != nil {
		tb.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	fo := &fanOut{t: tb, store: &countingStore{Store: mustOpenStore(tb)}, clock: newClock()}
	acfg := auth.Config{Issuer: testIssuer, Now: fo.clock.Now, Logger: discard}
	acfg.Limits.Off = true
	if fo.svc, err = auth.NewService(context.Background(), fo.store, kek, acfg); err != nil {
		tb.Fatal(err)
	}
	scfg := server.Config{Logger: discard, FeedHeartbeat: time.Hour}
	if mod != nil {
		mod(&scfg)
	}
	fo.srv = server.New(fo.svc, scfg)
	fo.hs = httptest.NewServer(fo.srv)
	tb.Cleanup(fo.hs.Close)
	ctx := context.Background()
	c, sk, err := fo.svc.AddClient(ctx, auth.ClientSpec{Name: "feed", Feed: true}, auth.RequestMeta{})
	if err != nil {
		tb.Fatal(err)
	}
	fo.feedID, fo.feedSK = c.ID, sk
	c, sk, err = fo.svc.AddClient(ctx, auth.ClientSpec{Name: "worker", Scopes: []string{"jobs"}}, auth.RequestMeta{})
	if err != nil {
		tb.Fatal(err)
	}
	fo.ccID, fo.ccSK = c.ID, sk
	return fo
}

// tokens returns n new access tokens of the worker client.
func (fo *fanOut) tokens(n int) []string {
	fo.t.Helper()
	out := make([]string, n)
	for i := range out {
		tp, err := fo.svc.ClientCredentials(context.Background(), fo.ccID, fo.ccSK, nil, auth.RequestMeta{})
		if err != nil {
			fo.t.Fatal(err)
		}
		out[i] = tp.AccessToken
	}
	return out
}

// revoke revokes tok (again: the row changes and takes a new Seq if the
// clock has moved since).
func (fo *fanOut) revoke(tok string) {
	if err := fo.svc.RevokeToken(context.Background(), tok, auth.RequestMeta{}); err != nil {
		fo.t.Error(err)
	}
}

// sseStream reads one revocation stream and records its event ids.
type sseStream struct {
	resp   *http.Response
	opened chan struct{} // closed at the first ping
	got    chan<- string // each revocation event id, if set

	mu     sync.Mutex
	ids    []string
	resync bool
	err    error
	done   chan struct{}
}

// openStream opens a stream from the event id last and reads it until
// the test ends.
func (fo *fanOut) openStream(last string, got chan<- string) *sseStream {
	fo.t.Helper()
	req, _ := http.NewRequest("GET", fo.hs.URL+"/v1/revocations/stream", nil)
	req.SetBasicAuth(fo.feedID, fo.feedSK)
	req.Header.Set("Last-Event-ID", last)
	resp, err := fo.hs.Client().Do(req)
	if err != nil {
		fo.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		fo.t.Fatalf("stream: %s", resp.Status)
	}
	s := &sseStream{resp: resp, opened: make(chan struct{}), got: got, done: make(chan struct{})}
	fo.t.Cleanup(func() { resp.Body.Close(); <-s.done })
	go s.read()
	return s
}

func (s *sseStream) read() {
	defer close(s.done)
	r := bufio.NewReader(s.resp.Body)
	var id, event string
	pinged := false
	for {
		l, err := r.ReadSlice('\n')
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			return
		}
		switch line := string(l[:len(l)-1]); {
		case line == ": ping":
			if !pinged {
				pinged = true
				close(s.opened)
			}
		case strings.HasPrefix(line, "id: "):
			id = line[len("id: "):]
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case line == "":
			s.mu.Lock()
			switch event {
			case "revocation":
				s.ids = append(s.ids, id)
			case "resync":
				s.resync = true
			}
			s.mu.Unlock()
			if event == "revocation" && s.got != nil {
				s.got <- id
			}
			id, event = "", ""
		}
	}
}

// events returns the event ids received so far.
func (s *sseStream) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// seqOf returns the sequence number of an event id.
func seqOf(tb testing.TB, id string) int64 {
	tb.Helper()
	n, err := strconv.ParseInt(strings.Split(id, ".")[0], 10, 64)
	if err != nil {
		tb.Fatalf("event id %q", id)
	}
	return n
}

// BenchmarkFeedFanOut: each iteration revokes one token (in the service,
// no HTTP) and waits until each of 100 streams has received its event.
// store-reads/op counts the reads of new revocations the feed made
// ([auth.ReadTx.RevocationsSince], through a counting store). Run with
//
//	go test ./server -run '^$' -bench FeedFanOut -benchtime 200x
func BenchmarkFeedFanOut(b *testing.B) {
	const streams = 100
	fo := newFanOut(b, nil)
	got := make(chan string, streams*4)
	ss := make([]*sseStream, streams)
	for i := range ss {
		ss[i] = fo.openStream("0", got)
	}
	for _, s := range ss {
		<-s.opened
	}
	toks := fo.tokens(b.N + 1)
	fo.revoke(toks[b.N]) // every stream past its first read
	for range streams {
		<-got
	}
	reads := fo.store.reads.Load()
	b.ResetTimer()
	for i := range b.N {
		fo.revoke(toks[i])
		for range streams {
			<-got
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(fo.store.reads.Load()-reads)/float64(b.N), "store-reads/op")
}
