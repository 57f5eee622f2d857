package auth

import (
	"context"
	"time"
)

// RevocationSnapshot reads the revocations not expired at the service's
// now, in Seq order, and the store's change sequence number up to which
// they are complete, in one read transaction: what the revocation feed's
// snapshot carries. Reading RevocationsSince(seq) afterwards misses
// nothing.
func (s *Service) RevocationSnapshot(ctx context.Context) (revs []Revocation, seq int64, now time.Time, err error) {
	now = s.now()
	err = s.view(ctx, func(tx ReadTx) error {
		var err error
		revs, seq, err = tx.RevocationsSince(0)
		return err
	})
	if err != nil {
		return nil, 0, now, err
	}
	return unexpired(revs, now), seq, now, nil
}

// RevocationsSince reads the revocations added or changed in the store
// after its change sequence number seq, expired ones included, in Seq
// order, and the largest Seq among them (seq if none):
// [ReadTx.RevocationsSince], for the revocation feed's stream.
func (s *Service) RevocationsSince(ctx context.Context, seq int64) (revs []Revocation, last int64, err error) {
	err = s.view(ctx, func(tx ReadTx) error {
		var err error
		revs, last, err = tx.RevocationsSince(seq)
		return err
	})
	return revs, last, err
}
