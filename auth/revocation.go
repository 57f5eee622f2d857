package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wardauth/ward/jose/jwt"
)

// Revocation kinds.
const (
	// RevokeToken revokes one access token: Subject is its "jti".
	RevokeToken = "token"
	// RevokeSession revokes every token of one session, whatever its
	// "iat" (an ended session issues no more): Subject is the session ID
	// ("sid"). NotBefore records when the session ended.
	RevokeSession = "session"
	// RevokeUser revokes the tokens of one user: Subject is the user ID
	// ("sub"), or a client's ID for the tokens of a disabled, deleted or
	// re-keyed client. A user's must be stored together with the end of
	// every session of the user (RevokeSession), which revokes the tokens
	// that name a session; it refuses tokens without a session issued
	// before NotBefore. See [Revocations.Check].
	RevokeUser = "user"
	// RevokeKey revokes every token signed by one key: Subject is its
	// "kid".
	RevokeKey = "key"
)

// Revocation is one durable revocation. It is kept until Expires, when no
// token it revokes can still be valid.
type Revocation struct {
	Kind    string // one of the Revoke* constants
	Subject string
	// NotBefore: for RevokeUser, tokens without a session issued ("iat")
	// before it are revoked (see [Revocations.Check]). For RevokeToken,
	// RevokeSession and RevokeKey every token matching Subject is
	// revoked.
	NotBefore time.Time
	Expires   time.Time
	CreatedAt time.Time
	// Seq is the store's change sequence number of the row, set by
	// [ReadTx.Revocations] and [ReadTx.RevocationsSince]; zero elsewhere.
	Seq int64
}

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

// Revocations is an in-memory replica of what is revoked and not yet
// expired, checked with no store round trip. It is safe for concurrent use;
// Check takes a read lock only.
//
// [Revocations.Load] reads every revocation in the store;
// [Revocations.Sync] reads only those added or changed since the replica's
// high-water mark ([Revocations.Seq]), so that its cost follows the rate of
// revocations, not their number.
type Revocations struct {
	mu       sync.RWMutex
	tokens   map[string]time.Time // jti → expires
	sessions map[string]Revocation
	users    map[string]Revocation
	keys     map[string]Revocation
	loadedAt time.Time
	seq      int64 // the store's change sequence number read up to
}

// NewRevocations returns an empty replica, not yet loaded.
func NewRevocations() *Revocations {
	return &Revocations{
		tokens:   make(map[string]time.Time),
		sessions: make(map[string]Revocation),
		users:    make(map[string]Revocation),
		keys:     make(map[string]Revocation),
	}
}

// Load adds the unexpired revocations in store at now to the replica,
// records now as the load time, and sets the high-water mark to the
// store's ([Revocations.Seq]). Entries already in the replica are kept
// (revocations are never withdrawn; [Revocations.Prune] drops expired
// ones), so a revocation applied while Load runs is not lost; entries
// expired at now are dropped. Load reads the whole table: use it at start
// and after restoring the store from a backup, and [Revocations.Sync]
// otherwise.
func (r *Revocations) Load(ctx context.Context, store Store, now time.Time) error {
	revs, last, err := revocationsSince(ctx, store, 0)
	if err != nil {
		return fmt.Errorf("auth: loading revocations: %w", err)
	}
	fresh := NewRevocations()
	fresh.add(unexpired(revs, now))
	r.mu.Lock()
	defer r.mu.Unlock()
	// Keep what the replica holds: an entry added after the store snapshot
	// was taken is not in it, and revocations are never withdrawn (Prune
	// drops expired ones).
	for jti, exp := range r.tokens {
		fresh.add([]Revocation{{Kind: RevokeToken, Subject: jti, Expires: exp}})
	}
	for _, m := range []map[string]Revocation{r.sessions, r.users, r.keys} {
		for _, v := range m {
			fresh.add([]Revocation{v})
		}
	}
	r.tokens, r.sessions, r.users, r.keys = fresh.tokens, fresh.sessions, fresh.users, fresh.keys
	r.loadedAt = now
	r.seq = last
	r.pruneLocked(now)
	return nil
}

