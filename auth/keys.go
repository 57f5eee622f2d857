package auth

import (
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
type keyring struct {
	ring *kr.Ring
	cfg  *Config
	revs *Revocations
	mu   sync.Mutex // serializes rebuilds
	cur  atomic.Pointer[keyState]
}

type keyState struct {
	active   *jwk.PrivateKey
	signer   *jwt.Signer
	verifier *jwt.Verifier
	jwks     []byte
	mac      []byte
	records  []*KeyRecord // without Private
}

func newKeyring(kek []byte, cfg *Config, revs *Revocations) (*keyring, error) {
	ring, err := kr.New(kek, kr.Config{
		Algorithm:        cfg.SigningAlg,
		CacheTTL:         cfg.JWKSCacheTTL,
		RotationInterval: cfg.KeyRotationInterval,
		Lifetime:         keyLifetime,
		Logger:           cfg.Logger,
		IsNotFound:       func(err error) bool { return IsCode(err, CodeNotFound) },
	})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return &keyring{ring: ring, cfg: cfg, revs: revs}, nil
}

func (k *keyring) state() (*keyState, error) {
	st := k.cur.Load()
	if st == nil {
		return nil, errors.New("auth: keyring is not loaded")
	}
	return st, nil
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

// install builds and installs the in-memory state from p.
func (k *keyring) install(p *kr.Plan) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := &keyState{mac: p.MAC}
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

func stripPrivate(r *KeyRecord) *KeyRecord {
	c := *r
	c.Private = nil
	return &c
}

// MaybeRotateKeys brings the keyring up to date at the current time: it
// creates the first keys, promotes the next key when the rotation is due
// (scheduled every [Config.KeyRotationInterval], or requested by
// [Service.RotateKeys]) and it has been published for at least
// [Config.JWKSCacheTTL], creates a new next key, drops retired keys that no
// unexpired token can need, and reloads keys that other instances changed.
// The server calls it on a ticker (every minute is plenty). It reports
// whether the active key changed.
//
// With several instances, each publishes a next key made by another only
// once it has called MaybeRotateKeys (or [Service.Sync]) since: call it on
// every instance at an interval much shorter than [Config.JWKSCacheTTL],
// or lengthen JWKSCacheTTL by that interval.
func (s *Service) MaybeRotateKeys(ctx context.Context) (bool, error) {
	// Most calls change nothing: find out with a read, without taking the
	// write lock.
	now := s.now()
	var plan *kr.Plan
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		plan, err = s.keys.ring.Peek(tx, now)
		return err
	})
	if err != nil {
		return false, internal("reading keyring", err)
	}
	if plan != nil {
		return false, s.keys.install(plan)
	}
	return s.updateKeys(ctx, RequestMeta{}, nil)
}

// updateKeys runs the keyring planning in one transaction, with an optional
// change applied before the schedule, then installs the result.
func (s *Service) updateKeys(ctx context.Context, meta RequestMeta, change func(tx Tx, p *kr.Plan, now time.Time) ([]Revocation, error)) (bool, error) {
	// Whole microseconds, as every store keeps them and the record MAC
	// covers them.
	now := s.now().Truncate(time.Microsecond)
	// At most two keys are made per update (a first start, or revoking the
	// active key with no next key).
	var spares []*KeyRecord
	for range 2 {
		r, err := s.keys.ring.NewRecord(KeyNext, now)
		if err != nil {
			return false, fmt.Errorf("auth: %w", err)
		}
		spares = append(spares, r)
	}
	var (
		plan   *kr.Plan
		revs   []Revocation
		events []AuditEvent
	)
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
		return false, internal("updating keyring", err)
	}
	s.applyRevocations(ctx, revs)
	for i := range events {
		s.logEvent(&events[i])
	}
	if err := s.keys.install(plan); err != nil {
		return false, err
	}
	return plan.Rotated, nil
}

// RotateResult reports what [Service.RotateKeys] did.
type RotateResult struct {
	// Rotated is true if the next key became the active key now.
	Rotated bool
	// ActiveKeyID is the key that signs now.
	ActiveKeyID string
	// ActivateAt, when Rotated is false, is when the next key (NextKeyID)
	// will be promoted: once it has been published for
	// [Config.JWKSCacheTTL]. [Service.MaybeRotateKeys] promotes it then.
	ActivateAt time.Time
	NextKeyID  string
}

// RotateKeys requests a rotation now: [Service.RotateKeysBy] with no
// request metadata.
func (s *Service) RotateKeys(ctx context.Context) (*RotateResult, error) {
	return s.RotateKeysBy(ctx, RequestMeta{})
}

// RotateKeysBy requests a rotation now, on behalf of the request meta
// describes. If the next key has been published for at least
// [Config.JWKSCacheTTL], it becomes the active key at once (and a new next
// key is made); otherwise its promotion is scheduled for the moment it has
// been, and the result says when. The request is durable and audited
// ("key_rotate", with meta's address and user agent; detail
// "scheduled=…" when the promotion is scheduled).
func (s *Service) RotateKeysBy(ctx context.Context, meta RequestMeta) (*RotateResult, error) {
	rotated, err := s.updateKeys(ctx, meta, func(tx Tx, p *kr.Plan, now time.Time) ([]Revocation, error) {
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
		next.ActivateAt = maxTime(now, next.CreatedAt.Add(s.cfg.JWKSCacheTTL))
		if next.ActivateAt.After(now) {
			p.Event(EventKeyRotate, next.KeyID, " scheduled="+next.ActivateAt.UTC().Format(time.RFC3339))
		}
		return nil, s.keys.ring.Put(tx, next)
	})
	if err != nil {
		return nil, err
	}
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	res := &RotateResult{Rotated: rotated, ActiveKeyID: st.active.KeyID()}
	for _, r := range st.records {
		if r.State == KeyNext {
			res.NextKeyID, res.ActivateAt = r.KeyID, r.ActivateAt
		}
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
