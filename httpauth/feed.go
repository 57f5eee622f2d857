package httpauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/auth/revocation"
	"github.com/wardauth/ward/jose/jwt"
)

// Defaults and limits of [FeedConfig].
const (
	// DefaultMaxStaleness is [FeedConfig.MaxStaleness]'s default: four
	// missed heartbeats of the server (one every 15 s).
	DefaultMaxStaleness = time.Minute
	// DefaultMaxSnapshotBytes is [FeedConfig.MaxSnapshotBytes]'s default.
	DefaultMaxSnapshotBytes = 64 << 20
	// DefaultMaxEntries is [FeedConfig.MaxEntries]'s default.
	DefaultMaxEntries = 1 << 20
	// DefaultMaxEventBytes is [FeedConfig.MaxEventBytes]'s default.
	DefaultMaxEventBytes = 16 << 10
	// DefaultIdleTimeout is [FeedConfig.IdleTimeout]'s default: two
	// heartbeats and a margin.
	DefaultIdleTimeout = 35 * time.Second
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait before a
	// reconnection, which doubles after each failure and is jittered.
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second

	snapshotPath = "/v1/revocations"
	streamPath   = "/v1/revocations/stream"
	// snapshotTimeout bounds one snapshot request.
	snapshotTimeout = time.Minute
	pruneInterval   = 30 * time.Second
)

