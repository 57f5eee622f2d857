package keyring

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"time"
)

var errNotFound = errors.New("not found")

// memTx is an in-memory [Tx]; the auth store conformance suite and the
// auth tests run the keyring over SQLite.
type memTx struct {
	keys    []*Record
	secrets map[string][]byte
}

func newMemTx() *memTx { return &memTx{secrets: map[string][]byte{}} }

func (m *memTx) Keys() ([]*Record, error) {
	out := make([]*Record, len(m.keys))
	for i, r := range m.keys {
		c := *r
		out[i] = &c
	}
	return out, nil
}

func (m *memTx) Secret(name string) ([]byte, error) {
	s, ok := m.secrets[name]
	if !ok {
		return nil, errNotFound
	}
	return s, nil
}

func (m *memTx) LockKeys() error { return nil }

func (m *memTx) PutKey(r *Record) error {
	c := *r
	for i, k := range m.keys {
		if k.KeyID == r.KeyID {
			m.keys[i] = &c
			return nil
		}
	}
	m.keys = append(m.keys, &c)
	return nil
}

func (m *memTx) DeleteKey(kid string) error {
	m.keys = slices.DeleteFunc(m.keys, func(r *Record) bool { return r.KeyID == kid })
	return nil
}

func (m *memTx) PutSecret(name string, sealed []byte) error {
	m.secrets[name] = sealed
	return nil
}

func (m *memTx) SecretNames() ([]string, error) {
	return slices.Sorted(maps.Keys(m.secrets)), nil
}

