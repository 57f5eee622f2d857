package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	kr "github.com/wardauth/ward/auth/keyring"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// macSecretName names the refresh-token MAC secret in the store.
const macSecretName = kr.MACSecretName

// keyring holds the signing keys in memory: the active key's signer, a
// verifier for every published key, the JWKS, and the refresh MAC secret.
// The state is an immutable snapshot swapped atomically, so signing and
// verifying take no lock. What is at rest (making, sealing, authenticating
// and planning the key records) is package auth/keyring's.
//
// A snapshot is a lease on the store's keyring: it is used for at most
// [KeyPropagation] after the read it came from began, then read again
// (see [Service.MaybeRotateKeys] for why).
type keyring struct {
	ring  *kr.Ring
	cfg   *Config
	revs  *Revocations
	store Store
	// mu serializes each read of the keyring from the store with the
	// install of what it read, so that installs follow reads in order and
	// the installed state never goes back.
	mu  sync.Mutex
	cur atomic.Pointer[keyState]

	renewMu sync.Mutex // one lease renewal at a time
	retryAt time.Time  // guarded by renewMu: after a failed renewal, none before
}

type keyState struct {
	active   *jwk.PrivateKey
	signer   *jwt.Signer
	verifier *jwt.Verifier
	jwks     []byte
	mac      []byte
	records  []*KeyRecord // without Private
	// loadedAt is when the read this state came from began: the state
	// holds every change committed before it.
	loadedAt time.Time
}

// KeyPropagation bounds how long after a change to the keyring (a key
// made, promoted, retired or dropped) commits in the store every instance
// over that store has loaded it: an instance uses the keyring it read
// from the store for less than this long after that read began, to sign,
// to verify and to publish its JWKS, and then reads it again (the server
// does so in the background twice as often, so that requests do not
// wait). A next key is published [Config.JWKSCacheTTL] + KeyPropagation
// before it signs, and a retired key is kept KeyPropagation longer than
// its tokens need. It is a constant, so that every instance agrees on it.
const KeyPropagation = 5 * time.Second

const (
	// keyRenewTimeout bounds a lease renewal on the request path.
	keyRenewTimeout = 2 * time.Second
	// keyRenewBackoff is how long after a failed lease renewal the next
	// is tried; in between, verifying uses the expired lease and signing
	// fails at once.
	keyRenewBackoff = time.Second
)

func newKeyring(kek []byte, cfg *Config, revs *Revocations, store Store) (*keyring, error) {
	ring, err := kr.New(kek, kr.Config{
		Algorithm:        cfg.SigningAlg,
		CacheTTL:         cfg.JWKSCacheTTL,
		Propagation:      KeyPropagation,
		RotationInterval: cfg.KeyRotationInterval,
		Lifetime:         keyLifetime,
		Logger:           cfg.Logger,
		IsNotFound:       func(err error) bool { return IsCode(err, CodeNotFound) },
	})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return &keyring{ring: ring, cfg: cfg, revs: revs, store: store}, nil
}

// state returns the keyring to verify with and to publish: the installed
// snapshot, renewed from the store first if its lease is over. If the
// store does not answer, it is the expired snapshot: verifying with it can
// only refuse tokens of keys made since, and its JWKS still holds every
// key it signed with.
func (k *keyring) state() (*keyState, error) { return k.get(false) }

// signing returns the keyring to sign with: a snapshot whose lease is not
// over, renewed from the store if need be, or an error with
// [CodeUnavailable]. An instance that cannot read the keyring signs
// nothing, so that it never signs with a key that other instances do not
// publish yet, nor with a retired key for longer than the keyring keeps
// it published.
func (k *keyring) signing() (*keyState, error) { return k.get(true) }

func (k *keyring) leased(st *keyState) bool {
	return k.cfg.Now().Sub(st.loadedAt) < KeyPropagation
}

