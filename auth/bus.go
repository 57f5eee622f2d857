package auth

import (
	"context"
	"errors"
	"log/slog"
)

// KeyChangePublisher is implemented by a [RevocationBus] that also tells
// other instances when the keyring changed in the store (a key made,
// promoted, retired or revoked), so that they reload it at once rather
// than at their next [Service.Sync]. It is called after the change is
// durable; a failure is logged and changes nothing (instances also reload
// from the store).
type KeyChangePublisher interface {
	PublishKeysChanged(ctx context.Context) error
}

// RevocationSubscriber is implemented by a [RevocationBus] that delivers
// what other instances publish. [Service.Follow] uses it.
type RevocationSubscriber interface {
	// Subscribe delivers what other instances publish to h until ctx
	// ends, then returns ctx's error. It reconnects on its own after a
	// failure, and calls h.Resumed each time its subscription is
	// (re)established, since what was published while it was down is
	// lost. It calls h's functions from one goroutine, one at a time.
	Subscribe(ctx context.Context, h BusHandler) error
}

// BusHandler receives what a [RevocationSubscriber] delivers. Every field
// must be set; none may block for long.
type BusHandler struct {
	// Revoked receives revocations another instance made, durable in the
	// shared store.
	Revoked func(revs []Revocation)
	// KeysChanged is called when another instance changed the keyring in
	// the shared store.
	KeysChanged func()
	// Resumed is called when the subscription is (re)established: what
	// was published before may have been lost.
	Resumed func()
}

// Degrader is implemented by a dependency shared between instances (a
// [RevocationBus], a [Limiter]) that falls back to a slower or
// per-instance way of working while its backend is unreachable. Degraded
// returns why it is in its fallback, or nil when it is not.
type Degrader interface {
	Degraded() error
}

// Degradation names a part of the service working in its fallback mode
// (see [Service.Degraded]).
type Degradation struct {
	// Part is [PartRevocationBus] or [PartLimiter].
	Part string
	// Err says why; it may name addresses, so it is for logs, not for
	// clients.
	Err error
}

// Parts of [Degradation].
const (
	// PartRevocationBus: revocations and key changes of other instances
	// arrive only through [Service.Sync], at the sync interval.
	PartRevocationBus = "revocation_bus"
	// PartLimiter: the abuse limits are kept per instance.
	PartLimiter = "limiter"
)

// Degraded returns the parts of the service that work in their fallback
// mode because a shared dependency is unreachable ([Degrader]): nil when
// none does. A degraded service is still correct (every acknowledged
// change is in the store, and the store is the record); it is slower to
// see other instances' revocations, or keeps its limits alone. The
// server's readiness probe reports it.
func (s *Service) Degraded() []Degradation {
	var out []Degradation
	for _, p := range []struct {
		part string
		dep  any
	}{{PartRevocationBus, s.bus}, {PartLimiter, s.limiter}} {
		if d, ok := p.dep.(Degrader); ok {
			if err := d.Degraded(); err != nil {
				out = append(out, Degradation{Part: p.part, Err: err})
			}
		}
	}
	return out
}

// Follow runs until ctx ends. With a [RevocationBus] that is a
// [RevocationSubscriber], it applies the revocations other instances
// publish to the replica as they arrive and, since a message is only a
// hint (it may be lost, and the store is the record), also runs
// [Service.Sync] after each message and after each (re)subscription, so
// that nothing published while the bus was down is missed and key changes
// are loaded. Syncs are coalesced: a burst of messages runs at most one
// sync at a time and queues one more. With any other bus Follow returns at
// once. The server runs it beside its sync ticker, which stays the safety
// net.
func (s *Service) Follow(ctx context.Context) {
	sub, ok := s.bus.(RevocationSubscriber)
	if !ok {
		return
	}
	wake := make(chan struct{}, 1)
	poke := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
				if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
					s.log.LogAttrs(ctx, slog.LevelError, "sync after a bus message failed", slog.String("error", err.Error()))
				}
			}
		}
	}()
	err := sub.Subscribe(ctx, BusHandler{
		Revoked: func(revs []Revocation) {
			now := s.now()
			live := make([]Revocation, 0, len(revs))
			for _, r := range revs {
				if !r.Expires.Before(now) {
					live = append(live, r)
				}
			}
			s.revs.Add(live...)
			poke()
		},
		KeysChanged: poke,
		Resumed:     poke,
	})
	if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		s.log.LogAttrs(ctx, slog.LevelError, "revocation bus subscription ended", slog.String("error", err.Error()))
	}
	<-done
}

// publishKeysChanged tells other instances that the keyring changed, if
// the bus can ([KeyChangePublisher]).
func (s *Service) publishKeysChanged(ctx context.Context) {
	p, ok := s.bus.(KeyChangePublisher)
	if !ok {
		return
	}
	if err := p.PublishKeysChanged(ctx); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "publishing a key change failed; other instances will load it from the store",
			slog.String("error", err.Error()))
	}
}
