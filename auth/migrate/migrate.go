// Package migrate copies the whole state of one Ward store into another,
// empty one: users with their password hashes, sessions with their
// rotation counters, clients, signing keys and sealed secrets,
// revocations with their change sequence numbers, and the audit log with
// its event IDs. `ward migrate` uses it to move a single-instance SQLite
// deployment to PostgreSQL.
//
// # What carries over
//
// Every row is copied as stored, so everything issued before the copy
// works after it, under the same key-encryption key: refresh tokens carry
// a session ID and counter under a MAC secret that is itself a sealed
// secret; key records and secrets are sealed and authenticated under the
// key-encryption key with associated data that names only the key (kid,
// alg) or the secret (name), never a row ID or anything else a store
// assigns, so the same key opens them in the target. Revocations keep
// their Seq and audit events their ID (through [auth.Importer]), and the
// target's sequences are moved past the source's high-water marks, so a
// replica or feed client that followed the source by Seq follows the
// target without missing a row.
//
// # Consistency
//
// The source is read in one [auth.Store.View], which sees one snapshot
// (in SQLite, a read transaction on the WAL), so it may keep serving
// while it is read; writes that commit after the snapshot are not copied,
// and [Copy] reports whether there were any by reading the source again.
// The target is written in one [auth.Store.Update], which is durable when
// it returns, and then read back and compared, aggregate by aggregate, by
// counts and by a SHA-256 checksum over a canonical encoding of every
// row.
//
// # Limits
//
// The snapshot is held in memory: about 1 KiB per user, session or audit
// event, so a store of a million rows needs about 1 GiB. Users, sessions,
// revocations and audit events go to PostgreSQL by COPY; reading a
// user's sessions is a query per user. BenchmarkCopy (10,000 users, each
// with a session, two audit events and a revocation: 50,000 rows, SQLite
// into PostgreSQL, read back and compared) copies about 12,000 rows/s on
// a shared 2-core machine.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wardauth/ward/auth"
)

// ErrTargetNotEmpty is returned by [Copy] when the target already holds a
// user, client, key, secret, revocation or audit event: a copy never
// merges into, or overwrites, a store in use.
var ErrTargetNotEmpty = errors.New("migrate: the target store is not empty")

// ErrMismatch is returned by [Copy] when what was read back from the
// target differs from the snapshot of the source. The target transaction
// has committed by then: empty it (drop its database or schema) before
// trying again.
var ErrMismatch = errors.New("migrate: the target does not match the source")

// ErrNoImport is returned by [Copy] when the target's transactions do not
// implement [auth.Importer].
var ErrNoImport = errors.New("migrate: the target store cannot import rows with their IDs")

// Result is what [Copy] did.
type Result struct {
	// Source sums up the snapshot of the source that was copied.
	Source Summary
	// Target sums up what was read back from the target; equal to Source.
	Target Summary
	// After sums up the source read again once the copy had committed. If
	// it differs from Source, writes committed on the source after the
	// snapshot are not in the target ([Result.Lost]).
	After Summary
}

// Lost reports whether the source changed after its snapshot was taken,
// so that some of its writes are not in the target.
func (r *Result) Lost() bool { return r.After != r.Source }

// Copy copies every row of src into dst, which must be empty, and
// verifies the copy by reading dst back. See the package doc for what it
// guarantees. On an error before dst's transaction commits, dst is left
// as it was.
func Copy(ctx context.Context, src, dst auth.Store) (*Result, error) {
	snap, err := Read(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("migrate: reading the source: %w", err)
	}
	res := &Result{Source: snap.Summary()}
	err = dst.Update(ctx, func(tx auth.Tx) error { return snap.write(tx) })
	if err != nil {
		if errors.Is(err, ErrTargetNotEmpty) || errors.Is(err, ErrNoImport) {
			return nil, err
		}
		return nil, fmt.Errorf("migrate: writing the target: %w", err)
	}
	back, err := Read(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("migrate: reading the target back: %w", err)
	}
	res.Target = back.Summary()
	if res.Target != res.Source {
		return res, fmt.Errorf("%w: %s", ErrMismatch, res.Source.diff(res.Target))
	}
	after, err := Read(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("migrate: reading the source again: %w", err)
	}
	res.After = after.Summary()
	return res, nil
}

// write stores s in tx, after checking that tx's store is empty.
func (s *Snapshot) write(tx auth.Tx) error {
	imp, ok := tx.(auth.Importer)
	if !ok {
		return ErrNoImport
	}
	if err := requireEmpty(tx); err != nil {
		return err
	}
	if err := imp.ImportUsers(s.Users); err != nil {
		return err
	}
	if err := imp.ImportSessions(s.Sessions); err != nil {
		return err
	}
	for _, c := range s.Clients {
		if err := tx.CreateClient(c); err != nil {
			return fmt.Errorf("client %s: %w", c.ID, err)
		}
	}
	for _, k := range s.Keys { // oldest first, as Keys returned them
		if err := tx.PutKey(k); err != nil {
			return fmt.Errorf("key %s: %w", k.KeyID, err)
		}
	}
	for _, sec := range s.Secrets {
		if err := tx.PutSecret(sec.Name, sec.Sealed); err != nil {
			return fmt.Errorf("secret %s: %w", sec.Name, err)
		}
	}
	if err := imp.ImportAudit(s.Audit); err != nil {
		return err
	}
	// Last: it may lock the revocation sequence to the end.
	return imp.ImportRevocations(s.Revocations, s.RevocationSeq)
}

// requireEmpty returns [ErrTargetNotEmpty] if tx's store holds any row.
// Sessions need a user, so no user means no session.
func requireEmpty(tx auth.ReadTx) error {
	var what []string
	if u, err := tx.Users(auth.UserQuery{Limit: 1}); err != nil {
		return err
	} else if len(u) > 0 {
		what = append(what, "users")
	}
	if c, err := tx.Clients(); err != nil {
		return err
	} else if len(c) > 0 {
		what = append(what, "clients")
	}
	if k, err := tx.Keys(); err != nil {
		return err
	} else if len(k) > 0 {
		what = append(what, "signing keys")
	}
	if n, err := tx.SecretNames(); err != nil {
		return err
	} else if len(n) > 0 {
		what = append(what, "secrets")
	}
	if r, _, err := tx.RevocationsSince(0); err != nil {
		return err
	} else if len(r) > 0 {
		what = append(what, "revocations")
	}
	if a, err := tx.Audit(auth.AuditQuery{Limit: 1}); err != nil {
		return err
	} else if len(a) > 0 {
		what = append(what, "audit events")
	}
	if len(what) > 0 {
		return fmt.Errorf("%w: it holds %s", ErrTargetNotEmpty, strings.Join(what, ", "))
	}
	return nil
}