// Sync adds to the replica the revocations added or changed in store
// since its high-water mark, advances the mark, and records now as the
// load time: an incremental [Revocations.Load]. It does not prune (see
// [Revocations.Prune]). A replica never loaded is loaded in full.
func (r *Revocations) Sync(ctx context.Context, store Store, now time.Time) error {
	r.mu.RLock()
	since, loaded := r.seq, !r.loadedAt.IsZero()
	r.mu.RUnlock()
	if !loaded {
		return r.Load(ctx, store, now)
	}
	revs, last, err := revocationsSince(ctx, store, since)
	if err != nil {
		return fmt.Errorf("auth: syncing revocations: %w", err)
	}
	revs = unexpired(revs, now)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(revs)
	r.seq = max(r.seq, last)
	if now.After(r.loadedAt) {
		r.loadedAt = now
	}
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

// Seq returns the replica's high-water mark: the store's change sequence
// number ([Revocation.Seq]) up to which it has read.
func (r *Revocations) Seq() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.seq
}

// LoadedAt returns when the replica was last loaded or synced from the
// store; zero means never, and a verifier relying on it is not ready.
func (r *Revocations) LoadedAt() time.Time {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.loadedAt
}

// Add applies revocations (already durable, or received from a
// [RevocationBus]) to the replica.
func (r *Revocations) Add(revs ...Revocation) {
	r.mu.Lock()
	r.add(revs)
	r.mu.Unlock()
}

func (r *Revocations) add(revs []Revocation) {
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
		case RevokeToken:
			if old, ok := r.tokens[v.Subject]; !ok || v.Expires.After(old) {
				r.tokens[v.Subject] = v.Expires
			}
		case RevokeSession:
			merge(r.sessions, v)
		case RevokeUser:
			merge(r.users, v)
		case RevokeKey:
			merge(r.keys, v)
		}
	}
}

// Prune drops the entries that expired before now.
func (r *Revocations) Prune(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked(now)
}

func (r *Revocations) pruneLocked(now time.Time) {
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
func (r *Revocations) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.tokens) + len(r.sessions) + len(r.users) + len(r.keys)
}

// KeyRevoked reports whether the signing key kid is revoked.
func (r *Revocations) KeyRevoked(kid string) bool {
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
//     ([issuedBefore]): within a second "iat" cannot tell before from
//     after, and the safe side is to refuse.
func (r *Revocations) Check(c *jwt.Claims, sid, kid string) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.tokens[c.ID]; ok && c.ID != "" {
		return fmt.Errorf("%w: token revoked", jwt.ErrRevoked)
	}
	if sid != "" {
		if _, ok := r.sessions[sid]; ok {
			return fmt.Errorf("%w: session ended", jwt.ErrRevoked)
		}
	} else if v, ok := r.users[c.Subject]; ok && c.Subject != "" && issuedBefore(c.IssuedAt, v.NotBefore) {
		return fmt.Errorf("%w: user's tokens revoked", jwt.ErrRevoked)
	}
	if _, ok := r.keys[kid]; ok && kid != "" {
		return fmt.Errorf("%w: signing key revoked", jwt.ErrRevoked)
	}
	return nil
}

// issuedBefore reports whether a token with "iat" iat (whole seconds; zero
// if absent) may have been issued at or before nb: in nb's second or
// earlier.
func issuedBefore(iat, nb time.Time) bool {
	return iat.IsZero() || iat.Before(endOfSecond(nb))
}

// endOfSecond returns the start of the second after the one t is in: the
// first "iat" that is certainly later than t.
func endOfSecond(t time.Time) time.Time { return t.Truncate(time.Second).Add(time.Second) }
