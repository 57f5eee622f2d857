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
	// RevokeSession revokes the tokens of one session issued before
	// NotBefore: Subject is the session ID ("sid").
	RevokeSession = "session"
	// RevokeUser revokes the tokens of one user issued before NotBefore:
	// Subject is the user ID ("sub").
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
	// NotBefore: tokens issued ("iat") before it are revoked. For
	// RevokeToken and RevokeKey every token matching Subject is revoked.
	NotBefore time.Time
	Expires   time.Time
	CreatedAt time.Time
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
type Revocations struct {
	mu       sync.RWMutex
	tokens   map[string]time.Time // jti → expires
	sessions map[string]Revocation
	users    map[string]Revocation
	keys     map[string]Revocation
	loadedAt time.Time
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

// Load adds the unexpired revocations in store at now to the replica, and
// records now as the load time. Entries already in the replica are kept
// (revocations are never withdrawn; [Revocations.Prune] drops expired
// ones), so a revocation applied while Load runs is not lost; entries
// expired at now are dropped.
func (r *Revocations) Load(ctx context.Context, store Store, now time.Time) error {
	var revs []Revocation
	err := store.View(ctx, func(tx ReadTx) error {
		var err error
		revs, err = tx.Revocations(now)
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: loading revocations: %w", err)
	}
	fresh := NewRevocations()
	fresh.add(revs)
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
	r.pruneLocked(now)
	return nil
}

// LoadedAt returns when the replica was last loaded from the store; zero
// means never, and a verifier relying on it is not ready.
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
// revoked: its "jti" is revoked, or it was issued ("iat") before its
// session's or its subject's not-before instant, or its key is revoked.
// "iat" has whole seconds, so a not-before instant inside a second covers
// the tokens issued in that second. The service puts a session's
// not-before at the end of the second it ended in, and a user's at the
// start of the second of the revocation (their tokens are also covered by
// their sessions' revocations), so that a login just after a role change
// is not refused.
func (r *Revocations) Check(c *jwt.Claims, sid, kid string) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.tokens[c.ID]; ok && c.ID != "" {
		return fmt.Errorf("%w: token revoked", jwt.ErrRevoked)
	}
	if v, ok := r.sessions[sid]; ok && sid != "" && issuedBefore(c.IssuedAt, v.NotBefore) {
		return fmt.Errorf("%w: session ended", jwt.ErrRevoked)
	}
	if v, ok := r.users[c.Subject]; ok && c.Subject != "" && issuedBefore(c.IssuedAt, v.NotBefore) {
		return fmt.Errorf("%w: user's tokens revoked", jwt.ErrRevoked)
	}
	if _, ok := r.keys[kid]; ok && kid != "" {
		return fmt.Errorf("%w: signing key revoked", jwt.ErrRevoked)
	}
	return nil
}

// issuedBefore reports whether a token with "iat" iat (whole seconds; zero
// if absent) may have been issued before nb.
func issuedBefore(iat, nb time.Time) bool {
	if iat.IsZero() {
		return true
	}
	// iat is truncated to the second: compare with nb rounded up.
	ceil := nb.Truncate(time.Second)
	if ceil.Before(nb) {
		ceil = ceil.Add(time.Second)
	}
	return iat.Before(ceil)
}

// endOfSecond returns the start of the second after the one t is in: the
// NotBefore of a session revocation at t, which so covers every token
// issued in t's second, before or at t.
func endOfSecond(t time.Time) time.Time { return t.Truncate(time.Second).Add(time.Second) }
