package server

import (
	"bytes"
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/auth/revocation"
)

// Bounds of the feed's tail ([feedTail]): the most recent revocation
// events it keeps, by count and by bytes (about 200 bytes an event: 16,384
// events are about 3.5 MiB). A stream further behind reads the store.
const (
	feedTailEvents = 16384
	feedTailBytes  = 8 << 20
	// feedTailOverhead is counted per event besides its bytes.
	feedTailOverhead = 48
)

// feedEvent is one revocation, encoded once as the stream's event.
type feedEvent struct {
	seq  int64
	data []byte // "id: …\nevent: revocation\ndata: …\n\n"; nil if unencodable
}

// feedTail is the part of the revocation feed that reads the store for
// every stream of the server at once: one goroutine reads the new
// revocations after each wake-up of the replica
// ([revocation.Replica.Changed]) and each heartbeat, and keeps the most
// recent ones, encoded, in a window that the streams serve from memory.
// So the store is read once per wake-up whatever the number of streams.
//
// The window holds, in Seq order, every revocation the store showed with
// a Seq in (base, high]: the union of reads of the store
// ([auth.Service.RevocationsSince]) that each started at or below the
// high of the window before it (merge). Since the store makes rows
// visible in Seq order, a stream that has sent everything up to p, with
// base <= p <= high, has missed nothing once it has sent the window's
// events after p. A row changed since it was read is in the window twice,
// under its old and its new Seq, as a stream reading the store at the
// time would have sent it twice. A stream behind the window (or one that
// starts while no stream follows the tail) reads the store itself and
// adds what it read to the window; one ahead of it (its own read saw
// newer rows) wakes the reader and waits.
//
// The reader runs while streams follow the tail, and stops, dropping the
// window, when the last one has left or a read failed; the next stream
// to read the store starts it again.
type feedTail struct {
	closing <-chan struct{} // the server's shutdown

	mu      sync.Mutex
	streams int           // streams following
	running bool          // a reader goroutine runs
	seeded  bool          // the window holds a read of the store
	base    int64         // the window covers the Seqs in (base, high]
	high    int64         //
	events  []feedEvent   // in Seq order, all in (base, high]
	bytes   int           // of events, with feedTailOverhead each
	wake    chan struct{} // closed (and replaced) when high moves or the window is dropped
	poke    chan struct{} // asks the reader to read now (or to stop, if no stream is left)
	maxEv   int           // feedTailEvents (less in tests)
	maxB    int           // feedTailBytes
}

func newFeedTail(closing <-chan struct{}) *feedTail {
	return &feedTail{
		closing: closing, wake: make(chan struct{}), poke: make(chan struct{}, 1),
		maxEv: feedTailEvents, maxB: feedTailBytes,
	}
}

// tailPosition says where a stream stands relative to the window.
type tailPosition int

const (
	tailIn     tailPosition = iota // inside: serve from the window
	tailBehind                     // before it, or no window: read the store
	tailAhead                      // past its end: wait for the reader
)

// since returns the events after p and the position up to which they are
// complete, if p is inside the window; and a channel closed when the
// window changes.
func (t *feedTail) since(p int64) (evs []feedEvent, high int64, wake <-chan struct{}, pos tailPosition) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.seeded || p < t.base:
		return nil, 0, t.wake, tailBehind
	case p > t.high:
		return nil, 0, t.wake, tailAhead
	}
	i := sort.Search(len(t.events), func(i int) bool { return t.events[i].seq > p })
	n := len(t.events)
	// Appends never write below n and evictions only reslice, so the
	// events stay valid without the lock.
	return t.events[i:n:n], t.high, t.wake, tailIn
}

// merge adds a read of the store, the events after from up to last, to
// the window, if it adjoins it (from <= high); with no window, it becomes
// the window and the reader starts. If the read contradicts the window
// (a Seq the window holds another row under), the store is not the one
// the window was read from (a backup restored under the running server):
// the window starts again from the read, and merge reports it.
func (t *feedTail) merge(s *Server, from int64, evs []feedEvent, last int64) (restarted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seeded && from <= t.high && t.contradicts(from, evs) {
		t.base, t.high, t.events, t.bytes = from, from, nil, 0
		restarted = true
	}
	if !t.seeded {
		if t.streams == 0 {
			return false // no one would follow it
		}
		t.seeded, t.base, t.high, t.events, t.bytes = true, from, from, nil, 0
		if !t.running {
			select {
			case <-t.closing:
				t.seeded = false
				return false
			default:
			}
			t.running = true
			go t.read(s)
		}
	}
	if from > t.high || last <= t.high {
		if restarted {
			t.wakeLocked()
		}
		return restarted
	}
	for _, e := range evs {
		if e.seq > t.high {
			t.events = append(t.events, e)
			t.bytes += len(e.data) + feedTailOverhead
		}
	}
	t.high = last
	drop := 0
	for len(t.events)-drop > t.maxEv || (t.bytes > t.maxB && drop < len(t.events)) {
		t.bytes -= len(t.events[drop].data) + feedTailOverhead
		t.base = t.events[drop].seq
		drop++
	}
	t.events = t.events[drop:]
	t.wakeLocked()
	return restarted
}

