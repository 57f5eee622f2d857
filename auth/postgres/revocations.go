package postgres

import (
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

// The revocation change sequence.
//
// Replicas follow the revocations by their change sequence number: each
// keeps the largest Seq it has read and asks for the rows after it
// ([auth.RevocationReader.RevocationsSince]). That is only correct if rows
// become visible in Seq order: if a writer took Seq 7 and another Seq 8,
// and 8 committed first, a replica reading then would move its mark to 8
// and never see 7. A sequence (BIGSERIAL) has exactly this flaw: numbers
// are handed out when the INSERT runs, not when its transaction commits.
//
// So the number comes from a counter row instead, the 'revocations' row of
// store_locks, and AddRevocation takes it with
//
//	UPDATE store_locks SET value = value + 1 WHERE name = 'revocations' RETURNING value
//
// in the same statement that writes the revocation. The UPDATE locks the
// row until the transaction ends. Proof that rows become visible in Seq
// order:
//
//  1. Two writers A and B cannot both hold the row lock. If B's UPDATE
//     comes while A holds it, B waits until A has committed or rolled
//     back, and then (READ COMMITTED re-reads the row's latest committed
//     version) increments what A left. So B's number is larger than A's
//     if A committed, and equal to A's if A rolled back, in which case
//     A's number was never seen by anyone.
//  2. PostgreSQL releases a transaction's locks only after its commit is
//     visible to every new snapshot (ProcArrayEndTransaction runs before
//     the lock release in CommitTransaction). So by the time B holds the
//     lock, every snapshot taken afterwards sees A's rows, and B commits
//     later still.
//  3. Hence a snapshot that sees B's row (Seq n) was taken after B's
//     commit, so it also sees every row whose Seq is below n and was
//     committed: a reader that has seen n never later finds a new row at
//     or below n.
//
// The counter never goes down, even when Cleanup deletes the newest rows,
// so a Seq is never reused for a row anyone could have seen. A revocation
// that changes nothing (not later than the stored one) still takes a
// number, which is then unused: gaps are allowed, order is what matters.
//
// The cost is that transactions that add revocations commit one at a time
// from their AddRevocation on. Revocations are rare next to refreshes
// (logouts, reuse detection, admin actions), a transaction adds them last,
// after its other locks, and commits right after, so the lock is held for
// about one commit.

const revocationCols = `seq, kind, subject, not_before, expires, created_at`

const (
	qRevocations      = `SELECT ` + revocationCols + ` FROM revocations WHERE expires >= $1 ORDER BY seq`
	qRevocationsSince = `SELECT ` + revocationCols + ` FROM revocations WHERE seq > $1 ORDER BY seq`
	// qAddRevocation takes the next Seq (locking the counter row until
	// the transaction ends) and inserts the revocation or merges it with
	// the stored one: the later NotBefore and Expires, and the new Seq,
	// if either is later; the row is left alone otherwise.
	qAddRevocation = `WITH next AS (
			UPDATE store_locks SET value = value + 1 WHERE name = 'revocations' RETURNING value
		)
		INSERT INTO revocations (` + revocationCols + `)
		SELECT next.value, $1, $2, $3, $4, $5 FROM next
		ON CONFLICT (kind, subject) DO UPDATE SET seq = excluded.seq,
			not_before = greatest(revocations.not_before, excluded.not_before),
			expires = greatest(revocations.expires, excluded.expires)
		WHERE excluded.not_before > revocations.not_before OR excluded.expires > revocations.expires`
	qRevocationSeq        = `SELECT value FROM store_locks WHERE name = 'revocations'`
	qDeleteOldRevocations = `DELETE FROM revocations WHERE expires < $1`
)

func scanRevocation(row scanner) (auth.Revocation, error) {
	var (
		r                auth.Revocation
		nb, exp, created int64
	)
	err := row.Scan(&r.Seq, &r.Kind, &r.Subject, &nb, &exp, &created)
	r.NotBefore, r.Expires, r.CreatedAt = schema.FromNanos(nb), schema.FromNanos(exp), schema.FromNanos(created)
	return r, err
}

func (t *tx) Revocations(now time.Time) ([]auth.Revocation, error) {
	return all(t, "revocations", scanRevocation, qRevocations, schema.Nanos(now))
}

func (t *tx) RevocationsSince(seq int64) ([]auth.Revocation, int64, error) {
	revs, err := all(t, "revocations", scanRevocation, qRevocationsSince, seq)
	if err != nil {
		return nil, 0, err
	}
	last := seq
	if len(revs) > 0 {
		last = revs[len(revs)-1].Seq
	}
	return revs, last, nil
}

// AddRevocation writes r under the next change sequence number, holding
// the sequence's lock until the transaction ends (see the comment above
// on why).
func (t *tx) AddRevocation(r auth.Revocation) error {
	tag, err := t.exec(qAddRevocation, r.Kind, r.Subject, schema.Nanos(r.NotBefore), schema.Nanos(r.Expires), schema.Nanos(r.CreatedAt))
	if err == nil && tag.RowsAffected() == 0 {
		// Unchanged, or the counter row is gone: tell which.
		var seq int64
		if err := t.queryRow(qRevocationSeq).Scan(&seq); err != nil {
			return mapErr("add revocation", errNoLockRow)
		}
	}
	return mapErr("add revocation", err)
}

func (t *tx) DeleteExpiredRevocations(now time.Time) (int64, error) {
	return t.deleted(qDeleteOldRevocations, schema.Nanos(now))
}
