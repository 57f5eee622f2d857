// Package redis keeps what several instances of the auth service share in
// Redis, beside the store that is the record: the fan-out of revocations
// and key changes ([Bus], an [auth.RevocationBus]), the abuse limits
// ([Limiter], an [auth.Limiter]) and the DPoP replay cache ([ReplayCache],
// a dpop.ReplayCache). It is built on [github.com/redis/go-redis/v9].
//
// # Losing Redis
//
// Redis holds nothing that is acknowledged to a client: every revocation
// and key change is durable in the store before it is published. While
// Redis is unreachable a [Client] says so ([Client.Degraded]); the bus
// publishes nothing and instances see each other's revocations at their
// sync interval ([auth.Service.Sync]); the limiter keeps its buckets in
// memory, per instance ([limit.Memory]); the replay cache refuses proofs
// rather than accept one twice. When Redis answers again, all three go
// back to it on their own, and the bus's subscribers sync with the store
// to catch what they missed.
//
// # Fan-out
//
// The bus uses Redis pub/sub, not streams: a message is a hint that the
// store holds something new, so a message lost while an instance is
// disconnected costs only latency (the instance syncs with the store when
// it resubscribes, and at its sync interval anyway). Streams would replay
// what was missed, but at the cost of a log in Redis to trim and an offset
// per instance, which duplicates what the store's change sequence
// ([auth.Revocation].Seq) already gives. Messages are authenticated with
// HMAC-SHA256 under a key every instance derives from the key-encryption
// key ([BusKey]), so that a client of Redis cannot revoke tokens or make
// instances reload.
package redis
