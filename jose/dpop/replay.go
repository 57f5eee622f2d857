package dpop

import (
	"context"
	"sync"
	"time"
)

// ReplayCache remembers the proofs a [Verifier] has accepted, so that none
// is accepted twice ([RFC 9449, Section 11.1]). Servers that share the
// proofs they accept (several instances behind one URI) must share one
// ReplayCache; [MemoryCache] is for a single process.
//
// [RFC 9449, Section 11.1]: https://www.rfc-editor.org/rfc/rfc9449#section-11.1
type ReplayCache interface {
	// Seen records key (the proof key's thumbprint and the proof's
	// "jti"), to be remembered until expires, and reports whether key was
	// already recorded and had not expired at now. The check and the
	// record must be one atomic step. A non-nil error fails the proof
	// and is returned by [Verifier.Verify] as it is.
	Seen(ctx context.Context, key string, now, expires time.Time) (bool, error)
}

// DefaultReplayCacheSize is the number of entries of a [MemoryCache] whose
// Size is zero.
const DefaultReplayCacheSize = 1 << 16

// MemoryCache is a [ReplayCache] in memory, bounded in size, for one
// process. Entries are dropped once they expire; while it holds Size
// unexpired entries, new proofs are refused with [ErrReplayCacheFull]
// rather than letting an old entry go early, which would let its proof be
// replayed. Its zero value is ready to use; it is safe for concurrent use
// and must not be copied after first use.
type MemoryCache struct {
	// Size is the largest number of entries. Zero:
	// [DefaultReplayCacheSize]. It must not be changed after first use.
	Size int

	mu    sync.Mutex
	seen  map[string]struct{}
	queue []replayEntry // in order of expiry; queue[head:] are live
	head  int
	last  int64 // the latest expiry recorded, in Unix nanoseconds
}

type replayEntry struct {
	key    string
	expiry int64
}

// Seen implements [ReplayCache].
func (c *MemoryCache) Seen(_ context.Context, key string, now, expires time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[string]struct{})
	}
	c.expire(now.UnixNano())
	if _, ok := c.seen[key]; ok {
		return true, nil
	}
	size := c.Size
	if size <= 0 {
		size = DefaultReplayCacheSize
	}
	if len(c.seen) >= size {
		return false, ErrReplayCacheFull
	}
	// Expiries are kept in order, so that the oldest entry is always
	// first: an entry may live a little longer than asked, never shorter.
	exp := max(expires.UnixNano(), c.last)
	c.last = exp
	c.seen[key] = struct{}{}
	c.queue = append(c.queue, replayEntry{key: key, expiry: exp})
	return false, nil
}

// Len returns the number of entries, expired ones included until the next
// call to Seen drops them.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// expire drops the entries that have expired at now.
func (c *MemoryCache) expire(now int64) {
	for c.head < len(c.queue) && c.queue[c.head].expiry <= now {
		delete(c.seen, c.queue[c.head].key)
		c.queue[c.head] = replayEntry{}
		c.head++
	}
	switch {
	case c.head == len(c.queue):
		c.queue, c.head = c.queue[:0], 0
	case c.head >= 1024 && c.head >= len(c.queue)/2:
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
}
