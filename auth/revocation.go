package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/wardauth/ward/auth/revocation"
)

// Revocation kinds: the kinds of package [revocation].
const (
	// RevokeToken revokes one access token ([revocation.Token]).
	RevokeToken = revocation.Token
	// RevokeSession revokes every token of one session
	// ([revocation.Session]).
	RevokeSession = revocation.Session
	// RevokeUser revokes the tokens of one user or client
	// ([revocation.User]).
	RevokeUser = revocation.User
	// RevokeKey revokes every token signed by one key ([revocation.Key]).
	RevokeKey = revocation.Key
)

// Revocation is one durable revocation ([revocation.Revocation]). Its Seq
// is set by [ReadTx.Revocations] and [ReadTx.RevocationsSince].
type Revocation = revocation.Revocation

// RevocationBus carries revocations between instances (Redis fan-out,
// later). Publish is called after the revocations are durable in the store;
// a failure is logged and never undoes them (instances also reload from
// the store). The zero configuration is [NopRevocationBus].
type RevocationBus interface {
	Publish(ctx context.Context, revs []Revocation) error
}

// NopRevocationBus is a [RevocationBus] that publishes nothing.
type NopRevocationBus struct{}

// Publish implements [RevocationBus].
func (NopRevocationBus) Publish(context.Context, []Revocation) error { return nil }

// Revocations is the service's in-memory replica of what is revoked and
// not yet expired: a [revocation.Replica] (whose methods it has) that can
// also read the store.
//
// [Revocations.Load] reads every revocation in the store;
// [Revocations.Sync] reads only those added or changed since the replica's
// high-water mark ([revocation.Replica.Seq]), so that its cost follows the
// rate of revocations, not their number.
type Revocations struct {
	*revocation.Replica
}

// NewRevocations returns an empty replica, not yet loaded.
func NewRevocations() *Revocations {
	return &Revocations{revocation.NewReplica()}
}

// Load adds the unexpired revocations in store at now to the replica,
// records now as the load time, and sets the high-water mark to the
// store's ([revocation.Replica.Load]). Entries already in the replica are
// kept (revocations are never withdrawn; Prune drops expired ones), so a
// revocation applied while Load runs is not lost. Load reads the whole
// table: use it at start and after restoring the store from a backup, and
// [Revocations.Sync] otherwise.
func (r *Revocations) Load(ctx context.Context, store Store, now time.Time) error {
	revs, last, err := revocationsSince(ctx, store, 0)
	if err != nil {
		return fmt.Errorf("auth: loading revocations: %w", err)
	}
	r.Replica.Load(unexpired(revs, now), last, now)
	return nil
}

// Sync adds to the replica the revocations added or changed in store
// since its high-water mark, advances the mark, and records now as the
// load time: an incremental [Revocations.Load]
// ([revocation.Replica.Advance]). It does not prune. A replica never
// loaded is loaded in full.
func (r *Revocations) Sync(ctx context.Context, store Store, now time.Time) error {
	if r.LoadedAt().IsZero() {
		return r.Load(ctx, store, now)
	}
	revs, last, err := revocationsSince(ctx, store, r.Seq())
	if err != nil {
		return fmt.Errorf("auth: syncing revocations: %w", err)
	}
	r.Advance(unexpired(revs, now), last, now)
	return nil
}

func revocationsSince(ctx context.Context, store Store, seq int64) ([]Revocation, int64, error) {
	var (
		revs []Revocation
		last int64
	)
	err := store.View(ctx, func(tx ReadTx) error {
		var err error
		revs, last, err = tx.RevocationsSince(seq)
		return err
	})
	return revs, last, err
}

// unexpired returns the revocations of revs that have not expired at now,
// reusing revs.
func unexpired(revs []Revocation, now time.Time) []Revocation {
	out := revs[:0]
	for _, v := range revs {
		if !v.Expires.Before(now) {
			out = append(out, v)
		}
	}
	return out
}