func (k *keyring) get(strict bool) (*keyState, error) {
	st := k.cur.Load()
	if st == nil {
		return nil, errors.New("auth: keyring is not loaded")
	}
	if k.leased(st) {
		return st, nil
	}
	if strict {
		k.renewMu.Lock()
	} else if !k.renewMu.TryLock() {
		return st, nil // being renewed: verify with what there is
	}
	defer k.renewMu.Unlock()
	var err error
	if st = k.cur.Load(); !k.leased(st) {
		if now := k.cfg.Now(); now.Before(k.retryAt) {
			err = errors.New("the last read failed less than a second ago")
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), keyRenewTimeout)
			err = k.load(ctx)
			cancel()
			if err != nil {
				k.retryAt = now.Add(keyRenewBackoff)
			}
			st = k.cur.Load()
		}
	}
	if strict && !k.leased(st) {
		if err == nil {
			err = errors.New("no newer read")
		}
		return nil, fmt.Errorf("%w (auth: keyring lease over: %w)",
			&Error{Code: CodeUnavailable, Message: "The signing keys cannot be read from the store."}, err)
	}
	return st, nil
}

// load reads the keyring from the store and installs it, writing nothing:
// it renews the lease without driving the rotation
// ([Service.MaybeRotateKeys] does that).
func (k *keyring) load(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	start := k.cfg.Now()
	var plan *kr.Plan
	err := k.store.View(ctx, func(tx ReadTx) error {
		var err error
		plan, err = k.ring.Read(tx)
		return err
	})
	if err != nil {
		return err
	}
	if plan == nil {
		return errors.New("auth: the keyring needs an update first")
	}
	return k.install(plan, start, k.cfg.Now())
}

// keyLifetime is how long after a key stops signing a token it signed may
// still be valid.
const keyLifetime = MaxAccessTTL + Leeway

// KeyInfo describes a signing key, without its private part.
type KeyInfo struct {
	KeyID       string
	Algorithm   string
	State       string // KeyNext, KeyActive, KeyRetired, KeyRevoked or KeyRefused
	CreatedAt   time.Time
	ActivateAt  time.Time // a next key's requested promotion time, if any
	ActivatedAt time.Time
	RetiredAt   time.Time
	RevokedAt   time.Time
}

func keyInfo(r *KeyRecord) KeyInfo {
	return KeyInfo{KeyID: r.KeyID, Algorithm: r.Algorithm, State: r.State, CreatedAt: r.CreatedAt,
		ActivateAt: r.ActivateAt, ActivatedAt: r.ActivatedAt, RetiredAt: r.RetiredAt, RevokedAt: r.RevokedAt}
}

// keyEvents turns the changes of a keyring plan into audit events at now,
// on behalf of the request meta describes.
func (s *Service) keyEvents(p *kr.Plan, now time.Time, meta RequestMeta) []AuditEvent {
	var evs []AuditEvent
	for _, e := range p.Events {
		ev := s.event(now, e.Type, OutcomeSuccess, meta)
		ev.Detail = "kid=" + e.KeyID + e.Detail
		evs = append(evs, ev)
	}
	return evs
}

// install builds and installs the in-memory state from p, read from the
// store by a transaction that began at loadedAt and ended (committed) by
// seenAt; k.mu is held since before that transaction. A plan whose
// records are the installed ones renews the lease and keeps the values
// (the verifier and key set stay the same pointers).
func (k *keyring) install(p *kr.Plan, loadedAt, seenAt time.Time) error {
	k.ring.Observe(p.Records, seenAt)
	cur := k.cur.Load()
	if cur != nil && sameRecords(cur, p) {
		renewed := *cur
		renewed.loadedAt = loadedAt
		k.cur.Store(&renewed)
		return nil
	}
	st := &keyState{mac: p.MAC, loadedAt: loadedAt}
	var pubs []jwk.Key
	for _, r := range p.Records {
		if r.State == KeyRevoked {
			st.records = append(st.records, stripPrivate(r))
			continue
		}
		pub, err := jwk.ParseKey(r.Public, jwk.Algorithm(r.Algorithm))
		if err != nil {
			return fmt.Errorf("auth: public key %s: %w", r.KeyID, err)
		}
		pubs = append(pubs, pub)
		if r.State == KeyActive {
			priv, err := k.ring.OpenPrivate(r)
			if err != nil {
				return fmt.Errorf("auth: %w", err)
			}
			st.active = priv
		}
		st.records = append(st.records, stripPrivate(r))
	}
	if st.active == nil {
		return errors.New("auth: keyring has no active key")
	}
	set, err := jwk.NewSet(pubs...)
	if err != nil {
		return err
	}
	if st.jwks, err = set.MarshalJSON(); err != nil {
		return err
	}
	st.signer = &jwt.Signer{Key: st.active, Type: "at+jwt"}
	revs := k.revs
	st.verifier = &jwt.Verifier{
		Keys:           set,
		Issuer:         k.cfg.Issuer,
		Audience:       k.cfg.Audience[0],
		Type:           "at+jwt",
		RequiredClaims: []string{"sub", "iat", "jti", "client_id"},
		Now:            k.cfg.Now,
		Revoked: func(c *jwt.Claims, custom any) error {
			sid := ""
			if ac, ok := custom.(*AccessClaims); ok {
				sid = ac.SessionID
			}
			return revs.Check(c, sid, "")
		},
	}
	// A keyring that would refuse every token fails here, not per request.
	if err := st.verifier.Check(); err != nil {
		return fmt.Errorf("auth: keyring verifier: %w", err)
	}
	k.cur.Store(st)
	return nil
}

