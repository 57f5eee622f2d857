package revocation

import (
	"fmt"
	"sync"
	"time"

	"github.com/wardauth/ward/jose/jwt"
)

// The errors of [Replica.Check], made once: a refusal costs no
// allocation.
var (
	errTokenRevoked = fmt.Errorf("%w: token revoked", jwt.ErrRevoked)
	errSessionEnded = fmt.Errorf("%w: session ended", jwt.ErrRevoked)
	errUserRevoked  = fmt.Errorf("%w: user's tokens revoked", jwt.ErrRevoked)
	errKeyRevoked   = fmt.Errorf("%w: signing key revoked", jwt.ErrRevoked)
)

// Replica is an in-memory replica of what is revoked and not yet expired,
// checked with no round trip. It is safe for concurrent use; Check takes a
// read lock only.
//
// A replica is filled by its owner: the auth service loads it from its
// store and adds what it revokes; a resource server loads it from the
// feed's snapshot and adds the feed's events. [Replica.Seq] is the store's
// change sequence number up to which the replica has read, and
// [Replica.LoadedAt] when it was last known to be current.
//
// [Replica.Changed] signals every change, so that a feed can wake up and
// send what is new.
type Replica struct {
	mu       sync.RWMutex
	tokens   map[string]time.Time // jti → expires
	sessions map[string]Revocation
	users    map[string]Revocation
	keys     map[string]Revocation
	loadedAt time.Time
	seq      int64         // the store's change sequence number read up to
	changed  chan struct{} // closed and replaced on every change
}

// NewReplica returns an empty replica, not yet loaded.
func NewReplica() *Replica {
	return &Replica{
		tokens:   make(map[string]time.Time),
		sessions: make(map[string]Revocation),
		users:    make(map[string]Revocation),
		keys:     make(map[string]Revocation),
		changed:  make(chan struct{}),
	}
}

// Load adds the revocations revs, read from the store (or a feed's
// snapshot) at its change sequence number seq, records now as the load
// time, sets the high-water mark to seq (even if lower than before: a
// store restored from a backup) and drops the entries expired at now.
// Entries already in the replica are kept: revocations are never
// withdrawn, and one applied while the snapshot was read is not in it.
func (r *Replica) Load(revs []Revocation, seq int64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(revs)
	r.loadedAt = now
	r.seq = seq
	r.pruneLocked(now)
	r.notifyLocked()
}

// Advance adds revocations read from the store (or a feed) since the
// replica's high-water mark, raises the mark to seq, and records now as
// the load time if it is later: an incremental [Replica.Load]. It does not
// prune (see [Replica.Prune]). It wakes the waiters on [Replica.Changed]
// only if it added revocations or moved the mark.
func (r *Replica) Advance(revs []Revocation, seq int64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(revs)
	moved := seq > r.seq
	r.seq = max(r.seq, seq)
	if now.After(r.loadedAt) {
		r.loadedAt = now
	}
	if len(revs) > 0 || moved {
		r.notifyLocked()
	}
}

// Add applies revocations (already durable, or received from another
// instance) to the replica. It does not move the high-water mark.
func (r *Replica) Add(revs ...Revocation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(revs)
	r.notifyLocked()
}

// Changed returns a channel that is closed at the replica's next change
// ([Replica.Add], [Replica.Load], [Replica.Advance] with something new,
// [Replica.Notify]).
// Take it before reading what is new, then wait on it: a change after
// the read closes it.
func (r *Replica) Changed() <-chan struct{} {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.changed
}

// Notify wakes up the waiters on [Replica.Changed] without changing the
// replica: for an owner that learned that the store holds new revocations
// (a bus message that carries none) and leaves the reading to the waiters.
func (r *Replica) Notify() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notifyLocked()
}

func (r *Replica) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Replica) add(revs []Revocation) {
	merge := func(m map[string]Revocation, v Revocation) {
		if old, ok := m[v.Subject]; ok {
			if old.NotBefore.After(v.NotBefore) {
				v.NotBefore = old.NotBefore
			}
			if old.Expires.After(v.Expires) {
				v.Expires = old.Expires
			}
		}
		m[v.Subject] = v
	}
	for _, v := range revs {
		switch v.Kind {
		case Token:
			if old, ok := r.tokens[v.Subject]; !ok || v.Expires.After(old) {
				r.tokens[v.Subject] = v.Expires
			}
		case Session:
			merge(r.sessions, v)
		case User:
			merge(r.users, v)
		case Key:
			merge(r.keys, v)
		}
	}
}

// Seq returns the replica's high-water mark: the store's change sequence
// number ([Revocation.Seq]) up to which it has read.
func (r *Replica) Seq() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.seq
}

// LoadedAt returns when the replica was last loaded or advanced; zero
// means never, and a verifier relying on it is not ready.
func (r *Replica) LoadedAt() time.Time {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.loadedAt
}

// Prune drops the entries that expired before now.
func (r *Replica) Prune(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked(now)
}

func (r *Replica) pruneLocked(now time.Time) {
	for k, exp := range r.tokens {
		if exp.Before(now) {
			delete(r.tokens, k)
		}
	}
	for _, m := range []map[string]Revocation{r.sessions, r.users, r.keys} {
		for k, v := range m {
			if v.Expires.Before(now) {
				delete(m, k)
			}
		}
	}
}

// Len returns the number of entries in the replica.
func (r *Replica) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.tokens) + len(r.sessions) + len(r.users) + len(r.keys)
}

// KeyRevoked reports whether the signing key kid is revoked.
func (r *Replica) KeyRevoked(kid string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.keys[kid]
	return ok
}

// Check returns an error wrapping [jwt.ErrRevoked] if the token with
// claims c, session ID sid ("" if none) and key ID kid ("" if unknown) is
// revoked: its "jti" is revoked, its session is revoked, it has no session
// and was issued before its subject's not-before instant, or its key is
// revoked.
//
// "iat" has whole seconds, and the instances that issue and revoke read
// different clocks, so a revocation is not decided by comparing instants
// where the order of commits can be known instead:
//
//   - A session revocation refuses every token that names the session,
//     whatever its "iat": an ended session never issues again (it ends
//     under the session's lock, and a refresh of an ended session fails),
//     so each of its tokens was issued by a commit ordered before the end.
//   - A user revocation is made in one transaction with the end of every
//     session the user has at its commit, under the user's lock and each
//     session's lock, and the tokens of a session carry the user as read
//     under those locks (login locks the user; refresh locks the session).
//     So for a token that names a session the store's commit order
//     decides, through the session revocations: a token issued by a
//     refresh that committed before the revocation belongs to an ended
//     session and is refused, even if that refresh read its clock in a
//     later second; a token of a login that committed after the revocation
//     is accepted, even if that login read its clock in an earlier second.
//     The user's not-before is not consulted for such tokens.
//   - A token without a session whose subject has a user revocation is
//     refused if it was issued in the second of NotBefore or earlier
//     ([EndOfSecond]): within a second "iat" cannot tell before from
//     after, and the safe side is to refuse.
func (r *Replica) Check(c *jwt.Claims, sid, kid string) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.tokens[c.ID]; ok && c.ID != "" {
		return errTokenRevoked
	}
	if sid != "" {
		if _, ok := r.sessions[sid]; ok {
			return errSessionEnded
		}
	} else if v, ok := r.users[c.Subject]; ok && c.Subject != "" && issuedBefore(c.IssuedAt, v.NotBefore) {
		return errUserRevoked
	}
	if _, ok := r.keys[kid]; ok && kid != "" {
		return errKeyRevoked
	}
	return nil
}
