package auth

import (
	"context"
	"errors"
	"fmt"
)

// Reasons [Service.Ready] fails, for errors.Is.
var (
	// ErrKeysNotLoaded: the keyring has not been loaded.
	ErrKeysNotLoaded = errors.New("auth: signing keys not loaded")
	// ErrRevocationsNotLoaded: the revocation replica has never been
	// loaded from the store.
	ErrRevocationsNotLoaded = errors.New("auth: revocation list not loaded")
	// ErrRevocationsStale: the revocation replica was last loaded longer
	// ago than [Config.MaxRevocationStaleness].
	ErrRevocationsStale = errors.New("auth: revocation list out of date")
	// ErrStoreUnreachable: the store did not answer a trivial read.
	ErrStoreUnreachable = errors.New("auth: store unreachable")
)

// Ready returns nil when the service can verify tokens and reach its
// store: its keyring is loaded ([ErrKeysNotLoaded] otherwise), its
// revocation replica is loaded ([ErrRevocationsNotLoaded]) and, with
// [Config.MaxRevocationStaleness], fresh enough ([ErrRevocationsStale]),
// each with code [CodeUnavailable]; and the store answers a trivial read
// within ctx ([ErrStoreUnreachable], wrapping the store's error: code
// [CodeInternal], or [CodeUnavailable] from a store that reports its
// database unreachable, as auth/postgres does). The server's readiness
// probe reports it.
func (s *Service) Ready(ctx context.Context) error {
	unavailable := func(msg string, reason error) error {
		return fmt.Errorf("%w (%w)", &Error{Code: CodeUnavailable, Message: msg}, reason)
	}
	if _, err := s.keys.state(); err != nil {
		return unavailable("The signing keys are not loaded yet.", ErrKeysNotLoaded)
	}
	if s.revs.LoadedAt().IsZero() {
		return unavailable("The revocation list is not loaded yet.", ErrRevocationsNotLoaded)
	}
	if err := s.fresh(); err != nil {
		return unavailable(ErrorMessage(err), ErrRevocationsStale)
	}
	// One row by primary key: the refresh MAC secret, which exists once
	// the keyring is loaded.
	err := s.view(ctx, func(tx ReadTx) error {
		_, err := tx.Secret(macSecretName)
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStoreUnreachable, err)
	}
	return nil
}