// FeedConfig configures a [Feed]. Issuer, ClientID and ClientSecret are
// required; every other zero value is the default its doc gives.
type FeedConfig struct {
	// Issuer is the base URL of the auth server (`ward serve`), such as
	// "https://auth.example.com"; the feed is at /v1/revocations there.
	Issuer string
	// ClientID and ClientSecret authenticate the feed with HTTP Basic; the
	// client needs the feed permission (`ward client add --feed NAME`).
	ClientID, ClientSecret string
	// HTTPClient makes the requests. It must not set a Timeout (the stream
	// is long-lived): the feed bounds each request itself. Nil: a client
	// with connection, TLS handshake and response header timeouts of 10 s.
	HTTPClient *http.Client
	// MaxStaleness is how long the replica may go without being known
	// current (a snapshot, an event or a heartbeat) before the feed is
	// stale ([FeedStatus.Stale]). Zero: [DefaultMaxStaleness].
	MaxStaleness time.Duration
	// RefuseWhenStale makes [Feed.Check] refuse every token with
	// [ErrUnavailable] while the feed is stale. False: a stale replica
	// keeps answering with what it holds, and only the status reports it.
	RefuseWhenStale bool
	// Logger receives connection failures and staleness changes. Nil:
	// discard.
	Logger *slog.Logger

	// MaxSnapshotBytes limits the snapshot's body. Zero:
	// [DefaultMaxSnapshotBytes].
	MaxSnapshotBytes int64
	// MaxEntries limits the revocations of a snapshot. Zero:
	// [DefaultMaxEntries].
	MaxEntries int
	// MaxEventBytes limits one line, and the data of one event, of the
	// stream. Zero: [DefaultMaxEventBytes].
	MaxEventBytes int
	// IdleTimeout is how long the stream may be silent (the server sends a
	// heartbeat every 15 s) before the feed reconnects. Zero:
	// [DefaultIdleTimeout].
	IdleTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnections.
	// Zero: [DefaultMinBackoff]; the smaller of [DefaultMaxBackoff] and a
	// quarter of MaxStaleness.
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// FeedStatus is a [Feed]'s state, for health checks and metrics.
type FeedStatus struct {
	// Ready: a snapshot has loaded. Until then [Feed.Check] refuses.
	Ready bool
	// Stale: the replica has not been known current for longer than
	// [FeedConfig.MaxStaleness].
	Stale bool
	// LoadedAt is when the last snapshot loaded; LastEvent when the feed
	// was last known current (snapshot, event or heartbeat).
	LoadedAt, LastEvent time.Time
	// Seq is the store's change sequence number the replica has read up
	// to: the stream's last event id.
	Seq int64
	// Len is the number of revocations in the replica.
	Len int
}

// Feed keeps a [revocation.Replica] current from the auth server's
// revocation feed: a snapshot of what is revoked and not yet expired, then
// a Server-Sent Events stream of new revocations, resumed after a
// disconnection with Last-Event-ID, and a new snapshot when the server
// asks for a resync. It implements [Revocations]: pass it as
// [Config.Revocations] and start [Feed.Run].
//
// Checking a token costs no network round trip; a revoked token is
// refused as soon as its event arrives, milliseconds after the auth server
// made the revocation durable.
type Feed struct {
	cfg          FeedConfig
	base         *url.URL
	client       *http.Client
	log          *slog.Logger
	now          func() time.Time
	replica      *revocation.Replica
	maxStaleness int64 // nanoseconds

	ready      atomic.Bool
	readyC     chan struct{}
	readyOnce  sync.Once
	current    atomic.Int64 // unix nanoseconds when last known current
	stale      atomic.Bool  // current is older than MaxStaleness (set by staleTimer)
	staleMu    sync.Mutex
	staleTimer *time.Timer  // fires MaxStaleness after current
	loadedAt   atomic.Int64 // unix nanoseconds of the last snapshot
	running    atomic.Bool
	// lastID is the event id ([revocation.EventID]) of the replica's
	// position: the snapshot's or the last event's. Only Run's
	// goroutine uses it.
	lastID string
}

var (
	errFeedNotReady = fmt.Errorf("%w: the revocation feed has not loaded", ErrUnavailable)
	errFeedStale    = fmt.Errorf("%w: the revocation feed is stale", ErrUnavailable)
	// errResync ends a stream whose server asked for a new snapshot.
	errResync = errors.New("httpauth: feed: resync requested")
)

// NewFeed returns a feed for cfg, not yet running: call [Feed.Run].
func NewFeed(cfg FeedConfig) (*Feed, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("httpauth: NewFeed: Issuer, ClientID and ClientSecret are required")
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.Issuer, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("httpauth: NewFeed: Issuer %q is not an http(s) URL", cfg.Issuer)
	}
	if cfg.HTTPClient != nil && cfg.HTTPClient.Timeout != 0 {
		return nil, errors.New("httpauth: NewFeed: HTTPClient.Timeout would cut the stream; leave it zero")
	}
	if cfg.MaxStaleness < 0 || cfg.MaxSnapshotBytes < 0 || cfg.MaxEntries < 0 || cfg.MaxEventBytes < 0 ||
		cfg.IdleTimeout < 0 || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 {
		return nil, errors.New("httpauth: NewFeed: negative limit")
	}
	if cfg.MaxStaleness == 0 {
		cfg.MaxStaleness = DefaultMaxStaleness
	}
	if cfg.MaxSnapshotBytes == 0 {
		cfg.MaxSnapshotBytes = DefaultMaxSnapshotBytes
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.MaxEventBytes == 0 {
		cfg.MaxEventBytes = DefaultMaxEventBytes
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		// Back soon enough that an outage shorter than MaxStaleness
		// is not followed by a stale spell.
		cfg.MaxBackoff = min(DefaultMaxBackoff, cfg.MaxStaleness/4)
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = defaultFeedClient()
	}
	return &Feed{
		cfg:          cfg,
		base:         base,
		client:       client,
		log:          cfg.Logger,
		now:          cfg.Now,
		replica:      revocation.NewReplica(),
		maxStaleness: int64(cfg.MaxStaleness),
		readyC:       make(chan struct{}),
	}, nil
}

// defaultFeedClient returns an HTTP client whose connection, TLS handshake
// and response header waits are bounded, and whose body reads are not
// (the feed bounds them).
func defaultFeedClient() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   2,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: t}
}

// Check implements [Revocations]: it returns an error wrapping
// [jwt.ErrRevoked] if the replica holds a revocation of the token
// ([revocation.Replica.Check]), and one wrapping [ErrUnavailable] if no
// snapshot has loaded yet or, with [FeedConfig.RefuseWhenStale], the feed
// is stale. It reads no clock: staleness is set by a timer.
func (f *Feed) Check(c *jwt.Claims, sid, kid string) error {
	if !f.ready.Load() {
		return errFeedNotReady
	}
	if f.cfg.RefuseWhenStale && f.stale.Load() {
		return errFeedStale
	}
	return f.replica.Check(c, sid, kid)
}

// Status returns the feed's state.
func (f *Feed) Status() FeedStatus {
	st := FeedStatus{
		Ready: f.ready.Load(),
		Seq:   f.replica.Seq(),
		Len:   f.replica.Len(),
	}
	if st.Ready {
		st.LoadedAt = time.Unix(0, f.loadedAt.Load())
		st.LastEvent = time.Unix(0, f.current.Load())
		st.Stale = f.stale.Load() // what Check goes by
	}
	return st
}

