package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// macSecretName names the refresh-token MAC secret in the store.
const macSecretName = "refresh_mac"

const macSecretAD = "ward refresh mac\x00" + macSecretName

// keyring holds the signing keys in memory: the active key's signer, a
// verifier for every published key, the JWKS, and the refresh MAC secret.
// The state is an immutable snapshot swapped atomically, so signing and
// verifying take no lock.
type keyring struct {
	sealer *sealer
	cfg    *Config
	revs   *Revocations
	mu     sync.Mutex // serializes rebuilds
	cur    atomic.Pointer[keyState]
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
	s, err := newSealer(kek)
	if err != nil {
		return nil, err
	}
	return &keyring{sealer: s, cfg: cfg, revs: revs}, nil
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
	State       string // KeyNext, KeyActive, KeyRetired or KeyRevoked
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

// take returns a new key record in state at now: a spare if there is one.
func (k *keyring) take(p *keyPlan, state string, now time.Time) (*KeyRecord, error) {
	if len(p.spares) == 0 {
		return k.newKeyRecord(state, now)
	}
	r := p.spares[0]
	p.spares = p.spares[1:]
	r.State, r.CreatedAt = state, now
	if state == KeyActive {
		r.ActivatedAt = now
	}
	return r, nil
}

// newKeyRecord generates a key and seals its private half.
func (k *keyring) newKeyRecord(state string, now time.Time) (*KeyRecord, error) {
	sk, err := jwk.Generate(k.cfg.SigningAlg)
	if err != nil {
		return nil, err
	}
	priv, ok := sk.(*jwk.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auth: %s does not make asymmetric keys", k.cfg.SigningAlg)
	}
	pubJSON, err := priv.Public().MarshalJSON()
	if err != nil {
		return nil, err
	}
	privJSON, err := priv.MarshalJSON()
	if err != nil {
		return nil, err
	}
	alg := string(priv.Algorithm())
	r := &KeyRecord{
		KeyID:     priv.KeyID(),
		Algorithm: alg,
		State:     state,
		Private:   k.sealer.seal(privJSON, keyAD(priv.KeyID(), alg)),
		Public:    pubJSON,
		CreatedAt: now,
	}
	if state == KeyActive {
		r.ActivatedAt = now
	}
	return r, nil
}

// keyPlan is the outcome of planning the keyring in a transaction.
type keyPlan struct {
	// spares are keys generated before the transaction, so that slow key
	// generation (RSA) does not hold the store's write lock.
	spares  []*KeyRecord
	records []*KeyRecord
	mac     []byte
	events  []AuditEvent
	revs    []Revocation
	rotated bool
	meta    RequestMeta // of the request that caused the update, if any
}

// loadForUpdate locks the keyring in tx, reads the keys and the MAC secret
// (creating the secret if absent).
func (k *keyring) loadForUpdate(tx Tx, now time.Time) (*keyPlan, error) {
	if err := tx.LockKeys(); err != nil {
		return nil, err
	}
	recs, err := tx.Keys()
	if err != nil {
		return nil, err
	}
	p := &keyPlan{records: recs}
	sealed, err := tx.Secret(macSecretName)
	switch {
	case err == nil:
		if p.mac, err = k.sealer.open(sealed, macSecretAD); err != nil {
			return nil, err
		}
	case IsCode(err, CodeNotFound):
		p.mac = make([]byte, 32)
		rand.Read(p.mac)
		if err := tx.PutSecret(macSecretName, k.sealer.seal(p.mac, macSecretAD)); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	return p, nil
}

func (p *keyPlan) find(state string) *KeyRecord {
	var found *KeyRecord
	for _, r := range p.records {
		if r.State == state {
			found = r // the newest
		}
	}
	return found
}

func (p *keyPlan) event(now time.Time, typ, kid, detail string) {
	m := p.meta.clean()
	p.events = append(p.events, AuditEvent{Time: now, Type: typ, Outcome: OutcomeSuccess, IP: m.IP, UserAgent: m.UserAgent, Detail: "kid=" + kid + detail})
}

// advance applies the rotation schedule at now: creates missing keys,
// promotes the next key when due and published long enough, and drops keys
// no token can need any more. Changed records are written to tx.
func (k *keyring) advance(tx Tx, p *keyPlan, now time.Time) error {
	put := func(r *KeyRecord) error { return tx.PutKey(r) }
	// Drop retired and revoked keys whose tokens have all expired.
	kept := p.records[:0]
	for _, r := range p.records {
		if (r.State == KeyRetired && now.After(r.RetiredAt.Add(keyLifetime))) ||
			(r.State == KeyRevoked && now.After(r.RevokedAt.Add(keyLifetime))) {
			if err := tx.DeleteKey(r.KeyID); err != nil {
				return err
			}
			p.event(now, EventKeyDrop, r.KeyID, "")
			continue
		}
		kept = append(kept, r)
	}
	p.records = kept

	active, next := p.find(KeyActive), p.find(KeyNext)
	promote := func(n *KeyRecord, why string) error {
		if active != nil {
			active.State, active.RetiredAt = KeyRetired, now
			if err := put(active); err != nil {
				return err
			}
		}
		n.State, n.ActivatedAt, n.ActivateAt = KeyActive, now, time.Time{}
		if err := put(n); err != nil {
			return err
		}
		p.event(now, EventKeyRotate, n.KeyID, " "+why)
		p.rotated = true
		active, next = n, nil
		return nil
	}
	switch {
	case active == nil && next != nil:
		// No active key (first start after an emergency revocation, or a
		// damaged keyring): the next key is the best there is.
		if err := promote(next, "reason=no_active_key"); err != nil {
			return err
		}
	case active == nil:
		// First start: no verifier can hold a key yet, so there is no
		// cache to wait for.
		r, err := k.take(p, KeyActive, now)
		if err != nil {
			return err
		}
		if err := put(r); err != nil {
			return err
		}
		p.records = append(p.records, r)
		p.event(now, EventKeyCreate, r.KeyID, " state=active")
		active = r
	case next != nil && !now.Before(next.CreatedAt.Add(k.cfg.JWKSCacheTTL)):
		requested := !next.ActivateAt.IsZero() && !now.Before(next.ActivateAt)
		scheduled := !now.Before(active.ActivatedAt.Add(k.cfg.KeyRotationInterval))
		if requested || scheduled {
			why := "reason=scheduled"
			if requested {
				why = "reason=requested"
			}
			if err := promote(next, why); err != nil {
				return err
			}
		}
	}
	if next == nil {
		r, err := k.take(p, KeyNext, now)
		if err != nil {
			return err
		}
		if err := put(r); err != nil {
			return err
		}
		p.records = append(p.records, r)
		p.event(now, EventKeyCreate, r.KeyID, " state=next")
	}
	return nil
}

// install builds and installs the in-memory state from p.
func (k *keyring) install(p *keyPlan) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := &keyState{mac: p.mac}
	var pubs []jwk.Key
	for _, r := range p.records {
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
			pt, err := k.sealer.open(r.Private, keyAD(r.KeyID, r.Algorithm))
			if err != nil {
				return fmt.Errorf("auth: key %s: %w", r.KeyID, err)
			}
			key, err := jwk.ParseKey(pt, jwk.Algorithm(r.Algorithm))
			clear(pt)
			if err != nil {
				return fmt.Errorf("auth: private key %s: %w", r.KeyID, err)
			}
			priv, ok := key.(*jwk.PrivateKey)
			if !ok || priv.KeyID() != r.KeyID {
				return fmt.Errorf("auth: private key %s does not match its record", r.KeyID)
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
	var plan *keyPlan
	err := s.store.View(ctx, func(tx ReadTx) error {
		recs, err := tx.Keys()
		if err != nil {
			return err
		}
		sealed, err := tx.Secret(macSecretName)
		if IsCode(err, CodeNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		p := &keyPlan{records: recs}
		if s.keys.dueAt(p, now) {
			return nil
		}
		if p.mac, err = s.keys.sealer.open(sealed, macSecretAD); err != nil {
			return err
		}
		plan = p
		return nil
	})
	if err != nil {
		return false, internal("reading keyring", err)
	}
	if plan != nil {
		return false, s.keys.install(plan)
	}
	return s.updateKeys(ctx, nil)
}

// dueAt reports whether [keyring.advance] would change anything at now.
func (k *keyring) dueAt(p *keyPlan, now time.Time) bool {
	for _, r := range p.records {
		if (r.State == KeyRetired && now.After(r.RetiredAt.Add(keyLifetime))) ||
			(r.State == KeyRevoked && now.After(r.RevokedAt.Add(keyLifetime))) {
			return true
		}
	}
	active, next := p.find(KeyActive), p.find(KeyNext)
	if active == nil || next == nil {
		return true
	}
	if now.Before(next.CreatedAt.Add(k.cfg.JWKSCacheTTL)) {
		return false
	}
	requested := !next.ActivateAt.IsZero() && !now.Before(next.ActivateAt)
	scheduled := !now.Before(active.ActivatedAt.Add(k.cfg.KeyRotationInterval))
	return requested || scheduled
}

// updateKeys runs the keyring planning in one transaction, with an optional
// change applied before the schedule, then installs the result.
func (s *Service) updateKeys(ctx context.Context, change func(tx Tx, p *keyPlan, now time.Time) error) (bool, error) {
	now := s.now()
	// At most two keys are made per update (a first start, or revoking the
	// active key with no next key).
	var spares []*KeyRecord
	for range 2 {
		r, err := s.keys.newKeyRecord(KeyNext, now)
		if err != nil {
			return false, err
		}
		spares = append(spares, r)
	}
	var plan *keyPlan
	err := s.store.Update(ctx, func(tx Tx) error {
		p, err := s.keys.loadForUpdate(tx, now)
		if err != nil {
			return err
		}
		p.spares = slices.Clone(spares)
		if change != nil {
			if err := change(tx, p, now); err != nil {
				return err
			}
		}
		if err := s.keys.advance(tx, p, now); err != nil {
			return err
		}
		for _, r := range p.revs {
			if err := tx.AddRevocation(r); err != nil {
				return err
			}
		}
		for i := range p.events {
			if err := tx.AppendAudit(&p.events[i]); err != nil {
				return err
			}
		}
		plan = p
		return nil
	})
	if err != nil {
		return false, internal("updating keyring", err)
	}
	s.applyRevocations(ctx, plan.revs)
	for _, ev := range plan.events {
		s.logEvent(&ev)
	}
	if err := s.keys.install(plan); err != nil {
		return false, err
	}
	return plan.rotated, nil
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
	rotated, err := s.updateKeys(ctx, func(tx Tx, p *keyPlan, now time.Time) error {
		p.meta = meta
		next := p.find(KeyNext)
		if next == nil {
			r, err := s.keys.take(p, KeyNext, now)
			if err != nil {
				return err
			}
			p.records = append(p.records, r)
			p.event(now, EventKeyCreate, r.KeyID, " state=next")
			next = r
		}
		next.ActivateAt = maxTime(now, next.CreatedAt.Add(s.cfg.JWKSCacheTTL))
		if next.ActivateAt.After(now) {
			p.event(now, EventKeyRotate, next.KeyID, " scheduled="+next.ActivateAt.UTC().Format(time.RFC3339))
		}
		return tx.PutKey(next)
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
	_, err := s.updateKeys(ctx, func(tx Tx, p *keyPlan, now time.Time) error {
		p.meta = meta
		var r *KeyRecord
		for _, x := range p.records {
			if x.KeyID == kid {
				r = x
			}
		}
		if r == nil {
			return Errorf(CodeNotFound, "no signing key %q", kid)
		}
		if r.State == KeyRevoked {
			return nil
		}
		r.State, r.RevokedAt = KeyRevoked, now
		if err := tx.PutKey(r); err != nil {
			return err
		}
		p.revs = append(p.revs, Revocation{Kind: RevokeKey, Subject: kid, NotBefore: now, Expires: now.Add(keyLifetime), CreatedAt: now})
		p.events = append(p.events, AuditEvent{Time: now, Type: EventKeyRevoke, Outcome: OutcomeSuccess, IP: meta.IP, UserAgent: meta.UserAgent, Detail: "kid=" + kid})
		return nil
	})
	return err
}

// ListKeys returns the signing keys, oldest first, without private parts.
func (s *Service) ListKeys(ctx context.Context) ([]KeyInfo, error) {
	var out []KeyInfo
	err := s.store.View(ctx, func(tx ReadTx) error {
		recs, err := tx.Keys()
		for _, r := range recs {
			out = append(out, keyInfo(r))
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
