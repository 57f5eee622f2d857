package migrate

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"time"

	"github.com/wardauth/ward/auth"
)

// Counts are the rows of each aggregate.
type Counts struct {
	Users, Sessions, Clients, Keys, Secrets, Revocations, AuditEvents int
}

// Summary identifies the content of a store, read in one snapshot: two
// stores with equal summaries hold the same rows.
type Summary struct {
	Counts
	// RevocationSeq is the largest Seq the store ever gave to a
	// revocation (from [auth.SeqReader], or the largest stored if
	// greater); LastAuditID the ID of the newest audit event (0 if none).
	RevocationSeq, LastAuditID int64
	// Checksum is the SHA-256 of the canonical encoding of every row, in
	// hex. The encoding takes the aggregates in a fixed order (users,
	// sessions, clients, keys, secrets, audit events, revocations), each
	// as its name, its rows sorted by their key (users, sessions and
	// clients by ID, keys by KeyID and secrets by name, in byte order;
	// audit events by ID, revocations by Seq) and then its count, and
	// every field of a row in declaration order: strings and byte strings
	// as a big-endian 64-bit length and the bytes, integers and booleans
	// as big-endian 64-bit numbers, times as Unix nanoseconds (0 for the
	// zero time), lists as a count and their strings; RevocationSeq
	// follows the revocations. The order a store returns rows in, and the
	// time zone it returns times in, therefore do not matter.
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

// summer computes a [Summary] from the rows given to it, one aggregate
// (a section) after another, in the order of [Summary.Checksum]. It holds
// no row: the rows of the large aggregates come in key order, and it
// refuses one that does not.
type summer struct {
	e   encoder
	sum Summary
	// n counts the rows of the current section; lastID and lastNum are
	// the key of its previous row.
	n       int
	lastID  string
	lastNum int64
}

func newSummer() *summer {
	s := &summer{e: encoder{h: sha256.New()}}
	s.e.str("ward migrate checksum v2")
	return s
}

// begin starts the section name.
func (s *summer) begin(name string) {
	s.e.str(name)
	s.n, s.lastID, s.lastNum = 0, "", 0
}

// end ends the current section and stores its count in *count.
func (s *summer) end(count *int) {
	s.e.num(int64(s.n))
	*count = s.n
}

// summary returns the summary of every section.
func (s *summer) summary() Summary {
	sum := s.sum
	sum.Checksum = hex.EncodeToString(s.e.h.Sum(nil))
	return sum
}

// byID checks that id comes after the previous row's.
func (s *summer) byID(what, id string) error {
	if s.n > 0 && id <= s.lastID {
		return fmt.Errorf("%s out of ID order: %q after %q", what, id, s.lastID)
	}
	s.n, s.lastID = s.n+1, id
	return nil
}

// byNum checks that n comes after the previous row's.
func (s *summer) byNum(what string, n int64) error {
	if s.n > 0 && n <= s.lastNum {
		return fmt.Errorf("%s out of order: %d after %d", what, n, s.lastNum)
	}
	s.n, s.lastNum = s.n+1, n
	return nil
}

func (s *summer) user(u *auth.User) error {
	if err := s.byID("users", u.ID); err != nil {
		return err
	}
	e := &s.e
	e.str(u.ID, u.Email, u.PasswordHash)
	e.list(u.Roles)
	e.boolean(u.Disabled)
	e.time(u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt)
	return nil
}

func (s *summer) session(x *auth.Session) error {
	if err := s.byID("sessions", x.ID); err != nil {
		return err
	}
	e := &s.e
	e.str(x.ID, x.UserID, x.ClientID)
	e.num(int64(x.Counter))
	e.time(x.RotatedAt, x.CreatedAt, x.LastUsedAt, x.ExpiresAt, x.EndedAt)
	e.str(x.EndReason, x.IP, x.UserAgent)
	return nil
}

func (s *summer) clients(cs []*auth.Client) {
	e := &s.e
	for _, c := range sorted(cs, func(c *auth.Client) string { return c.ID }) {
		e.str(c.ID, c.Name)
		e.bytes(c.SecretHash)
		e.list(c.Scopes)
		e.boolean(c.Disabled)
		e.time(c.CreatedAt, c.UpdatedAt)
		e.boolean(c.Introspect, c.IntrospectEmail, c.Feed)
		e.bytes(c.PreviousSecretHash)
		e.time(c.PreviousSecretUntil)
	}
	s.n = len(cs)
}

func (s *summer) keys(ks []*auth.KeyRecord) {
	e := &s.e
	for _, k := range sorted(ks, func(k *auth.KeyRecord) string { return k.KeyID }) {
		e.str(k.KeyID, k.Algorithm, k.State)
		e.bytes(k.Private, k.Public)
		e.time(k.CreatedAt, k.ActivateAt, k.ActivatedAt, k.RetiredAt, k.RevokedAt)
		e.bytes(k.MAC)
	}
	s.n = len(ks)
}

func (s *summer) secrets(ss []secret) {
	e := &s.e
	for _, x := range sorted(ss, func(x secret) string { return x.name }) {
		e.str(x.name)
		e.bytes(x.sealed)
	}
	s.n = len(ss)
}

func (s *summer) event(ev auth.AuditEvent) error {
	if err := s.byNum("audit events", ev.ID); err != nil {
		return err
	}
	s.sum.LastAuditID = ev.ID
	e := &s.e
	e.num(ev.ID)
	e.time(ev.Time)
	e.str(ev.Type, ev.Outcome, ev.UserID, ev.SessionID, ev.ClientID, ev.IP, ev.UserAgent, ev.Detail, ev.ActorID)
	return nil
}

func (s *summer) revocation(r auth.Revocation) error {
	if err := s.byNum("revocations", r.Seq); err != nil {
		return err
	}
	e := &s.e
	e.num(r.Seq)
	e.str(r.Kind, r.Subject)
	e.time(r.NotBefore, r.Expires, r.CreatedAt)
	return nil
}

// revocationSeq ends the revocations: the store's high-water mark seq,
// or the largest Seq among them if greater.
func (s *summer) revocationSeq(seq int64) {
	s.sum.RevocationSeq = max(seq, s.lastNum)
	s.e.num(s.sum.RevocationSeq)
}

// secret is a sealed secret as stored.
type secret struct {
	name   string
	sealed []byte
}

// sorted returns a copy of rows sorted by key.
func sorted[T any](rows []T, key func(T) string) []T {
	return slices.SortedFunc(slices.Values(rows), func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}

// encoder writes the canonical encoding of [Summary.Checksum] to h.
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