// Ready returns a channel closed once the first snapshot has loaded.
func (f *Feed) Ready() <-chan struct{} { return f.readyC }

// Changed returns a channel closed at the replica's next change (a
// snapshot or an event applied): see [revocation.Replica.Changed].
func (f *Feed) Changed() <-chan struct{} { return f.replica.Changed() }

// Run keeps the replica current until ctx ends, and then returns ctx's
// error: it loads a snapshot, follows the stream, and after a failure
// reconnects with exponential backoff and jitter, resuming the stream
// after the last event it applied (a new snapshot only when the server
// asks for a resync). Failures are logged, never returned. Run may be
// called once.
func (f *Feed) Run(ctx context.Context) error {
	if !f.running.CompareAndSwap(false, true) {
		return errors.New("httpauth: Feed.Run called twice")
	}
	pruneDone := make(chan struct{})
	pctx, stopPrune := context.WithCancel(ctx)
	go func() {
		defer close(pruneDone)
		f.pruneLoop(pctx)
	}()
	defer func() {
		stopPrune()
		<-pruneDone
	}()

	needSnapshot := true
	failures := 0
	for {
		progress, err := f.connect(ctx, &needSnapshot)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if progress {
			failures = 0
		}
		failures++
		wait := f.backoff(failures)
		if errors.Is(err, errResync) {
			// Not a failure, but waited for like one, so that a server
			// that keeps asking cannot make the feed spin.
			f.log.LogAttrs(ctx, slog.LevelInfo, "revocation feed: resync requested; loading a new snapshot", slog.Duration("wait", wait))
		} else {
			f.log.LogAttrs(ctx, slog.LevelWarn, "revocation feed: disconnected; reconnecting",
				slog.String("error", err.Error()), slog.Duration("wait", wait))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff returns the wait before reconnection attempt n (1, 2, …):
// MinBackoff doubled n-1 times, at most MaxBackoff, with "equal jitter":
// uniformly between half of it and all of it, so that the resource
// servers of one auth server do not reconnect in step after it restarts.
func (f *Feed) backoff(n int) time.Duration {
	d := f.cfg.MinBackoff
	for i := 1; i < n && d < f.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, f.cfg.MaxBackoff)
	half := d / 2
	return half + rand.N(d-half+1)
}

// connect loads a snapshot if *needSnapshot, then follows the stream until
// it fails. progress reports whether anything was received (so that the
// backoff starts over).
func (f *Feed) connect(ctx context.Context, needSnapshot *bool) (progress bool, err error) {
	if *needSnapshot {
		if err := f.loadSnapshot(ctx); err != nil {
			return false, err
		}
		*needSnapshot = false
		progress = true
	}
	p, err := f.stream(ctx)
	if errors.Is(err, errResync) {
		*needSnapshot = true
	}
	return progress || p, err
}

// request returns a GET request for path on the issuer, authenticated as
// the feed's client.
func (f *Feed) request(ctx context.Context, path string) (*http.Request, error) {
	u := *f.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	// RFC 6749, Section 2.3.1: form-urlencoded, then Basic.
	req.SetBasicAuth(url.QueryEscape(f.cfg.ClientID), url.QueryEscape(f.cfg.ClientSecret))
	return req, nil
}

// statusError describes a response that is not 200 OK.
func statusError(what string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Errorf("httpauth: feed %s: %s: %s", what, resp.Status, bytes.TrimSpace(body))
}

// loadSnapshot fetches the snapshot and loads the replica from it.
func (f *Feed) loadSnapshot(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	req, err := f.request(ctx, snapshotPath)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("httpauth: feed snapshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError("snapshot", resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxSnapshotBytes+1))
	if err != nil {
		return fmt.Errorf("httpauth: feed snapshot: %w", err)
	}
	if int64(len(body)) > f.cfg.MaxSnapshotBytes {
		return fmt.Errorf("httpauth: feed snapshot: larger than %d bytes", f.cfg.MaxSnapshotBytes)
	}
	snap, err := revocation.ParseSnapshot(body, f.cfg.MaxEntries)
	if err != nil {
		return fmt.Errorf("httpauth: feed snapshot: %w", err)
	}
	now := f.now()
	f.replica.Load(snap.Revocations, snap.Seq, now)
	f.lastID = snap.ID
	f.loadedAt.Store(now.UnixNano())
	f.markCurrent(now)
	if !f.ready.Swap(true) {
		f.readyOnce.Do(func() { close(f.readyC) })
	}
	f.log.LogAttrs(ctx, slog.LevelInfo, "revocation feed: snapshot loaded",
		slog.Int64("seq", snap.Seq), slog.Int("revocations", len(snap.Revocations)))
	return nil
}

// markCurrent records now as the last instant the replica was known
// current (it never moves back), clears the stale flag and re-arms the
// timer that sets it.
func (f *Feed) markCurrent(now time.Time) {
	n := now.UnixNano()
	for {
		old := f.current.Load()
		if n <= old || f.current.CompareAndSwap(old, n) {
			break
		}
	}
	f.staleMu.Lock()
	defer f.staleMu.Unlock()
	f.stale.Store(false)
	if f.staleTimer == nil {
		f.staleTimer = time.AfterFunc(f.cfg.MaxStaleness, f.checkStale)
	} else {
		f.staleTimer.Reset(f.cfg.MaxStaleness)
	}
}

// checkStale runs when MaxStaleness may have passed since the feed was
// last current: it sets the stale flag, or re-arms the timer for the
// rest of the time.
func (f *Feed) checkStale() {
	f.staleMu.Lock()
	defer f.staleMu.Unlock()
	left := time.Duration(f.current.Load() + f.maxStaleness - f.now().UnixNano())
	if left < 0 {
		f.stale.Store(true)
		return
	}
	f.staleTimer.Reset(left + time.Millisecond)
}

// stream follows the event stream from the replica's sequence number
// until it fails, the server asks for a resync (errResync) or ctx ends.
func (f *Feed) stream(ctx context.Context) (progress bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := f.request(ctx, streamPath)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Last-Event-ID", f.lastID)
	// The stream must show life every IdleTimeout, or it is dropped.
	idle := time.AfterFunc(f.cfg.IdleTimeout, cancel)
	defer idle.Stop()
	resp, err := f.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("httpauth: feed stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, statusError("stream", resp)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return false, fmt.Errorf("httpauth: feed stream: Content-Type %q", ct)
	}
	sse := newSSEReader(resp.Body, f.cfg.MaxEventBytes)
	for {
		ev, err := sse.next()
		if err != nil {
			if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
				err = fmt.Errorf("%w (no heartbeat within %v)", err, f.cfg.IdleTimeout)
			}
			return progress, fmt.Errorf("httpauth: feed stream: %w", err)
		}
		idle.Reset(f.cfg.IdleTimeout)
		progress = true
		now := f.now()
		switch {
		case ev.comment: // heartbeat
		case ev.event == "revocation":
			v, err := revocation.ParseJSON(ev.data)
			if err != nil {
				return progress, fmt.Errorf("httpauth: feed stream: %w", err)
			}
			if seq, err := revocation.ParseEventID(ev.id); err != nil || seq != v.Seq {
				return progress, fmt.Errorf("httpauth: feed stream: event id %q is not an event id of seq %d", ev.id, v.Seq)
			}
			var add []revocation.Revocation
			if !v.Expires.Before(now) {
				add = []revocation.Revocation{v}
			}
			f.replica.Advance(add, v.Seq, now)
			f.lastID = ev.id
		case ev.event == "resync":
			return progress, errResync
		default:
			continue // unknown events are ignored, as the standard asks
		}
		f.markCurrent(now)
	}
}

// pruneLoop drops expired revocations from the replica and logs the
// changes of staleness, until ctx ends.
func (f *Feed) pruneLoop(ctx context.Context) {
	t := time.NewTicker(max(min(pruneInterval, f.cfg.MaxStaleness/2), 10*time.Millisecond))
	defer t.Stop()
	stale := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f.replica.Prune(f.now())
		st := f.Status()
		if st.Ready && st.Stale != stale {
			stale = st.Stale
			level, msg := slog.LevelInfo, "revocation feed: current again"
			if stale {
				level, msg = slog.LevelError, "revocation feed: stale"
			}
			f.log.LogAttrs(ctx, level, msg, slog.Time("last_current", st.LastEvent), slog.Bool("refusing", stale && f.cfg.RefuseWhenStale))
		}
	}
}
