package server_test

import (
	"bufio"
	"context"
	"encoding/json"
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
	"github.com/wardauth/ward/auth/revocation"
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

// metric returns the value of the series named (with its labels) in the
// server's /metrics text.
func (fo *fanOut) metric(series string) float64 {
	fo.t.Helper()
	resp, err := fo.hs.Client().Get(fo.hs.URL + "/metrics")
	if err != nil {
		fo.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for l := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				fo.t.Fatalf("%s: %q", series, v)
			}
			return f
		}
	}
	fo.t.Fatalf("no series %s in /metrics:\n%s", series, body)
	return 0
}

// snapshotID returns the event id of a new snapshot.
func (fo *fanOut) snapshotID() string {
	fo.t.Helper()
	req, _ := http.NewRequest("GET", fo.hs.URL+"/v1/revocations", nil)
	req.SetBasicAuth(fo.feedID, fo.feedSK)
	resp, err := fo.hs.Client().Do(req)
	if err != nil {
		fo.t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || resp.StatusCode != http.StatusOK {
		fo.t.Fatalf("snapshot: %s %v", resp.Status, err)
	}
	return snap.ID
}

// TestFeedSharedReads: 50 streams follow 20 revocations made one after
// the other; the store is read about once per revocation (once per
// wake-up of the replica), not once per stream; the feed's metrics say
// so.
func TestFeedSharedReads(t *testing.T) {
	const streams, revocations = 50, 20
	fo := newFanOut(t, nil)
	got := make(chan string, streams)
	for range streams {
		<-fo.openStream("0", got).opened
	}
	toks := fo.tokens(revocations + 1)
	fo.revoke(toks[revocations]) // every stream past its first read
	for range streams {
		<-got
	}
	reads := fo.store.reads.Load()
	tail0, stream0 := fo.srv.FeedStoreReads()
	for i := range revocations {
		fo.revoke(toks[i])
		for range streams {
			<-got
		}
	}
	// One read per wake-up; a wake-up during a read costs one more.
	if n := fo.store.reads.Load() - reads; n > 2*revocations {
		t.Fatalf("%d streams, %d revocations: %d store reads, want at most %d", streams, revocations, n, 2*revocations)
	}
	tail, stream := fo.srv.FeedStoreReads()
	if stream != stream0 || tail-tail0 != fo.store.reads.Load()-reads {
		t.Fatalf("feed's reads: tail %d→%d, streams %d→%d; the store counted %d", tail0, tail, stream0, stream, fo.store.reads.Load()-reads)
	}

	for series, want := range map[string]float64{
		`ward_feed_streams`:                            streams,
		`ward_feed_events_total`:                       streams * (revocations + 1),
		`ward_feed_store_reads_total{reader="tail"}`:   float64(tail),
		`ward_feed_store_reads_total{reader="stream"}`: float64(stream),
		`ward_feed_resyncs_total`:                      0,
		`ward_feed_snapshots_total`:                    0,
	} {
		if v := fo.metric(series); v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	fo.snapshotID()
	<-fo.openStream("1.0123456789abcdef", nil).done // a resync, then the end
	if v := fo.metric(`ward_feed_snapshots_total`); v != 1 {
		t.Errorf("ward_feed_snapshots_total = %v after a snapshot", v)
	}
	if v := fo.metric(`ward_feed_resyncs_total`); v != 1 {
		t.Errorf("ward_feed_resyncs_total = %v after a resync", v)
	}
}

// followed checks what streams received once the store has stopped
// changing: each stream's events are in increasing Seq order, after its
// start; it holds every row the store holds after its start, under the
// row's event id; and an event's id is the same in every stream (a row
// changed since has a new Seq: its old one may or may not have been
// sent, as with reading the store at another moment).
func (fo *fanOut) followed(ss []*sseStream, starts []int64) {
	t := fo.t
	t.Helper()
	revs, last, err := fo.svc.RevocationsSince(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	final := make(map[int64]string, len(revs))
	for _, v := range revs {
		final[v.Seq] = revocation.EventID(v)
	}
	for _, s := range ss {
		waitFor(t, "a stream to reach the store's last row", func() bool {
			ids := s.events()
			return len(ids) > 0 && seqOf(t, ids[len(ids)-1]) == last
		})
	}
	seen := make(map[int64]string)
	for i, s := range ss {
		ids := s.events()
		prev := starts[i]
		has := make(map[string]bool, len(ids))
		for _, id := range ids {
			seq := seqOf(t, id)
			if seq <= prev {
				t.Fatalf("stream %d (from %d): %s after Seq %d: %q", i, starts[i], id, prev, ids)
			}
			prev = seq
			if other, ok := seen[seq]; ok && other != id {
				t.Fatalf("Seq %d: %s in one stream, %s in another", seq, id, other)
			}
			seen[seq] = id
			has[id] = true
		}
		for seq, id := range final {
			if seq > starts[i] && !has[id] {
				t.Fatalf("stream %d (from %d) lacks %s: %q", i, starts[i], id, ids)
			}
		}
		if s.resync {
			t.Fatalf("stream %d: resync", i)
		}
	}
}

// TestFeedConcurrentWriters: streams, some open from the start and some
// opened at snapshots taken meanwhile, receive every revocation in order,
// none missed or repeated, while four goroutines revoke tokens, some of
// them again (the row changes and takes a new Seq).
func TestFeedConcurrentWriters(t *testing.T) {
	const writers, each = 4, 30
	fo := newFanOut(t, nil)
	var (
		ss     []*sseStream
		starts []int64
	)
	for range 10 {
		s := fo.openStream("0", nil)
		<-s.opened
		ss, starts = append(ss, s), append(starts, 0)
	}
	toks := fo.tokens(writers * each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := toks[w*each : (w+1)*each]
			for i, tok := range mine {
				fo.revoke(tok)
				if i%5 == 4 {
					fo.clock.Advance(time.Second)
					fo.revoke(mine[i-3]) // later: the row changes
				}
			}
		}()
	}
	for range 10 {
		id := fo.snapshotID()
		s := fo.openStream(id, nil)
		<-s.opened
		ss, starts = append(ss, s), append(starts, seqOf(t, id))
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	fo.followed(ss, starts)
}

// TestFeedBehindWindow: with a window of 4 events, a stream that resumes
// further back, and one that starts from an empty store ("0") after the
// window has moved on, catch up from the store and then follow the tail
// with the others.
func TestFeedBehindWindow(t *testing.T) {
	fo := newFanOut(t, nil)
	fo.srv.SetFeedWindow(4)
	a := fo.openStream("0", nil)
	<-a.opened
	toks := fo.tokens(13)
	for _, tok := range toks[:10] {
		fo.revoke(tok)
	}
	waitFor(t, "10 events", func() bool { return len(a.events()) == 10 })
	first := a.events()
	_, stream0 := fo.srv.FeedStoreReads()
	b := fo.openStream(first[1], nil) // its resume check reads the rest
	c := fo.openStream("0", nil)      // behind the window: reads the store
	<-b.opened
	<-c.opened
	waitFor(t, "b and c to catch up", func() bool { return len(b.events()) == 8 && len(c.events()) == 10 })
	if _, stream := fo.srv.FeedStoreReads(); stream-stream0 < 2 {
		t.Fatalf("%d reads by streams behind the window, want 2 or more", stream-stream0)
	}
	for _, tok := range toks[10:] {
		fo.revoke(tok)
	}
	fo.followed([]*sseStream{a, b, c}, []int64{0, seqOf(t, first[1]), 0})
	all := a.events()
	if got, want := strings.Join(b.events(), " "), strings.Join(all[2:], " "); got != want {
		t.Fatalf("b: %s\nwant %s", got, want)
	}
	if got, want := strings.Join(c.events(), " "), strings.Join(all, " "); got != want {
		t.Fatalf("c: %s\nwant %s", got, want)
	}
}
