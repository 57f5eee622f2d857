package keyring

import (
	"time"
)

// MACSecretName names the refresh-token MAC secret in the store.
const MACSecretName = "refresh_mac"

// legacyMACSecretAD is the associated data the refresh MAC secret was
// sealed with before schema version 4, when key records carried no MAC.
// Finding it so sealed is what allows the one-time authentication of key
// records without a MAC ([Ring.Load]); the secret is then sealed with
// [secretAD], so that a record whose MAC was removed later is refused.
const legacyMACSecretAD = "ward refresh mac\x00" + MACSecretName

// Event types, as package auth audits them.
const (
	EventCreate = "key_create"
	EventRotate = "key_rotate"
	EventDrop   = "key_drop"
)

// Event is a change [Ring.Advance] made: Detail follows "kid=KeyID".
type Event struct {
	Type   string // EventCreate, EventRotate or EventDrop
	KeyID  string
	Detail string // " state=next", " reason=scheduled", …
}

// Plan is the keyring as read in one transaction, and what planning it
// changed.
type Plan struct {
	// Records are the authentic key records (see [Ring.Authentic]).
	Records []*Record
	// MAC is the refresh-token MAC secret.
	MAC []byte
	// Spares are keys made before the transaction ([Ring.NewRecord]), so
	// that slow key generation (RSA) does not hold the store's write
	// lock; [Ring.Take] uses them first.
	Spares []*Record
	// Events lists the changes made, in order.
	Events []Event
	// Rotated is true if the active key changed.
	Rotated bool
}

// Find returns the newest record in state, or nil.
func (p *Plan) Find(state string) *Record {
	var found *Record
	for _, r := range p.Records {
		if r.State == state {
			found = r
		}
	}
	return found
}

// Event records a change.
func (p *Plan) Event(typ, kid, detail string) {
	p.Events = append(p.Events, Event{Type: typ, KeyID: kid, Detail: detail})
}

// openMAC opens the sealed refresh MAC secret; legacy reports that it was
// sealed as before schema version 4.
func openMAC(sl *sealer, sealed []byte) (mac []byte, legacy bool, err error) {
	if mac, err = sl.openSecret(MACSecretName, sealed); err == nil {
		return mac, false, nil
	}
	if mac, err2 := sl.open(sealed, legacyMACSecretAD); err2 == nil {
		return mac, true, nil
	}
	return nil, false, err
}

// Load locks the keyring in tx and reads the MAC secret (creating it if
// absent) and the authentic key records. The first time it runs on a
// store from before schema version 4 (the MAC secret sealed the old way),
// it authenticates the records without a MAC by their sealed private half
// and its public half, writes their MAC and re-seals the MAC secret.
func (r *Ring) Load(tx Tx, spares []*Record) (*Plan, error) {
	sl := r.sealer()
	if err := tx.LockKeys(); err != nil {
		return nil, err
	}
	p := &Plan{Spares: spares}
	legacy, create := false, false
	sealed, err := tx.Secret(MACSecretName)
	switch {
	case err == nil:
		if p.MAC, legacy, err = openMAC(sl, sealed); err != nil {
			return nil, err
		}
	case r.cfg.IsNotFound(err):
		p.MAC, create = newMACSecret(), true
	default:
		return nil, err
	}
	if create || legacy {
		if err := tx.PutSecret(MACSecretName, sl.sealSecret(MACSecretName, p.MAC)); err != nil {
			return nil, err
		}
	}
	recs, err := tx.Keys()
	if err != nil {
		return nil, err
	}
	if legacy {
		for _, rec := range recs {
			if len(rec.MAC) == 0 && legacyAuthentic(sl, rec) {
				if err := r.Put(tx, rec); err != nil {
					return nil, err
				}
			}
		}
	}
	p.Records = r.authenticated(sl, recs)
	return p, nil
}

// Read reads the keyring without a write lock, as it is: the authentic
// records and the MAC secret. It returns nil if the MAC secret is missing
// or from before schema version 4, which only an update ([Ring.Load])
// fixes.
func (r *Ring) Read(tx ReadTx) (*Plan, error) {
	sl := r.sealer()
	sealed, err := tx.Secret(MACSecretName)
	if r.cfg.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	mac, legacy, err := openMAC(sl, sealed)
	if err != nil || legacy {
		return nil, err
	}
	recs, err := tx.Keys()
	if err != nil {
		return nil, err
	}
	return &Plan{Records: r.authenticated(sl, recs), MAC: mac}, nil
}

// Peek is [Ring.Read], but returns nil also when [Ring.Advance] would
// change something at now: the caller then runs an update.
func (r *Ring) Peek(tx ReadTx, now time.Time) (*Plan, error) {
	p, err := r.Read(tx)
	if p == nil || err != nil || r.due(p, now) {
		return nil, err
	}
	return p, nil
}

// Observe records that recs, read from the store or written to it, were
// committed by at: a time on this process's clock taken after the
// transaction that read or wrote them ended. The ring keeps, for each
// record in its current state, the first such time, and measures every
// wait of the rotation from it ([Ring.PromotableAt], and the drop of a
// retired key), never from a time stored by the instance that made the
// change, which precedes its commit and comes from another clock. A ring
// that has not observed a record in its state (just started) waits the
// whole delay from its first observation.
func (r *Ring) Observe(recs []*Record, at time.Time) {
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	seen := make(map[seenKey]time.Time, len(recs))
	for _, rec := range recs {
		k := seenKey{rec.KeyID, rec.State}
		t, ok := r.seen[k]
		if !ok {
			t = at
		}
		seen[k] = t
	}
	r.seen = seen
}

