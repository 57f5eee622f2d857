package auth

import (
	"context"
	"time"
)

// Cleanup deletes expired revocations, sessions past their absolute
// lifetime, ended and idle sessions once [Config.SessionIdleTTL] (at least
// a day) has passed since their end or last use (until then their stale
// refresh tokens still get [CodeSessionEnded] or [CodeTokenReused] rather
// than [CodeInvalidToken]), and audit events older than
// [Config.AuditRetention]; it also prunes the revocation replica. The server
// calls it on a ticker (hourly is plenty).
func (s *Service) Cleanup(ctx context.Context) (CleanupStats, error) {
	s.cleanMu.Lock()
	defer s.cleanMu.Unlock()
	now := s.now()
	p := CleanupPolicy{Now: now, SessionsBefore: now.Add(-max(s.cfg.SessionIdleTTL, 24*time.Hour))}
	if s.cfg.AuditRetention > 0 {
		p.AuditBefore = now.Add(-s.cfg.AuditRetention)
	}
	var stats CleanupStats
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		stats, err = p.Run(tx)
		return err
	})
	if err != nil {
		s.storeFailed(err)
		return stats, internal("cleanup", err)
	}
	s.revs.Prune(now)
	return stats, nil
}

// ApplyRevocations applies revocations received from another instance
// (through a [RevocationBus] subscriber) to the replica; a signing key
// revocation also reloads the keyring, so that the key stops verifying at
// once. The revocations must already be durable in the shared store.
func (s *Service) ApplyRevocations(ctx context.Context, revs []Revocation) error {
	s.revs.Add(revs...)
	for _, r := range revs {
		if r.Kind == RevokeKey {
			_, err := s.MaybeRotateKeys(ctx)
			return err
		}
	}
	return nil
}

// Sync brings the revocation replica up to date with the store, reading
// only the revocations added or changed since the last sync
// ([Revocations.Sync]), and the keyring, to pick up what other instances
// wrote. The server calls it on a ticker when several instances share a
// store (and no [RevocationBus] delivers revocations sooner).
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	err := s.revs.Sync(ctx, s.store, s.now())
	s.syncMu.Unlock()
	if err != nil {
		s.storeFailed(err)
		return err
	}
	_, err = s.MaybeRotateKeys(ctx)
	return err
}

// Reload reloads the whole revocation replica ([Revocations.Load]) and the
// keyring from the store. [Service.Sync] is enough in normal operation;
// Reload is for a store restored from a backup, whose change sequence
// may be behind the replica's.
func (s *Service) Reload(ctx context.Context) error {
	s.syncMu.Lock()
	err := s.revs.Load(ctx, s.store, s.now())
	s.syncMu.Unlock()
	if err != nil {
		return err
	}
	_, err = s.MaybeRotateKeys(ctx)
	return err
}