var (
	kek1 = bytes.Repeat([]byte{1}, KEKSize)
	kek2 = bytes.Repeat([]byte{2}, KEKSize)
	t0   = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

func newRing(t *testing.T, kek []byte) *Ring {
	t.Helper()
	r, err := New(kek, Config{Algorithm: "ES256", CacheTTL: 5 * time.Minute, Propagation: 5 * time.Second, RotationInterval: 24 * time.Hour, Lifetime: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), IsNotFound: func(err error) bool { return errors.Is(err, errNotFound) }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// start runs a first Load and Advance, committed and observed at t0: an
// active and a next key.
func start(t *testing.T, r *Ring, tx *memTx) *Plan {
	t.Helper()
	p, err := r.Load(tx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Advance(tx, p, t0); err != nil {
		t.Fatal(err)
	}
	r.Observe(p.Records, t0)
	return p
}

// advance runs an update at now, committed and observed at now.
func advance(t *testing.T, r *Ring, tx *memTx, now time.Time) *Plan {
	t.Helper()
	p, err := r.Load(tx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Advance(tx, p, now); err != nil {
		t.Fatal(err)
	}
	r.Observe(p.Records, now)
	return p
}

// TestWaitsFromObservation: a next key is promoted no sooner than
// CacheTTL + Propagation after this ring first observed it committed,
// whatever its stored CreatedAt says, and a retired key is dropped no
// sooner than Lifetime + Propagation after it was first observed retired.
func TestWaitsFromObservation(t *testing.T) {
	r, tx := newRing(t, kek1), newMemTx()
	p := start(t, r, tx)
	first, next := p.Find(Active).KeyID, p.Find(Next)
	// Another ring (instance) over the same store sees the next key only
	// an hour later: for it, the key is promotable an hour later.
	other := newRing(t, kek1)
	seen := t0.Add(time.Hour)
	q, err := other.Read(tx)
	if err != nil {
		t.Fatal(err)
	}
	if at, ok := other.PromotableAt(q.Find(Next)); ok {
		t.Fatalf("an unobserved next key is promotable at %v", at)
	}
	other.Observe(q.Records, seen)
	if at, ok := other.PromotableAt(q.Find(Next)); !ok || !at.Equal(seen.Add(5*time.Minute+5*time.Second)) {
		t.Fatalf("PromotableAt = %v, %v", at, ok)
	}
	due := t0.Add(24 * time.Hour) // the rotation interval is over
	if q, err := r.Peek(tx, due); err != nil || q != nil {
		t.Fatalf("not due once the interval is over: %v, %v", q, err)
	}
	// A ring that restarted (observed nothing) waits the whole delay.
	restarted := newRing(t, kek1)
	if p := advance(t, restarted, tx, due); p.Rotated {
		t.Fatal("a ring promoted a next key it had just observed")
	}
	p = advance(t, restarted, tx, due.Add(5*time.Minute+5*time.Second))
	if !p.Rotated || p.Find(Active).KeyID != next.KeyID {
		t.Fatalf("no promotion after the delay: %+v", p.Events)
	}
	retiredAt := due.Add(5*time.Minute + 5*time.Second)
	// The retired key is kept Lifetime + Propagation after it was first
	// observed retired.
	if p := advance(t, restarted, tx, retiredAt.Add(time.Hour+5*time.Second)); slices.ContainsFunc(p.Events, func(e Event) bool { return e.Type == EventDrop }) {
		t.Fatalf("retired key dropped at Lifetime + Propagation: %v", p.Events)
	}
	p = advance(t, restarted, tx, retiredAt.Add(time.Hour+5*time.Second+time.Microsecond))
	if len(p.Events) != 1 || p.Events[0].Type != EventDrop || p.Events[0].KeyID != first {
		t.Fatalf("events after Lifetime + Propagation: %v", p.Events)
	}
}

func TestFirstStart(t *testing.T) {
	r, tx := newRing(t, kek1), newMemTx()
	p := start(t, r, tx)
	if len(tx.keys) != 2 || p.Find(Active) == nil || p.Find(Next) == nil || len(p.Events) != 2 {
		t.Fatalf("first start: %d keys, events %v", len(tx.keys), p.Events)
	}
	// Nothing is due: Peek returns the keyring as it is.
	q, err := r.Peek(tx, t0.Add(time.Minute))
	if err != nil || q == nil || len(q.Records) != 2 || !bytes.Equal(q.MAC, p.MAC) {
		t.Fatalf("Peek = %+v, %v", q, err)
	}
	// Once the next key has been published for CacheTTL and the
	// rotation interval is over, it is due.
	if q, err := r.Peek(tx, t0.Add(25*time.Hour)); err != nil || q != nil {
		t.Fatalf("Peek when due = %+v, %v", q, err)
	}
	priv, err := r.OpenPrivate(p.Find(Active))
	if err != nil || priv.KeyID() != p.Find(Active).KeyID {
		t.Fatalf("OpenPrivate = %v, %v", priv, err)
	}
}

// TestRecordMAC: a change to any field of a stored record, or a MAC under
// another KEK, makes it unauthentic.
func TestRecordMAC(t *testing.T) {
	r, tx := newRing(t, kek1), newMemTx()
	start(t, r, tx)
	rec := tx.keys[0]
	if !r.Authentic(rec) {
		t.Fatal("a record written by Put is not authentic")
	}
	edits := map[string]func(x *Record){
		"kid":          func(x *Record) { x.KeyID += "x" },
		"alg":          func(x *Record) { x.Algorithm = "ES384" },
		"state":        func(x *Record) { x.State = Retired },
		"private":      func(x *Record) { x.Private = append(slices.Clone(x.Private), 0) },
		"public":       func(x *Record) { x.Public = []byte(`{}`) },
		"created_at":   func(x *Record) { x.CreatedAt = x.CreatedAt.Add(time.Microsecond) },
		"activate_at":  func(x *Record) { x.ActivateAt = t0 },
		"activated_at": func(x *Record) { x.ActivatedAt = time.Time{} },
		"retired_at":   func(x *Record) { x.RetiredAt = t0 },
		"revoked_at":   func(x *Record) { x.RevokedAt = t0 },
		"mac":          func(x *Record) { x.MAC = nil },
	}
	for name, edit := range edits {
		c := *rec
		edit(&c)
		if r.Authentic(&c) {
			t.Errorf("a record with its %s edited is authentic", name)
		}
	}
	if newRing(t, kek2).Authentic(rec) {
		t.Error("a record is authentic under another KEK")
	}
	// Refused records are left out of a plan.
	tx.keys[0].State = Retired
	p, err := r.Load(tx, nil)
	if err != nil || len(p.Records) != 1 || p.Records[0].KeyID == rec.KeyID {
		t.Fatalf("Load with an edited record = %+v, %v", p, err)
	}
}

// TestRewrap: every key and secret moves to the new KEK; the ring uses it
// once committed.
func TestRewrap(t *testing.T) {
	r, tx := newRing(t, kek1), newMemTx()
	p := start(t, r, tx)
	tx.secrets["other"] = r.SealSecret("other", []byte("x"))
	if _, _, err := r.Rewrap(tx, kek1); !errors.Is(err, ErrSameKEK) {
		t.Fatalf("Rewrap to the same KEK: %v", err)
	}
	if _, _, err := r.Rewrap(tx, kek2[:8]); !errors.Is(err, ErrKEKSize) {
		t.Fatalf("Rewrap to a short KEK: %v", err)
	}
	res, commit, err := r.Rewrap(tx, kek2)
	if err != nil || res.Keys != 2 || res.Secrets != 2 || len(res.Refused) != 0 {
		t.Fatalf("Rewrap = %+v, %v", res, err)
	}
	if _, err := r.Load(tx, nil); err == nil {
		t.Fatal("the ring opened the rewrapped store before its commit")
	}
	commit()
	q, err := r.Load(tx, nil)
	if err != nil || len(q.Records) != 2 || !bytes.Equal(q.MAC, p.MAC) {
		t.Fatalf("Load after the rewrap = %+v, %v", q, err)
	}
	if s, err := r.OpenSecret("other", tx.secrets["other"]); err != nil || string(s) != "x" {
		t.Fatalf("OpenSecret = %q, %v", s, err)
	}
	if _, err := newRing(t, kek1).Load(tx, nil); !errors.Is(err, ErrSealed) {
		t.Fatalf("the old KEK: %v", err)
	}
}

// TestLegacyUpgrade: records without a MAC are authenticated once, on the
// first Load of a store whose MAC secret is sealed the old way, if their
// private half opens and matches their public half; never after.
func TestLegacyUpgrade(t *testing.T) {
	r, tx := newRing(t, kek1), newMemTx()
	p := start(t, r, tx)
	sl := r.sealer()
	tx.secrets[MACSecretName] = sl.seal(p.MAC, legacyMACSecretAD)
	for _, k := range tx.keys {
		k.MAC = nil
	}
	forged := *tx.keys[1]
	forged.KeyID, forged.Public = "forged", tx.keys[0].Public // a private half bound to another kid
	tx.keys = append(tx.keys, &forged)
	q, err := r.Load(tx, nil)
	if err != nil || len(q.Records) != 2 || !bytes.Equal(q.MAC, p.MAC) {
		t.Fatalf("legacy Load = %+v, %v", q, err)
	}
	if _, legacy, err := openMAC(sl, tx.secrets[MACSecretName]); err != nil || legacy {
		t.Fatalf("the MAC secret was not re-sealed: legacy %v, %v", legacy, err)
	}
	tx.keys[0].MAC = nil
	if q, err := r.Load(tx, nil); err != nil || len(q.Records) != 1 {
		t.Fatalf("a MAC removed after the upgrade: %+v, %v", q, err)
	}
}
