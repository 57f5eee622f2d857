package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// ReplayCache is a DPoP replay cache (jose/dpop's ReplayCache) in Redis,
// shared by every instance: a proof is recorded with SET NX and a
// lifetime, one atomic step. Keys are the SHA-256 of the thumbprint and
// "jti", so their size does not follow the client's input.
//
// It has no fallback: while Redis is unreachable, Seen fails and so does
// the proof, since a per-instance cache would let a proof be replayed on
// another instance.
type ReplayCache struct {
	c *Client
}

// ReplayCache returns a replay cache on c.
func (c *Client) ReplayCache() *ReplayCache { return &ReplayCache{c: c} }

// Seen records the proof (jkt, jti) until expires and reports whether it
// was already recorded. The lifetime is expires − now (at least a
// millisecond), counted by Redis, so that the instances' clocks need not
// agree with its.
func (rc *ReplayCache) Seen(ctx context.Context, jkt, jti string, now, expires time.Time) (bool, error) {
	h := sha256.New()
	h.Write([]byte(jkt))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	key := rc.c.prefix + "dpop:" + hex.EncodeToString(h.Sum(nil))
	ttl := max(expires.Sub(now), time.Millisecond)
	cctx, cancel := rc.c.withTimeout(ctx)
	defer cancel()
	set, err := rc.c.rdb.SetNX(cctx, key, 1, ttl).Result()
	if err = rc.c.check(ctx, err); err != nil {
		return false, err
	}
	return !set, nil
}