// sameRecords reports whether p holds the records of st, unchanged (each
// record's MAC covers all its fields), and its MAC secret.
func sameRecords(st *keyState, p *kr.Plan) bool {
	return bytes.Equal(st.mac, p.MAC) && slices.EqualFunc(st.records, p.Records, func(a, b *KeyRecord) bool {
		return a.KeyID == b.KeyID && a.State == b.State && bytes.Equal(a.MAC, b.MAC)
	})
}

func stripPrivate(r *KeyRecord) *KeyRecord {
	c := *r
	c.Private = nil
	return &c
}

// MaybeRotateKeys brings the keyring up to date at the current time: it
// creates the first keys, promotes the next key when the rotation is due
// (scheduled every [Config.KeyRotationInterval], or requested by
// [Service.RotateKeys]) and it has been published long enough, creates a
// new next key, drops retired keys that no unexpired token can need, and
// reloads keys that other instances changed. The decision is made once,
// under the store's keyring lock, in one transaction. The server calls it
// every [KeyPropagation]/2. It reports whether the active key changed.
//
// # Several instances
//
// Each instance uses the keyring it read from the store for less than
// [KeyPropagation] after that read began, to sign, verify and serve its
// JWKS, then reads it again (on its own if nothing called this method or
// [Service.Sync] in time). An instance that cannot read it signs nothing;
// it serves its last JWKS, but cannot reach the store, so fails
// [Service.Ready]. So an instance holds every keyring change less than
// KeyPropagation after it commits. Each instance also measures every
// wait from when it first saw a change committed, on its own clock
// (auth/keyring's Ring.Observe), never from a time another instance
// stored. Hence:
//
//   - A new key K: the instance that promotes it does so at least
//     [Config.JWKSCacheTTL] + KeyPropagation after it first saw K
//     committed. Whenever any instance signs with K, at t, the JWKS that
//     every instance served since t − JWKSCacheTTL came from a read that
//     began after K committed, so holds K: a verifier that cached any
//     instance's JWKS then holds K too.
//   - The old key O: an instance that has not loaded the promotion yet
//     signs with O, but only until KeyPropagation after the promotion
//     committed. O stays published, retired, until [MaxAccessTTL] +
//     [Leeway] + KeyPropagation after an instance first saw it retired,
//     so every token signed with O expires while O is in every JWKS.
//
// The exceptions are emergencies: a revoked active key ([Service.RevokeKey])
// is replaced at once, by a next key that may not have been published for
// long, and an instance keeps signing with the revoked key until it loads
// the revocation (at once over a [RevocationBus], at most KeyPropagation
// later otherwise) — its tokens are refused wherever the revocation is
// known.
func (s *Service) MaybeRotateKeys(ctx context.Context) (bool, error) {
	// Most calls change nothing: find out with a read, without taking the
	// write lock.
	s.keys.mu.Lock()
	start := s.now()
	var plan *kr.Plan
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		plan, err = s.keys.ring.Peek(tx, start)
		return err
	})
	if err != nil {
		s.keys.mu.Unlock()
		return false, internal("reading keyring", err)
	}
	if plan != nil {
		err = s.keys.install(plan, start, s.now())
	}
	s.keys.mu.Unlock()
	if err != nil || plan != nil {
		return false, err
	}
	p, err := s.updateKeys(ctx, RequestMeta{}, nil)
	return p != nil && p.Rotated, err
}

