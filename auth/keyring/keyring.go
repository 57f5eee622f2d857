// Package keyring keeps the signing keys of Ward's token service at rest:
// it makes keys, plans their rotation (a next key published before it
// signs, one active key, retired keys kept while their tokens may be
// valid), seals private keys and other secrets with AES-256-GCM under the
// key-encryption key (KEK), and authenticates every key record with an
// HMAC under a key derived from the KEK, so that a record written to the
// database by anyone without the KEK is refused when loaded.
//
// It knows nothing of users, tokens, HTTP or the audit log: package auth
// drives it inside its store transactions through the narrow port [Tx],
// which auth's store transactions satisfy, and turns its [Event]s into
// audit events.
//
// # Key management
//
// The KEK is 32 bytes. [Ring.Rewrap] moves every sealed key and secret to
// a new KEK in one transaction. Stored data that does not open under the
// KEK is never trusted: a private key is bound to its kid and algorithm
// (associated data), a record's other fields to its MAC.
package keyring

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/jose/jwk"
)

// ReadTx is what the keyring reads in a store transaction.
type ReadTx interface {
	// Keys returns every stored key record, oldest first.
	Keys() ([]*Record, error)
	// Secret returns the sealed secret stored under name (an error that
	// [Config.IsNotFound] recognizes if there is none).
	Secret(name string) ([]byte, error)
}

// Tx is what the keyring reads and writes in a read-write store
// transaction.
type Tx interface {
	ReadTx
	// LockKeys locks the keyring until the transaction ends.
	LockKeys() error
	// PutKey inserts r or replaces the record with its KeyID.
	PutKey(r *Record) error
	// DeleteKey deletes the record kid.
	DeleteKey(kid string) error
	// PutSecret stores a sealed secret under name, replacing any.
	PutSecret(name string, sealed []byte) error
	// SecretNames returns the names of every stored secret.
	SecretNames() ([]string, error)
}

// Config is the keyring's configuration. Every field must be set.
type Config struct {
	// Algorithm is the algorithm of new keys (asymmetric only).
	Algorithm jwk.Algorithm
	// CacheTTL is how long a next key is published before it may sign
	// (the JWKS cache lifetime of verifiers).
	CacheTTL time.Duration
	// Propagation bounds how long after a change to the keyring commits
	// every instance sharing the store has loaded it (package auth's
	// keyring lease). A next key waits CacheTTL + Propagation after it is
	// first observed before it may sign, and a retired key stays
	// Lifetime + Propagation after it is first observed retired: see
	// [Ring.Observe].
	Propagation time.Duration
	// RotationInterval is how long a key signs before the next one
	// takes over on schedule.
	RotationInterval time.Duration
	// Lifetime is how long after a key stops signing (retired or revoked)
	// a token it signed may still be valid; the record is dropped after.
	Lifetime time.Duration
	// Logger receives the refusals of records that are not authentic.
	Logger *slog.Logger
	// IsNotFound reports whether an error of [ReadTx.Secret] means that
	// there is no such secret.
	IsNotFound func(error) bool
}

// Ring seals, authenticates and plans the signing keys. It is safe for
// concurrent use; the store serializes the transactions it runs in.
type Ring struct {
	cfg  Config
	seal atomic.Pointer[sealer] // replaced by the commit of Rewrap

	refusedMu sync.Mutex
	refused   map[string]bool // kids of refused records already logged

	seenMu sync.Mutex
	seen   map[seenKey]time.Time // see Observe
}

// seenKey names a record in one state.
type seenKey struct{ kid, state string }

// New returns a ring whose secrets are sealed under kek ([KEKSize]
// bytes).
func New(kek []byte, cfg Config) (*Ring, error) {
	s, err := newSealer(kek)
	if err != nil {
		return nil, err
	}
	r := &Ring{cfg: cfg, refused: map[string]bool{}, seen: map[seenKey]time.Time{}}
	r.seal.Store(s)
	return r, nil
}

func (r *Ring) sealer() *sealer { return r.seal.Load() }

// Put writes rec to tx with its MAC under the current KEK.
func (r *Ring) Put(tx Tx, rec *Record) error {
	rec.MAC = r.sealer().recordMAC(rec)
	return tx.PutKey(rec)
}

