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

// Peek reads the keyring without a write lock and returns it if
// [Ring.Advance] would change nothing at now; otherwise (or if the MAC
// secret is missing or from before schema version 4) it returns nil, and
// the caller runs an update.
func (r *Ring) Peek(tx ReadTx, now time.Time) (*Plan, error) {
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
	p := &Plan{Records: r.authenticated(sl, recs), MAC: mac}
	if r.due(p, now) {
		return nil, nil
	}
	return p, nil
}

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
// unexpired token can need at now.
func (r *Ring) expired(rec *Record, now time.Time) bool {
	return (rec.State == Retired && now.After(rec.RetiredAt.Add(r.cfg.Lifetime))) ||
		(rec.State == Revoked && now.After(rec.RevokedAt.Add(r.cfg.Lifetime)))
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
// [Config.RotationInterval]), or "" if it is not: not before it has been
// published for [Config.CacheTTL].
func (r *Ring) promotion(active, next *Record, now time.Time) string {
	switch {
	case now.Before(next.CreatedAt.Add(r.cfg.CacheTTL)):
		return ""
	case !next.ActivateAt.IsZero() && !now.Before(next.ActivateAt):
		return "reason=requested"
	case !now.Before(active.ActivatedAt.Add(r.cfg.RotationInterval)):
		return "reason=scheduled"
	}
	return ""
}