// updateKeys runs the keyring planning in one transaction, with an optional
// change applied before the schedule, then installs the result and
// returns it.
func (s *Service) updateKeys(ctx context.Context, meta RequestMeta, change func(tx Tx, p *kr.Plan, now time.Time) ([]Revocation, error)) (*kr.Plan, error) {
	// Whole microseconds, as every store keeps them and the record MAC
	// covers them.
	now := s.now().Truncate(time.Microsecond)
	// At most two keys are made per update (a first start, or revoking the
	// active key with no next key).
	var spares []*KeyRecord
	for range 2 {
		r, err := s.keys.ring.NewRecord(KeyNext, now)
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		spares = append(spares, r)
	}
	var (
		plan   *kr.Plan
		revs   []Revocation
		events []AuditEvent
	)
	s.keys.mu.Lock()
	start := s.now()
	err := s.store.Update(ctx, func(tx Tx) error {
		p, err := s.keys.ring.Load(tx, slices.Clone(spares))
		if err != nil {
			return err
		}
		revs = nil
		if change != nil {
			if revs, err = change(tx, p, now); err != nil {
				return err
			}
		}
		if err := s.keys.ring.Advance(tx, p, now); err != nil {
			return err
		}
		for _, r := range revs {
			if err := tx.AddRevocation(r); err != nil {
				return err
			}
		}
		events = s.keyEvents(p, now, meta)
		for i := range events {
			if err := tx.AppendAudit(&events[i]); err != nil {
				return err
			}
		}
		plan = p
		return nil
	})
	if err != nil {
		s.keys.mu.Unlock()
		return nil, internal("updating keyring", err)
	}
	err = s.keys.install(plan, start, s.now())
	s.keys.mu.Unlock()
	s.applyRevocations(ctx, revs)
	for i := range events {
		s.logEvent(&events[i])
	}
	if err != nil {
		return nil, err
	}
	if len(events) > 0 {
		s.publishKeysChanged(ctx)
	}
	return plan, nil
}

// RotateResult reports what [Service.RotateKeys] did.
type RotateResult struct {
	// Rotated is true if the next key became the active key now.
	Rotated bool
	// ActiveKeyID is the key that signs now.
	ActiveKeyID string
	// ActivateAt, when Rotated is false, is when the next key (NextKeyID)
	// will be promoted: once it has been published for
	// [Config.JWKSCacheTTL] + [KeyPropagation].
	// [Service.MaybeRotateKeys] promotes it then.
	ActivateAt time.Time
	NextKeyID  string
}

// RotateKeys requests a rotation now: [Service.RotateKeysBy] with no
// request metadata.
func (s *Service) RotateKeys(ctx context.Context) (*RotateResult, error) {
	return s.RotateKeysBy(ctx, RequestMeta{})
}

