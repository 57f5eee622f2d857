package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/revocation"
)

// Defaults of the revocation feed ([Config]).
const (
	// DefaultFeedMaxSubscribers is [Config.FeedMaxSubscribers]'s default.
	DefaultFeedMaxSubscribers = 1024
	// DefaultFeedMaxSnapshot is [Config.FeedMaxSnapshot]'s default: the
	// feed client's own default limit (httpauth.DefaultMaxEntries).
	DefaultFeedMaxSnapshot = 1 << 20
	// DefaultFeedHeartbeat is [Config.FeedHeartbeat]'s default.
	DefaultFeedHeartbeat = 15 * time.Second

	// feedWriteTimeout bounds each write of the stream: a subscriber that
	// reads nothing for this long is dropped. It replaces the server's
	// WriteTimeout, which would end every stream after 30 s.
	feedWriteTimeout = 10 * time.Second
	// feedMaxSnapshots is how many snapshots are built at once; more wait
	// for no one and get 503 with Retry-After.
	feedMaxSnapshots = 4
	// feedFlushBytes is how much of a batch of events is written before a
	// flush.
	feedFlushBytes = 64 << 10
)

// feedHub is the server side of the revocation feed: the bounds on
// subscribers and snapshots, the highest change sequence number of the
// store this instance has seen, the tail the streams share
// ([feedTail]) and the counts the metrics report.
type feedHub struct {
	subscribers chan struct{} // a slot per stream
	snapshots   chan struct{} // a slot per snapshot being built
	high        atomic.Int64  // the store's highest Seq seen
	closing     chan struct{} // closed when the server shuts down
	closeOnce   sync.Once
	tail        *feedTail

	// Counts for [Metrics].
	eventsSent, resyncsSent, snapshotsServed atomic.Int64
	tailReads, streamReads                   atomic.Int64 // store reads by the tail, and by streams themselves
}

func newFeedHub(maxSubscribers int) *feedHub {
	h := &feedHub{
		subscribers: make(chan struct{}, maxSubscribers),
		snapshots:   make(chan struct{}, feedMaxSnapshots),
		closing:     make(chan struct{}),
	}
	h.tail = newFeedTail(h.closing)
	return h
}

// raise records that the store has reached seq.
func (h *feedHub) raise(seq int64) {
	for {
		old := h.high.Load()
		if seq <= old || h.high.CompareAndSwap(old, seq) {
			return
		}
	}
}

// close ends every stream (the server is shutting down; [http.Server]
// does not wait for a stream to finish by itself).
func (h *feedHub) close() { h.closeOnce.Do(func() { close(h.closing) }) }

// closed reports whether the server is shutting down.
func (h *feedHub) closed() bool {
	select {
	case <-h.closing:
		return true
	default:
		return false
	}
}

func tryAcquire(sem chan struct{}) (release func(), ok bool) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, true
	default:
		return nil, false
	}
}

// feedClient authenticates the client of a feed request: HTTP Basic
// client_id:client_secret as at the token endpoint ([RFC 6749, Section
// 2.3.1]), and the client must have the feed permission
// ([auth.Client.Feed]). It answers the request itself (401 or 403 in
// Ward's JSON error shape) and returns false otherwise.
//
// [RFC 6749, Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func (s *Server) feedClient(w http.ResponseWriter, r *http.Request) bool {
	unauthorized := func(msg string) bool {
		w.Header().Set("WWW-Authenticate", basicRealmChallenge)
		s.writeError(w, r, auth.Errorf(auth.CodeUnauthorized, "%s", msg))
		return false
	}
	ca, oe := clientCredentials(r, nil)
	switch {
	case oe != nil && oe.status == http.StatusUnauthorized:
		return unauthorized(oe.description)
	case oe != nil:
		s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, "%s", oe.description))
		return false
	case !ca.basic:
		return unauthorized(oauthMissingClientAuthMsg)
	case ca.id == "" || ca.secret == "" || len(ca.id) > maxOAuthParam || len(ca.secret) > maxOAuthParam:
		return unauthorized(invalidClientMessage)
	}
	c, err := s.svc.AuthenticateClient(r.Context(), ca.id, ca.secret, meta(r))
	switch {
	case auth.IsCode(err, auth.CodeInvalidCredentials):
		return unauthorized(invalidClientMessage)
	case err != nil:
		s.writeError(w, r, err)
		return false
	case !c.Feed:
		s.writeError(w, r, auth.Errorf(auth.CodeForbidden, "This client may not read the revocation feed."))
		return false
	}
	return true
}