// observed returns when rec was first observed in its state; ok is
// false if it has not been.
func (r *Ring) observed(rec *Record) (t time.Time, ok bool) {
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	t, ok = r.seen[seenKey{rec.KeyID, rec.State}]
	return t, ok
}

// PromotableAt returns the earliest time at which the next key rec may
// become active here: [Ring.PublishDelay] after it was first observed. ok
// is false if it has not been observed yet.
func (r *Ring) PromotableAt(rec *Record) (t time.Time, ok bool) {
	t, ok = r.observed(rec)
	return t.Add(r.PublishDelay()), ok
}

// promotable reports whether the next key rec may become active at now.
func (r *Ring) promotable(rec *Record, now time.Time) bool {
	t, ok := r.PromotableAt(rec)
	return ok && !now.Before(t)
}

// PublishDelay is how long a next key is published before it signs:
// [Config.CacheTTL] + [Config.Propagation].
func (r *Ring) PublishDelay() time.Duration { return r.cfg.CacheTTL + r.cfg.Propagation }

// Take returns a new record in state at now: a spare if there is one,
// else a key made now.
func (r *Ring) Take(p *Plan, state string, now time.Time) (*Record, error) {
	if len(p.Spares) == 0 {
		return r.NewRecord(state, now)
	}
	rec := p.Spares[0]
	p.Spares = p.Spares[1:]
	rec.State, rec.CreatedAt = state, now
	if state == Active {
		rec.ActivatedAt = now
	}
	return rec, nil
}

// expired reports whether rec is a retired or revoked key that no
// unexpired token can need at now. An instance that has not loaded the
// rotation yet may sign with a retired key for up to
// [Config.Propagation] after it was retired, so a retired key is kept
// Lifetime + Propagation after it was first observed retired. A revoked
// key is published by no one and its tokens are refused by its
// revocation: its record goes Lifetime after it was revoked.
func (r *Ring) expired(rec *Record, now time.Time) bool {
	switch rec.State {
	case Retired:
		t, ok := r.observed(rec)
		return ok && now.After(t.Add(r.cfg.Lifetime+r.cfg.Propagation))
	case Revoked:
		return now.After(rec.RevokedAt.Add(r.cfg.Lifetime))
	}
	return false
}

// Advance applies the rotation schedule at now: it creates missing keys,
// promotes the next key when due and published long enough (at once when
// there is no active key), and drops keys no token can need any more.
// Changed records are written to tx.
func (r *Ring) Advance(tx Tx, p *Plan, now time.Time) error {
	put := func(rec *Record) error { return r.Put(tx, rec) }
	kept := p.Records[:0]
	for _, rec := range p.Records {
		if r.expired(rec, now) {
			if err := tx.DeleteKey(rec.KeyID); err != nil {
				return err
			}
			p.Event(EventDrop, rec.KeyID, "")
			continue
		}
		kept = append(kept, rec)
	}
	p.Records = kept

	active, next := p.Find(Active), p.Find(Next)
	promote := func(n *Record, why string) error {
		if active != nil {
			active.State, active.RetiredAt = Retired, now
			if err := put(active); err != nil {
				return err
			}
		}
		n.State, n.ActivatedAt, n.ActivateAt = Active, now, time.Time{}
		if err := put(n); err != nil {
			return err
		}
		p.Event(EventRotate, n.KeyID, " "+why)
		p.Rotated = true
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
		rec, err := r.Take(p, Active, now)
		if err != nil {
			return err
		}
		if err := put(rec); err != nil {
			return err
		}
		p.Records = append(p.Records, rec)
		p.Event(EventCreate, rec.KeyID, " state=active")
		active = rec
	case next != nil:
		if why := r.promotion(active, next, now); why != "" {
			if err := promote(next, why); err != nil {
				return err
			}
		}
	}
	if next == nil {
		rec, err := r.Take(p, Next, now)
		if err != nil {
			return err
		}
		if err := put(rec); err != nil {
			return err
		}
		p.Records = append(p.Records, rec)
		p.Event(EventCreate, rec.KeyID, " state=next")
	}
	return nil
}

// due reports whether [Ring.Advance] would change anything at now.
func (r *Ring) due(p *Plan, now time.Time) bool {
	for _, rec := range p.Records {
		if r.expired(rec, now) {
			return true
		}
	}
	active, next := p.Find(Active), p.Find(Next)
	return active == nil || next == nil || r.promotion(active, next, now) != ""
}

// promotion says why the next key is to replace the active one at now
// ("reason=requested" by [Record.ActivateAt], "reason=scheduled" by
// [Config.RotationInterval]), or "" if it is not: never before
// [Ring.PromotableAt].
func (r *Ring) promotion(active, next *Record, now time.Time) string {
	switch {
	case !r.promotable(next, now):
		return ""
	case !next.ActivateAt.IsZero() && !now.Before(next.ActivateAt):
		return "reason=requested"
	case !now.Before(active.ActivatedAt.Add(r.cfg.RotationInterval)):
		return "reason=scheduled"
	}
	return ""
}