// RotateKeysBy requests a rotation now, on behalf of the request meta
// describes. If the next key has been published long enough (for
// [Config.JWKSCacheTTL] + [KeyPropagation] since this instance first saw
// it: see [Service.MaybeRotateKeys]), it becomes the active key at once
// (and a new next key is made); otherwise its promotion is scheduled for
// the moment it has been, and the result says when. The request is
// durable and audited ("key_rotate", with meta's address and user agent;
// detail "scheduled=…" when the promotion is scheduled).
func (s *Service) RotateKeysBy(ctx context.Context, meta RequestMeta) (*RotateResult, error) {
	p, err := s.updateKeys(ctx, meta, func(tx Tx, p *kr.Plan, now time.Time) ([]Revocation, error) {
		next := p.Find(KeyNext)
		if next == nil {
			r, err := s.keys.ring.Take(p, KeyNext, now)
			if err != nil {
				return nil, err
			}
			p.Records = append(p.Records, r)
			p.Event(EventKeyCreate, r.KeyID, " state=next")
			next = r
		}
		// When this instance may promote it: a key it has not seen yet
		// is seen once this transaction commits.
		at, ok := s.keys.ring.PromotableAt(next)
		if !ok {
			at = now.Add(s.keys.ring.PublishDelay())
		}
		// Stored in whole microseconds, rounded up.
		at = at.Round(0)
		if t := at.Truncate(time.Microsecond); t.Before(at) {
			at = t.Add(time.Microsecond)
		}
		next.ActivateAt = maxTime(now, at)
		if next.ActivateAt.After(now) {
			p.Event(EventKeyRotate, next.KeyID, " scheduled="+next.ActivateAt.UTC().Format(time.RFC3339))
		}
		return nil, s.keys.ring.Put(tx, next)
	})
	if err != nil {
		return nil, err
	}
	res := &RotateResult{Rotated: p.Rotated, ActiveKeyID: p.Find(KeyActive).KeyID}
	if n := p.Find(KeyNext); n != nil {
		res.NextKeyID, res.ActivateAt = n.KeyID, n.ActivateAt
	}
	return res, nil
}

// RevokeKey revokes the signing key kid at once, for a compromised key: it
// leaves the JWKS, every token it signed is refused, and if it was the
// active key the next key (or, if there is none, a new key) becomes active
// immediately, without waiting for verifiers' caches. It returns an error
// with [CodeNotFound] if there is no such key; revoking a revoked key does
// nothing.
func (s *Service) RevokeKey(ctx context.Context, kid string, meta RequestMeta) error {
	_, err := s.updateKeys(ctx, meta, func(tx Tx, p *kr.Plan, now time.Time) ([]Revocation, error) {
		var r *KeyRecord
		for _, x := range p.Records {
			if x.KeyID == kid {
				r = x
			}
		}
		if r == nil {
			return nil, Errorf(CodeNotFound, "no signing key %q", kid)
		}
		if r.State == KeyRevoked {
			return nil, nil
		}
		r.State, r.RevokedAt = KeyRevoked, now
		if err := s.keys.ring.Put(tx, r); err != nil {
			return nil, err
		}
		p.Event(EventKeyRevoke, kid, "")
		return []Revocation{{Kind: RevokeKey, Subject: kid, NotBefore: now, Expires: now.Add(keyLifetime), CreatedAt: now}}, nil
	})
	return err
}

// ListKeys returns the signing keys, oldest first, without private parts.
// A record that is not authenticated under the key-encryption key (written
// to the database by hand) is listed with State [KeyRefused].
func (s *Service) ListKeys(ctx context.Context) ([]KeyInfo, error) {
	var out []KeyInfo
	err := s.store.View(ctx, func(tx ReadTx) error {
		recs, err := tx.Keys()
		for _, r := range recs {
			ki := keyInfo(r)
			if !s.keys.ring.Authentic(r) {
				ki.State = KeyRefused
			}
			out = append(out, ki)
		}
		return err
	})
	if err != nil {
		return nil, internal("listing keys", err)
	}
	return out, nil
}

// JWKS returns the JSON Web Key Set to publish ([RFC 7517, Section 5]):
// the public keys of the next, active and retired keys, never a revoked
// key. Serve it with a Cache-Control max-age of at most
// [Config.JWKSCacheTTL].
//
// [RFC 7517, Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func (s *Service) JWKS() []byte {
	st, err := s.keys.state()
	if err != nil {
		return []byte(`{"keys":[]}`)
	}
	return slices.Clone(st.jwks)
}

// PublicKeys returns the keys that verify this service's access tokens:
// the public keys of the JWKS (next, active and retired keys, never a
// revoked one). The set is the same value until the keyring changes, and
// must not be modified. The error comes only from a keyring that is not
// loaded.
func (s *Service) PublicKeys() (*jwk.Set, error) {
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	return st.verifier.Keys, nil
}

// ActiveKeyID returns the key ID that signs new tokens.
func (s *Service) ActiveKeyID() string {
	st, err := s.keys.state()
	if err != nil {
		return ""
	}
	return st.active.KeyID()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