// handleFeedSnapshot: GET /v1/revocations → 200
// {"seq":N,"id":"N.<mark>","revocations":[…],"time":<unix>}: every
// revocation not yet expired, complete up to the store's change sequence
// number N, and the event id of the row with Seq N
// ([revocation.EventID]), from which the stream resumes. At most [Config.FeedMaxSnapshot] revocations
// (503 beyond, logged), and a few snapshots built at once.
func (s *Server) handleFeedSnapshot(w http.ResponseWriter, r *http.Request) {
	if !s.feedClient(w, r) {
		return
	}
	release, ok := tryAcquire(s.feed.snapshots)
	if !ok {
		s.writeError(w, r, auth.Errorf(auth.CodeUnavailable, "Too many snapshots are being built; retry."))
		return
	}
	defer release()
	revs, seq, id, now, err := s.svc.RevocationSnapshot(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.feed.raise(seq)
	if len(revs) > s.cfg.FeedMaxSnapshot {
		s.log.LogAttrs(r.Context(), slog.LevelError, "revocation feed: snapshot over its limit; raise FeedMaxSnapshot",
			slog.Int("revocations", len(revs)), slog.Int("limit", s.cfg.FeedMaxSnapshot))
		s.writeError(w, r, auth.Errorf(auth.CodeUnavailable, "The revocation snapshot is over its size limit."))
		return
	}
	body, err := revocation.AppendSnapshot(make([]byte, 0, 64+len(revs)*96), revocation.Snapshot{Seq: seq, ID: id, Revocations: revs, Time: now})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noStore(w)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n'))
	s.feed.snapshotsServed.Add(1)
}

// handleFeedStream: GET /v1/revocations/stream → 200 text/event-stream
// ([HTML Living Standard, Section 9.2]): after the change sequence number
// in Last-Event-ID (the snapshot's id, or the last event's), each
// revocation added or changed in the store as an event
//
//	id: <seq>.<mark>
//	event: revocation
//	data: {"kind":"session","sub":"…","nbf":<unix>,"exp":<unix>,"seq":<seq>}
//
// in Seq order, none skipped; a comment (": ping") when it opens and every
// [Config.FeedHeartbeat]; and
// "event: resync" (then the end of the stream) when the position cannot
// be served: no Last-Event-ID, or one whose row the store no longer holds
// unchanged ([revocation.EventID]: a row changed or deleted since, or a
// store restored from a backup, whose new rows may reuse the sequence
// numbers the client has seen). The client then takes a new snapshot.
//
// The stream is driven by the store, so that event ids are the store's
// sequence numbers: the server's tail ([feedTail]) reads what is new, once
// for all streams, whenever the service's replica changes
// ([revocation.Replica.Changed]: a commit of this instance, right after it
// and before its request is answered; a periodic [auth.Service.Sync]; a
// message from another instance) and every [Config.FeedHeartbeat], and the
// streams send it from memory. A stream reads the store itself only to
// check its Last-Event-ID (that read also gives its first events) and when
// it is behind the tail's window.
//
// [HTML Living Standard, Section 9.2]: https://html.spec.whatwg.org/multipage/server-sent-events.html
func (s *Server) handleFeedStream(w http.ResponseWriter, r *http.Request) {
	if !s.feedClient(w, r) {
		return
	}
	lastID := r.Header.Get("Last-Event-ID")
	from, hasFrom := int64(0), lastID != ""
	if hasFrom {
		n, err := revocation.ParseEventID(lastID)
		if err != nil {
			s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, "Last-Event-ID must be an event id of the revocation feed."))
			return
		}
		from = n
	}
	release, ok := tryAcquire(s.feed.subscribers)
	if !ok {
		s.writeError(w, r, auth.Errorf(auth.CodeUnavailable, "Too many revocation feed subscribers."))
		return
	}
	defer release()

	ctx := r.Context()
	rc := http.NewResponseController(w)
	// The stream outlives the server's read and write timeouts: no read
	// deadline (the request has no body; a closed connection still ends
	// ctx), and a deadline per write instead.
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return
	}
	noStore(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on at once
	st := &sseWriter{w: w, rc: rc}
	w.WriteHeader(http.StatusOK)

	tail := s.feed.tail
	tail.join()
	defer tail.leave()
	// pos is the position the stream has sent everything up to (once
	// pending is sent).
	pos, resume := from, hasFrom
	var pending []feedEvent
	if hasFrom && from > 0 {
		// The position holds only if the store still has the row it
		// names, unchanged: not if it was restored from an older backup
		// and has given that Seq (and maybe smaller ones the client has
		// not seen) to other rows, nor if the row was deleted or changed.
		// What the read finds after the row is the stream's first events.
		revs, last, err := s.svc.RevocationsSince(ctx, from-1)
		s.feed.streamReads.Add(1)
		if err != nil {
			s.feedFailed(ctx, err)
			return
		}
		s.feed.raise(last)
		resume = len(revs) > 0 && revs[0].Seq == from && revocation.EventID(revs[0]) == lastID
		if resume {
			pending = s.feedEvents(ctx, revs[1:])
			s.mergeFeed(ctx, from, pending, last)
			pos = last
		}
	}
	if !resume {
		st.buf = append(st.buf, "event: resync\ndata: {}\n\n"...)
		st.flush()
		s.feed.resyncsSent.Add(1)
		return
	}
	// A first heartbeat at once: the client knows the stream is open
	// (and current: what the store holds after the position follows).
	st.buf = append(st.buf, ": ping\n\n"...)
	if st.flush() != nil {
		return
	}
	if st.send(s, pending) != nil {
		return
	}

	heartbeat := time.NewTicker(s.cfg.FeedHeartbeat)
	defer heartbeat.Stop()
	for {
		evs, high, wake, where := tail.since(pos)
		switch where {
		case tailIn:
			if st.send(s, evs) != nil {
				return
			}
			pos = high
		case tailBehind:
			// Before the window (a client far behind, or no stream
			// followed the tail): read the store, and add what was read
			// to the window (or start it).
			evs, last, err := s.readFeed(ctx, pos, &s.feed.streamReads)
			if err != nil {
				s.feedFailed(ctx, err)
				return
			}
			s.mergeFeed(ctx, pos, evs, last)
			if st.send(s, evs) != nil {
				return
			}
			pos = last
			if ctx.Err() != nil || s.feed.closed() {
				return
			}
			continue // the window may hold more already
		case tailAhead:
			// The stream's own read saw rows the tail has not read yet.
			tail.kick()
		}
		select {
		case <-wake:
		case <-heartbeat.C:
			st.buf = append(st.buf, ": ping\n\n"...)
			if st.flush() != nil {
				return
			}
		case <-ctx.Done():
			return
		case <-s.feed.closing:
			return
		}
	}
}

