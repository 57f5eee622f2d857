package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/wardauth/ward/auth"
)

// Bus fans revocations and key changes out to every instance through Redis
// pub/sub: an [auth.RevocationBus], [auth.KeyChangePublisher],
// [auth.RevocationSubscriber] and [auth.Degrader]. Make one per instance
// with [Client.Bus] and give it to [auth.Config].RevocationBus;
// [auth.Service.Follow] subscribes. A message only hints that the store
// holds something new: subscribers apply its revocations at once and then
// sync with the store, which is the record (see the package doc).
type Bus struct {
	c       *Client
	channel string
	key     []byte
	origin  string

	subscribing atomic.Bool
	subscribed  atomic.Bool // the subscription is established
}

// Bus returns a bus on c whose messages are authenticated under key
// ([BusKey] of the key-encryption key; at least [BusKeySize] bytes).
// Instances that share a prefix and a key hear each other.
func (c *Client) Bus(key []byte) (*Bus, error) {
	if len(key) < BusKeySize {
		return nil, fmt.Errorf("redis: bus key of %d bytes, want at least %d", len(key), BusKeySize)
	}
	var id [12]byte
	rand.Read(id[:])
	return &Bus{c: c, channel: c.prefix + "bus", key: key, origin: hex.EncodeToString(id[:])}, nil
}

// Publish implements [auth.RevocationBus]: it sends revs (durable in the
// store) to the other instances, in messages of at most
// [MaxRevocationsPerMessage]. While Redis is unreachable it sends nothing
// and returns an error at once; instances then see revs at their sync
// interval.
func (b *Bus) Publish(ctx context.Context, revs []auth.Revocation) error {
	wire := toWire(revs)
	for len(wire) > 0 {
		n := min(len(wire), MaxRevocationsPerMessage)
		if err := b.send(ctx, &Message{Origin: b.origin, Revocations: wire[:n]}); err != nil {
			return err
		}
		wire = wire[n:]
	}
	return nil
}

// PublishKeysChanged implements [auth.KeyChangePublisher].
func (b *Bus) PublishKeysChanged(ctx context.Context) error {
	return b.send(ctx, &Message{Origin: b.origin, KeysChanged: true})
}

func (b *Bus) send(ctx context.Context, m *Message) error {
	msg, err := EncodeMessage(m, b.key)
	if err != nil {
		if len(m.Revocations) > 1 { // too large: halve
			h := len(m.Revocations) / 2
			return errors.Join(
				b.send(ctx, &Message{Origin: m.Origin, Revocations: m.Revocations[:h]}),
				b.send(ctx, &Message{Origin: m.Origin, Revocations: m.Revocations[h:]}))
		}
		return err
	}
	if b.c.isDown() {
		return b.c.Degraded()
	}
	cctx, cancel := b.c.withTimeout(ctx)
	defer cancel()
	return b.c.check(ctx, b.c.rdb.Publish(cctx, b.channel, msg).Err())
}

// Degraded implements [auth.Degrader]: not nil while Redis is unreachable,
// or while [Bus.Subscribe] runs without an established subscription.
func (b *Bus) Degraded() error {
	if err := b.c.Degraded(); err != nil {
		return err
	}
	if b.subscribing.Load() && !b.subscribed.Load() {
		return errors.New("redis: bus subscription not established")
	}
	return nil
}

// pingGrace is how many health intervals a ping may take.
const pingGrace = 3

// Subscribed reports whether [Bus.Subscribe] runs with its subscription
// established: what other instances publish now reaches it.
func (b *Bus) Subscribed() bool { return b.subscribed.Load() }

// Subscribe implements [auth.RevocationSubscriber]: it delivers the
// messages of other instances to h until ctx ends. A connection that
// fails, or stays silent through a ping, is replaced after
// [Options].HealthInterval; h.Resumed is called on every subscription.
// Messages not authenticated under the bus key are dropped and logged.
func (b *Bus) Subscribe(ctx context.Context, h auth.BusHandler) error {
	if !b.subscribing.CompareAndSwap(false, true) {
		return errors.New("redis: bus already subscribed")
	}
	defer b.subscribing.Store(false)
	defer b.subscribed.Store(false)
	for {
		err := b.listen(ctx, h)
		b.subscribed.Store(false)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Only the subscription is down ([Bus.Degraded]): commands mark
		// the client down themselves if Redis is gone.
		b.c.log.LogAttrs(ctx, slog.LevelWarn, "bus subscription lost; resubscribing", slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(b.c.interval):
		}
	}
}

// listen runs one subscription until it fails or ctx ends.
func (b *Bus) listen(ctx context.Context, h auth.BusHandler) error {
	ps := b.c.rdb.Subscribe(ctx, b.channel)
	defer ps.Close()
	silent := 0 // intervals without a message since the last one
	for {
		msg, err := ps.ReceiveTimeout(ctx, b.c.interval)
		if err != nil {
			var ne net.Error
			if ctx.Err() != nil || !errors.As(err, &ne) || !ne.Timeout() {
				return err
			}
			// A quiet connection is pinged; one that stays silent for
			// pingGrace intervals after a ping is gone.
			if silent++; silent > pingGrace {
				return fmt.Errorf("no answer to a ping within %v", time.Duration(pingGrace)*b.c.interval)
			}
			if silent == 1 {
				if err := ps.Ping(ctx); err != nil {
					return err
				}
			}
			continue
		}
		silent = 0
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" && m.Channel == b.channel {
				b.subscribed.Store(true)
				h.Resumed()
			}
		case *goredis.Message:
			b.deliver(ctx, []byte(m.Payload), h)
		}
	}
}

func (b *Bus) deliver(ctx context.Context, payload []byte, h auth.BusHandler) {
	m, err := DecodeMessage(payload, b.key)
	if err != nil {
		b.c.log.LogAttrs(ctx, slog.LevelWarn, "dropping a bus message", slog.String("error", err.Error()))
		return
	}
	if m.Origin == b.origin {
		return
	}
	if len(m.Revocations) > 0 {
		h.Revoked(fromWire(m.Revocations))
	}
	if m.KeysChanged {
		h.KeysChanged()
	}
}