// contradicts reports whether a read of the events after from holds a
// row under a Seq under which the window holds another: a Seq is never
// given twice, so only another store can. (A row the window lacks is no
// contradiction: the window may have been read after the row changed or
// was deleted.)
func (t *feedTail) contradicts(from int64, evs []feedEvent) bool {
	lo := max(from, t.base)
	for _, e := range evs {
		if e.seq <= lo || e.seq > t.high {
			continue
		}
		i := sort.Search(len(t.events), func(i int) bool { return t.events[i].seq >= e.seq })
		if i < len(t.events) && t.events[i].seq == e.seq && !bytes.Equal(t.events[i].data, e.data) {
			return true
		}
	}
	return false
}

// wakeLocked wakes the streams waiting on the window.
func (t *feedTail) wakeLocked() {
	close(t.wake)
	t.wake = make(chan struct{})
}

// join counts a stream that follows the tail; leave uncounts it.
func (t *feedTail) join() {
	t.mu.Lock()
	t.streams++
	t.mu.Unlock()
}

func (t *feedTail) leave() {
	t.mu.Lock()
	t.streams--
	last := t.streams == 0
	t.mu.Unlock()
	if last {
		t.kick()
	}
}

// kick asks the reader to read now.
func (t *feedTail) kick() {
	select {
	case t.poke <- struct{}{}:
	default:
	}
}

// stopLocked drops the window and marks the reader ended; the reader
// calls it, with t.mu held, just before it returns.
func (t *feedTail) stopLocked() {
	t.running, t.seeded, t.events, t.bytes = false, false, nil, 0
	t.wakeLocked()
}

// read is the reader: it reads what is new in the store after each
// wake-up of the replica and each heartbeat, until no stream follows, a
// read fails (the streams then read the store themselves, and the first
// to succeed starts a new reader) or the server shuts down.
func (t *feedTail) read(s *Server) {
	replica := s.svc.Revocations().Replica
	heartbeat := time.NewTicker(s.cfg.FeedHeartbeat)
	defer heartbeat.Stop()
	ctx := context.Background()
	for {
		t.mu.Lock()
		if t.streams == 0 || !t.seeded {
			t.stopLocked()
			t.mu.Unlock()
			return
		}
		from := t.high
		t.mu.Unlock()
		changed := replica.Changed() // before the read: a change after it wakes us
		evs, last, err := s.readFeed(ctx, from, &s.feed.tailReads)
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelError, "revocation feed: reading the store failed", slog.String("error", err.Error()))
			t.mu.Lock()
			t.stopLocked()
			t.mu.Unlock()
			return
		}
		t.merge(s, from, evs, last)
		select {
		case <-changed:
		case <-heartbeat.C:
		case <-t.poke:
		case <-t.closing:
			t.mu.Lock()
			t.stopLocked()
			t.mu.Unlock()
			return
		}
	}
}

// readFeed reads the revocations after from, counting the read in reads,
// and encodes them as events (logging, and sending as nothing, one that
// cannot be encoded).
func (s *Server) readFeed(ctx context.Context, from int64, reads *atomic.Int64) ([]feedEvent, int64, error) {
	revs, last, err := s.svc.RevocationsSince(ctx, from)
	reads.Add(1)
	if err != nil {
		return nil, 0, err
	}
	s.feed.raise(last)
	return s.feedEvents(ctx, revs), last, nil
}

// feedEvents encodes revs as events.
func (s *Server) feedEvents(ctx context.Context, revs []revocation.Revocation) []feedEvent {
	evs := make([]feedEvent, len(revs))
	for i, v := range revs {
		evs[i].seq = v.Seq
		b, err := appendEvent(nil, v)
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelError, "revocation feed: unencodable revocation skipped",
				slog.Int64("seq", v.Seq), slog.String("error", err.Error()))
			continue
		}
		evs[i].data = b
	}
	return evs
}

// appendEvent appends v as a revocation event.
func appendEvent(b []byte, v revocation.Revocation) ([]byte, error) {
	b = append(b, "id: "...)
	b = append(b, revocation.EventID(v)...)
	b = append(b, "\nevent: revocation\ndata: "...)
	b, err := revocation.AppendJSON(b, v)
	if err != nil {
		return nil, err
	}
	return append(b, "\n\n"...), nil
}