// mergeFeed adds a stream's own read of the store to the tail
// ([feedTail.merge]).
func (s *Server) mergeFeed(ctx context.Context, from int64, evs []feedEvent, last int64) {
	if s.feed.tail.merge(s, from, evs, last) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "revocation feed: the store no longer holds revocations the feed read from it (restored from a backup?); its window starts again from the store; restart the server so that its replica and streams follow the store again",
			slog.Int64("seq", from))
	}
}

// feedFailed logs a store failure that ends a stream; the client
// reconnects.
func (s *Server) feedFailed(ctx context.Context, err error) {
	if ctx.Err() == nil {
		s.log.LogAttrs(ctx, slog.LevelError, "revocation feed: reading the store failed", slog.String("error", err.Error()))
	}
}

// sseWriter writes the events of one stream.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf []byte
}

// send writes evs (the unencodable ones, nil, skipped), flushing every
// [feedFlushBytes] and at the end.
func (s *sseWriter) send(srv *Server, evs []feedEvent) error {
	n := 0
	for _, e := range evs {
		if e.data == nil {
			continue
		}
		s.buf = append(s.buf, e.data...)
		n++
		if len(s.buf) >= feedFlushBytes {
			if err := s.flush(); err != nil {
				return err
			}
		}
	}
	srv.feed.eventsSent.Add(int64(n))
	if len(s.buf) > 0 {
		return s.flush()
	}
	return nil
}

// flush writes what is buffered within [feedWriteTimeout] and flushes it
// to the client.
func (s *sseWriter) flush() error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(feedWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if len(s.buf) > 0 {
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
		s.buf = s.buf[:0]
	}
	return s.rc.Flush()
}