// Authentic reports whether rec's MAC is valid under the current KEK: it
// was written by [Ring.Put] (or [Ring.Rewrap]) and not changed since.
func (r *Ring) Authentic(rec *Record) bool { return r.sealer().authentic(rec) }

// authenticated returns the records of recs that are authentic under sl.
// The others were not written by a holder of the KEK (a row inserted or
// edited in the database by hand): they are left out, never published
// nor trusted, and logged once per kid.
func (r *Ring) authenticated(sl *sealer, recs []*Record) []*Record {
	out := recs[:0:0]
	for _, rec := range recs {
		if sl.authentic(rec) {
			out = append(out, rec)
			continue
		}
		r.refusedMu.Lock()
		logged := r.refused[rec.KeyID]
		r.refused[rec.KeyID] = true
		r.refusedMu.Unlock()
		if !logged {
			r.cfg.Logger.Error("signing key record refused: it is not authenticated under the key-encryption key (written to the database by hand?); it is neither published nor trusted",
				slog.String("kid", clip(rec.KeyID, 64)), slog.String("alg", clip(rec.Algorithm, 16)), slog.String("state", clip(rec.State, 16)))
		}
	}
	return out
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// legacyAuthentic reports whether rec, a record from before schema
// version 4 (no MAC), was written by a holder of the KEK: its private half
// opens under it, bound to its kid and alg, and its public half is that
// private key's.
func legacyAuthentic(sl *sealer, rec *Record) bool {
	priv, err := openPrivate(sl, rec)
	if err != nil {
		return false
	}
	key, err := jwk.ParseKey(rec.Public, jwk.Algorithm(rec.Algorithm))
	pub, ok := key.(*jwk.PublicKey)
	if err != nil || !ok {
		return false
	}
	a, err1 := priv.Public().MarshalJSON()
	b, err2 := pub.MarshalJSON()
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// OpenPrivate opens the private key of rec.
func (r *Ring) OpenPrivate(rec *Record) (*jwk.PrivateKey, error) {
	return openPrivate(r.sealer(), rec)
}

func openPrivate(sl *sealer, rec *Record) (*jwk.PrivateKey, error) {
	pt, err := sl.open(rec.Private, keyAD(rec.KeyID, rec.Algorithm))
	if err != nil {
		return nil, fmt.Errorf("keyring: key %s: %w", rec.KeyID, err)
	}
	key, err := jwk.ParseKey(pt, jwk.Algorithm(rec.Algorithm))
	clear(pt)
	if err != nil {
		return nil, fmt.Errorf("keyring: private key %s: %w", rec.KeyID, err)
	}
	priv, ok := key.(*jwk.PrivateKey)
	if !ok || priv.KeyID() != rec.KeyID {
		return nil, fmt.Errorf("keyring: private key %s does not match its record", rec.KeyID)
	}
	return priv, nil
}

// NewRecord generates a key of [Config.Algorithm] in state at now and
// seals its private half. It takes no lock: call it before a transaction,
// since generating an RSA key is slow, and hand the records to
// [Ring.Load].
func (r *Ring) NewRecord(state string, now time.Time) (*Record, error) {
	sk, err := jwk.Generate(r.cfg.Algorithm)
	if err != nil {
		return nil, err
	}
	priv, ok := sk.(*jwk.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("keyring: %s does not make asymmetric keys", r.cfg.Algorithm)
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
	rec := &Record{
		KeyID:     priv.KeyID(),
		Algorithm: alg,
		State:     state,
		Private:   r.sealer().seal(privJSON, keyAD(priv.KeyID(), alg)),
		Public:    pubJSON,
		CreatedAt: now,
	}
	clear(privJSON)
	if state == Active {
		rec.ActivatedAt = now
	}
	return rec, nil
}

// SealSecret seals a secret to be stored under name ([Tx.PutSecret]);
// every stored secret must be sealed so, for [Ring.Rewrap] to move it.
func (r *Ring) SealSecret(name string, pt []byte) []byte { return r.sealer().sealSecret(name, pt) }

// OpenSecret opens a secret stored under name.
func (r *Ring) OpenSecret(name string, sealed []byte) ([]byte, error) {
	return r.sealer().openSecret(name, sealed)
}

// newMACSecret returns a new random refresh-token MAC secret.
func newMACSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}
