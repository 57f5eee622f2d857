package httpauth

import (
	"crypto/sha256"
	"sync"
	"time"
	"unsafe"
)

// cacheShards spreads the verified-token cache over independently locked
// parts, so that concurrent requests rarely wait for each other.
const cacheShards = 16

// tokenCache is the verified-token cache of [Config.CacheSize]: bounded,
// keyed by the SHA-256 of the whole token (never a prefix or suffix, so
// two tokens that share either never share an entry), first in, first
// out.
type tokenCache struct {
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu   sync.RWMutex
	m    map[[32]byte]*cacheEntry
	ring [][32]byte // insertion order, for eviction
	next int
	full bool
}

// cacheEntry is a verified token: its claims, the "kid" that verified it,
// and the verifier (so the key set) it was verified with.
type cacheEntry struct {
	info  *authInfo // the claims, ready for the request context
	kid   string
	state *verifierState
}

func newTokenCache(size int) *tokenCache {
	c := new(tokenCache)
	per := max(1, (size+cacheShards-1)/cacheShards)
	for i := range c.shards {
		c.shards[i].m = make(map[[32]byte]*cacheEntry, per)
		c.shards[i].ring = make([][32]byte, per)
	}
	return c
}

// cacheKey is the SHA-256 of the whole token. Hashing reads the string's
// bytes in place: the token may be 16 KiB, and copying it would cost more
// than the hash.
func cacheKey(token string) [32]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
}

func (c *tokenCache) shard(key [32]byte) *cacheShard { return &c.shards[key[0]%cacheShards] }

// get returns the entry of key if it was verified with the keys of st and
// is not expired at now: an entry is never used at or after "exp" (the
// verifier's leeway is for clocks that disagree, not for the cache), nor
// after the key set changed (a key that was dropped no longer vouches for
// its tokens).
func (c *tokenCache) get(key [32]byte, st *verifierState, now time.Time) *cacheEntry {
	s := c.shard(key)
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	if e == nil || e.state != st || !now.Before(e.info.claims.ExpiresAt) {
		return nil
	}
	return e
}

// put adds an entry, evicting the oldest when the shard is full.
func (c *tokenCache) put(key [32]byte, e *cacheEntry) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; ok {
		s.m[key] = e
		return
	}
	if s.full {
		delete(s.m, s.ring[s.next])
	}
	s.ring[s.next] = key
	s.m[key] = e
	s.next++
	if s.next == len(s.ring) {
		s.next, s.full = 0, true
	}
}
