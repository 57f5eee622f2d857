package migrate

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"time"

	"github.com/wardauth/ward/auth"
)

// page is the page size of the reads of users and audit events.
const page = 1000

// Snapshot is every row of a store, read in one transaction.
type Snapshot struct {
	Users       []*auth.User      // by ID
	Sessions    []*auth.Session   // by user ID, then newest first
	Clients     []*auth.Client    // by ID
	Keys        []*auth.KeyRecord // oldest first
	Secrets     []Secret          // by name
	Revocations []auth.Revocation // by Seq, expired ones included
	// RevocationSeq is the largest Seq the store ever gave (from
	// [auth.SeqReader] if the store has it, else the largest in
	// Revocations).
	RevocationSeq int64
	Audit         []auth.AuditEvent // by ID, oldest first
}

// Secret is a sealed secret as stored.
type Secret struct {
	Name   string
	Sealed []byte
}

// Read reads every row of store in one [auth.Store.View]: one consistent
// snapshot.
func Read(ctx context.Context, store auth.Store) (*Snapshot, error) {
	var s *Snapshot
	err := store.View(ctx, func(tx auth.ReadTx) error {
		var err error
		s, err = read(tx)
		return err
	})
	return s, err
}

func read(tx auth.ReadTx) (*Snapshot, error) {
	s := &Snapshot{}
	for after := ""; ; {
		us, err := tx.Users(auth.UserQuery{AfterID: after, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		s.Users = append(s.Users, us...)
		if len(us) < page {
			break
		}
		after = us[len(us)-1].ID
	}
	for _, u := range s.Users {
		ss, err := tx.Sessions(u.ID)
		if err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
		s.Sessions = append(s.Sessions, ss...)
	}
	var err error
	if s.Clients, err = tx.Clients(); err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	if s.Keys, err = tx.Keys(); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	names, err := tx.SecretNames()
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	for _, n := range names {
		sealed, err := tx.Secret(n)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", n, err)
		}
		s.Secrets = append(s.Secrets, Secret{Name: n, Sealed: sealed})
	}
	if s.Revocations, s.RevocationSeq, err = tx.RevocationsSince(0); err != nil {
		return nil, fmt.Errorf("revocations: %w", err)
	}
	if sr, ok := tx.(auth.SeqReader); ok {
		seq, err := sr.RevocationSeq()
		if err != nil {
			return nil, fmt.Errorf("revocation seq: %w", err)
		}
		s.RevocationSeq = max(s.RevocationSeq, seq)
	}
	for before := int64(0); ; {
		evs, err := tx.Audit(auth.AuditQuery{BeforeID: before, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		s.Audit = append(s.Audit, evs...)
		if len(evs) < page {
			break
		}
		before = evs[len(evs)-1].ID
	}
	slices.Reverse(s.Audit)
	return s, nil
}

// Counts are the rows of each aggregate.
type Counts struct {
	Users, Sessions, Clients, Keys, Secrets, Revocations, AuditEvents int
}

// Summary identifies the content of a [Snapshot]: two snapshots with
// equal summaries hold the same rows.
type Summary struct {
	Counts
	// RevocationSeq is [Snapshot.RevocationSeq]; LastAuditID the ID of
	// the newest audit event (0 if none).
	RevocationSeq, LastAuditID int64
	// Checksum is the SHA-256 of the canonical encoding of every row
	// (see [Snapshot.Summary]), in hex.
	Checksum string
}

// String formats s on one line per aggregate, for people.
func (s Summary) String() string {
	return fmt.Sprintf("users %d\nsessions %d\nclients %d\nkeys %d\nsecrets %d\nrevocations %d (seq %d)\naudit events %d (last id %d)\nsha256 %s\n",
		s.Users, s.Sessions, s.Clients, s.Keys, s.Secrets, s.Revocations, s.RevocationSeq, s.AuditEvents, s.LastAuditID, s.Checksum)
}

// diff describes how t differs from s.
func (s Summary) diff(t Summary) string {
	return fmt.Sprintf("source: %+v; target: %+v", s, t)
}

// Summary counts the rows of s and checksums them. The canonical encoding
// takes the aggregates in a fixed order, the rows of each sorted by their
// key (users, sessions and clients by ID, keys by KeyID, secrets by name,
// revocations by Seq, audit events by ID), and every field of a row in
// declaration order: strings and byte strings as a big-endian 64-bit
// length and the bytes, integers and booleans as big-endian 64-bit
// numbers, times as Unix nanoseconds (0 for the zero time), lists as a
// count and their strings. The order a store returns rows in, and the
// time zone it returns times in, therefore do not matter.
func (s *Snapshot) Summary() Summary {
	sum := Summary{
		Counts: Counts{
			Users: len(s.Users), Sessions: len(s.Sessions), Clients: len(s.Clients), Keys: len(s.Keys),
			Secrets: len(s.Secrets), Revocations: len(s.Revocations), AuditEvents: len(s.Audit),
		},
		RevocationSeq: s.RevocationSeq,
	}
	for _, ev := range s.Audit {
		sum.LastAuditID = max(sum.LastAuditID, ev.ID)
	}
	e := encoder{h: sha256.New()}
	e.str("ward migrate checksum v1")

	e.section("users", len(s.Users))
	for _, u := range sorted(s.Users, func(u *auth.User) string { return u.ID }) {
		e.str(u.ID, u.Email, u.PasswordHash)
		e.list(u.Roles)
		e.boolean(u.Disabled)
		e.time(u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt)
	}
	e.section("sessions", len(s.Sessions))
	for _, x := range sorted(s.Sessions, func(x *auth.Session) string { return x.ID }) {
		e.str(x.ID, x.UserID, x.ClientID)
		e.num(int64(x.Counter))
		e.time(x.RotatedAt, x.CreatedAt, x.LastUsedAt, x.ExpiresAt, x.EndedAt)
		e.str(x.EndReason, x.IP, x.UserAgent)
	}
	e.section("clients", len(s.Clients))
	for _, c := range sorted(s.Clients, func(c *auth.Client) string { return c.ID }) {
		e.str(c.ID, c.Name)
		e.bytes(c.SecretHash)
		e.list(c.Scopes)
		e.boolean(c.Disabled)
		e.time(c.CreatedAt, c.UpdatedAt)
		e.boolean(c.Introspect, c.IntrospectEmail, c.Feed)
		e.bytes(c.PreviousSecretHash)
		e.time(c.PreviousSecretUntil)
	}
	e.section("keys", len(s.Keys))
	for _, k := range sorted(s.Keys, func(k *auth.KeyRecord) string { return k.KeyID }) {
		e.str(k.KeyID, k.Algorithm, k.State)
		e.bytes(k.Private, k.Public)
		e.time(k.CreatedAt, k.ActivateAt, k.ActivatedAt, k.RetiredAt, k.RevokedAt)
		e.bytes(k.MAC)
	}
	e.section("secrets", len(s.Secrets))
	for _, x := range sorted(s.Secrets, func(x Secret) string { return x.Name }) {
		e.str(x.Name)
		e.bytes(x.Sealed)
	}
	e.section("revocations", len(s.Revocations))
	e.num(s.RevocationSeq)
	for _, r := range slices.SortedFunc(slices.Values(s.Revocations), func(a, b auth.Revocation) int { return cmp.Compare(a.Seq, b.Seq) }) {
		e.num(r.Seq)
		e.str(r.Kind, r.Subject)
		e.time(r.NotBefore, r.Expires, r.CreatedAt)
	}
	e.section("audit", len(s.Audit))
	for _, ev := range slices.SortedFunc(slices.Values(s.Audit), func(a, b auth.AuditEvent) int { return cmp.Compare(a.ID, b.ID) }) {
		e.num(ev.ID)
		e.time(ev.Time)
		e.str(ev.Type, ev.Outcome, ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID)
	}
	sum.Checksum = hex.EncodeToString(e.h.Sum(nil))
	return sum
}

// sorted returns a copy of rows sorted by key.
func sorted[T any](rows []T, key func(T) string) []T {
	return slices.SortedFunc(slices.Values(rows), func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}

// encoder writes the canonical encoding of [Snapshot.Summary] to h.
type encoder struct {
	h   hash.Hash
	buf [8]byte
}

func (e *encoder) num(ns ...int64) {
	for _, n := range ns {
		binary.BigEndian.PutUint64(e.buf[:], uint64(n))
		e.h.Write(e.buf[:])
	}
}

func (e *encoder) bytes(bs ...[]byte) {
	for _, b := range bs {
		e.num(int64(len(b)))
		e.h.Write(b)
	}
}

func (e *encoder) str(ss ...string) {
	for _, s := range ss {
		e.num(int64(len(s)))
		e.h.Write([]byte(s))
	}
}

func (e *encoder) list(ss []string) {
	e.num(int64(len(ss)))
	e.str(ss...)
}

func (e *encoder) boolean(bs ...bool) {
	for _, b := range bs {
		var n int64
		if b {
			n = 1
		}
		e.num(n)
	}
}

func (e *encoder) time(ts ...time.Time) {
	for _, t := range ts {
		var n int64
		if !t.IsZero() {
			n = t.UnixNano()
		}
		e.num(n)
	}
}

func (e *encoder) section(name string, n int) {
	e.str(name)
	e.num(int64(n))
}
