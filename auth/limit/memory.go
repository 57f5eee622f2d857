package limit

import (
	"container/list"
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys is the default of [MemoryOptions.MaxKeys].
const DefaultMaxKeys = 100_000

// MaxBackoff caps the halvings of [Memory.Fail]: a bucket refills at
// least at 1/2^MaxBackoff of its rate.
const MaxBackoff = 10

const shards = 16

// MemoryOptions configure a [Memory]. Every zero value selects the default.
type MemoryOptions struct {
	// MaxKeys bounds the buckets held: past it the least recently used
	// bucket is dropped, so a flood of distinct keys (addresses, emails)
	// cannot grow memory without bound. A dropped bucket starts full
	// again if its key returns. Zero: [DefaultMaxKeys] (about 200 bytes
	// each).
	MaxKeys int
	// Now returns the current time. Nil: [time.Now].
	Now func() time.Time
}

// Memory is an in-memory store of token buckets, one per key, for one
// instance. It is safe for concurrent use.
type Memory struct {
	now    func() time.Time
	seed   maphash.Seed
	shards [shards]shard
}

type shard struct {
	mu   sync.Mutex
	max  int
	keys map[string]*list.Element // of *bucket
	lru  list.List                // front: most recently used
}

type bucket struct {
	key     string
	rate    Rate // the base rate
	strikes int  // consecutive failures (Fail) since the last Reset
	lim     *rate.Limiter
}

// NewMemory returns an empty store.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Memory{now: opts.Now, seed: maphash.MakeSeed()}
	per := max(opts.MaxKeys/shards, 1)
	for i := range m.shards {
		m.shards[i] = shard{max: per, keys: make(map[string]*list.Element)}
	}
	return m
}

func (m *Memory) shard(key string) *shard {
	return &m.shards[maphash.String(m.seed, key)%shards]
}

// get returns key's bucket at rate r, creating it (full) if needed and
// dropping the least recently used bucket if the shard is full, and marks
// it used. The caller holds s.mu.
func (s *shard) get(key string, r Rate) *bucket {
	if el, ok := s.keys[key]; ok {
		b := el.Value.(*bucket)
		s.lru.MoveToFront(el)
		if b.rate != r { // reconfigured: start over
			b.rate, b.strikes, b.lim = r, 0, rate.NewLimiter(rate.Every(r.Every), r.Burst)
		}
		return b
	}
	for len(s.keys) >= s.max {
		old := s.lru.Back()
		delete(s.keys, old.Value.(*bucket).key)
		s.lru.Remove(old)
	}
	b := &bucket{key: key, rate: r, lim: rate.NewLimiter(rate.Every(r.Every), r.Burst)}
	s.keys[key] = s.lru.PushFront(b)
	return b
}

// Allow takes cost tokens from key's bucket (created full at rate r) if it
// holds them, and otherwise takes nothing and says how long until it
// would. A cost of 0 takes nothing and reports whether one token is
// there: a check before work whose outcome decides whether it is charged.
// An unlimited r allows everything and keeps nothing.
func (m *Memory) Allow(_ context.Context, key string, r Rate, cost int) (Decision, error) {
	if r.Unlimited() {
		return Decision{Allowed: true}, nil
	}
	now := m.now()
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.get(key, r)
	need := max(cost, 1)
	if cost > 0 && b.lim.AllowN(now, cost) || cost == 0 && b.lim.TokensAt(now) >= 1 {
		return Decision{Allowed: true}, nil
	}
	missing := float64(min(need, r.Burst)) - b.lim.TokensAt(now)
	wait := time.Duration(math.Ceil(missing * float64(r.Every<<b.strikes)))
	return Decision{RetryAfter: max(wait, time.Nanosecond)}, nil
}

// Fail records a failure against key's bucket: its refill rate halves with
// each consecutive failure, down to 1/2^[MaxBackoff] of r, until
// [Memory.Reset]. The tokens it holds stay.
func (m *Memory) Fail(_ context.Context, key string, r Rate) error {
	if r.Unlimited() {
		return nil
	}
	now := m.now()
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.get(key, r)
	if b.strikes < MaxBackoff {
		b.strikes++
	}
	b.lim.SetLimitAt(now, rate.Every(r.Every*time.Duration(1<<b.strikes)))
	return nil
}

// Reset forgets key's bucket, as after a success: it starts full, at its
// base rate.
func (m *Memory) Reset(_ context.Context, key string) error {
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.keys[key]; ok {
		delete(s.keys, key)
		s.lru.Remove(el)
	}
	return nil
}

// Len returns the number of buckets held.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.keys)
		s.mu.Unlock()
	}
	return n
}
