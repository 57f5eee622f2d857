package dpop

import (
	"context"
	"hash/maphash"
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
	// Seen records a proof, by the thumbprint jkt of its key and its
	// "jti", to be remembered until expires, and reports whether the same
	// pair was already recorded and had not expired at now. Proofs are
	// kept apart by key, so that one client's "jti" never collides with
	// another's. The check and the record must be one atomic step. A
	// non-nil error fails the proof and is returned by [Verifier.Verify]
	// as it is.
	Seen(ctx context.Context, jkt, jti string, now, expires time.Time) (bool, error)
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
//
// An entry is a 128-bit hash of the thumbprint and "jti" under a key
// chosen at random for each MemoryCache ([hash/maphash]), not the strings:
// about 60 bytes whatever the length of "jti". Two proofs are mistaken for
// one only if their hashes collide, which a client cannot arrange without
// the key.
type MemoryCache struct {
	// Size is the largest number of entries. Zero:
	// [DefaultReplayCacheSize]. It must not be changed after first use.
	Size int

	mu    sync.Mutex
	seeds [2]maphash.Seed
	seen  map[replayKey]struct{}
	queue []replayEntry // in order of expiry; queue[head:] are live
	head  int
	last  int64 // the latest expiry recorded, in Unix nanoseconds
}

type replayKey [2]uint64

type replayEntry struct {
	key    replayKey
	expiry int64
}

// Seen implements [ReplayCache].
func (c *MemoryCache) Seen(_ context.Context, jkt, jti string, now, expires time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[replayKey]struct{}, 1024)
		c.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	}
	var key replayKey
	var h maphash.Hash
	for i, seed := range c.seeds {
		h.SetSeed(seed)
		h.WriteString(jkt)
		h.WriteByte(0)
		h.WriteString(jti)
		key[i] = h.Sum64()
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
