package auth

import (
	"context"
	"time"

	"github.com/wardauth/ward/auth/revocation"
)

// RevocationSnapshot reads the revocations not expired at the service's
// now, in Seq order, the store's change sequence number seq up to which
// they are complete, and the event id of the row with that Seq
// ([revocation.EventID]; "0" if the store has none), in one read
// transaction: what the revocation feed's snapshot carries. Reading
// RevocationsSince(seq) afterwards misses nothing.
func (s *Service) RevocationSnapshot(ctx context.Context) (revs []Revocation, seq int64, id string, now time.Time, err error) {
	now = s.now()
	err = s.view(ctx, func(tx ReadTx) error {
		var err error
		revs, seq, err = tx.RevocationsSince(0)
		return err
	})
	if err != nil {
		return nil, 0, "", now, err
	}
	id = "0"
	if n := len(revs); n > 0 {
		id = revocation.EventID(revs[n-1])
	}
	return unexpired(revs, now), seq, id, now, nil
}

// RevocationsSince reads the revocations added or changed in the store
// after its change sequence number seq, expired ones included, in Seq
// order, and the largest Seq among them (seq if none):
// [ReadTx.RevocationsSince], for the revocation feed's stream (the
// server reads it once per wake-up for all its streams, and a stream
// itself only to check where it resumes or to catch up).
func (s *Service) RevocationsSince(ctx context.Context, seq int64) (revs []Revocation, last int64, err error) {
	err = s.view(ctx, func(tx ReadTx) error {
		var err error
		revs, last, err = tx.RevocationsSince(seq)
		return err
	})
	return revs, last, err
}
