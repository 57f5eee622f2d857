package auth

import (
	"context"
	"time"

	kr "github.com/wardauth/ward/auth/keyring"
)

// Store is the durable state of the service: users, sessions, clients,
// signing keys, secrets, revocations and the audit log. Implementations
// are auth/sqlite (one file) and auth/postgres (several instances); every
// one must pass the suite in auth/storetest.
//
// Every read-modify-write goes through [Store.Update], so that a change,
// the revocations it implies and its audit events commit together or not
// at all, and are durable (on disk, synced) when Update returns nil.
type Store interface {
	// Update runs fn in a read-write transaction and commits it if fn
	// returns nil; if fn returns an error, the transaction is rolled back
	// and Update returns that error unchanged. Writers of the same rows are
	// serialized by the Lock methods of [Tx] ([SessionWriter.LockSession],
	// [UserWriter.LockUser], [ClientWriter.LockClient],
	// [KeyWriter.LockKeys]) and by [RevocationWriter.AddRevocation]; each
	// store says how it implements them. fn may be run more than once if
	// the store retries a serialization failure or a deadlock, so it must
	// have no effect outside tx. The Tx must not be used after fn returns,
	// and fn must not call Update itself (stores may run writers on one
	// goroutine). Once fn has been handed the Tx, Update waits for the
	// outcome even if ctx ends, so that it never reports failure for
	// writes that were committed. A store that cannot reach its database
	// returns an error with [CodeUnavailable].
	Update(ctx context.Context, fn func(tx Tx) error) error

	// View runs fn in a read-only transaction that sees one consistent
	// snapshot.
	View(ctx context.Context, fn func(tx ReadTx) error) error

	// Close releases the store. Calls after Close fail.
	Close() error
}

// SessionRotator is an optional [Store] capability: the common case of a
// refresh (the current token of a live session) as one compare-and-swap
// on the session's counter, in one statement of its own transaction
// (PostgreSQL: one round trip instead of two, one statement instead of
// six). [Service.Refresh] tries it first and, when it reports no swap,
// takes the general path, which locks the session and tells the grace
// window, a reuse, an ended or expired session and a disabled user apart.
type SessionRotator interface {
	// RotateSession swaps, if the session r.ID has the counter r.Expect,
	// has not ended, expires after r.Now, was last used after
	// r.IdleBefore (zero: no idle rule) and belongs to a user who exists
	// and is not disabled: it sets the counter to r.Expect+1 and RotatedAt
	// and LastUsedAt to r.Now, appends *r.Event after setting its
	// UserID, SessionID and ClientID to the session's (and its ID to the
	// event's, as [AuditWriter.AppendAudit] does), and returns the session
	// and its user as written, with ok true, once all of it is durable.
	// Otherwise it changes nothing and returns ok false. A refresh of the
	// same session that holds the row waits for its commit, and the
	// counter it wrote decides.
	RotateSession(ctx context.Context, r SessionRotation) (sess *Session, user *User, ok bool, err error)
}

// SessionRotation is what [SessionRotator.RotateSession] swaps.
type SessionRotation struct {
	ID         string
	Expect     uint64
	Now        time.Time
	IdleBefore time.Time
	Event      *AuditEvent // its ID, UserID, SessionID and ClientID are set by the store
}

// ReadTx reads the store within a transaction: the read parts of every
// aggregate. Every method uses the context given to [Store.Update] or
// [Store.View]. Lookups of a missing row return an [*Error] with
// [CodeNotFound].
type ReadTx interface {
	UserReader
	SessionReader
	ClientReader
	KeyReader
	RevocationReader
	AuditReader
}

// Tx reads and writes the store within a transaction from [Store.Update]:
// the read and write parts of every aggregate.
type Tx interface {
	ReadTx
	UserWriter
	SessionWriter
	ClientWriter
	KeyWriter
	RevocationWriter
	AuditWriter
}

// UserReader reads users.
type UserReader interface {
	// User returns the user with the given ID.
	User(id string) (*User, error)
	// UserByEmail returns the user whose [EmailKey] equals EmailKey(email).
	UserByEmail(email string) (*User, error)
	// Users returns the users that q selects, ordered by ID.
	Users(q UserQuery) ([]*User, error)
}

// UserWriter writes users.
type UserWriter interface {
	// LockUser returns the user with the given ID and holds the row
	// locked against every other LockUser and write of it until the
	// transaction ends, for read-modify-write of the user row
	// ([CodeNotFound] if there is none).
	LockUser(id string) (*User, error)
	// CreateUser inserts u; [CodeEmailTaken] if its email key is taken,
	// [CodeConflict] if its ID is.
	CreateUser(u *User) error
	// UpdateUser writes every field of u over the row with its ID
	// ([CodeNotFound] if none; [CodeEmailTaken] if the email collides).
	UpdateUser(u *User) error
	// DeleteUser deletes a user and their sessions ([CodeNotFound]).
	DeleteUser(id string) error
}

// SessionReader reads sessions.
type SessionReader interface {
	// Session returns the session with the given ID.
	Session(id string) (*Session, error)
	// Sessions returns the sessions of a user, ended ones included,
	// newest first (by CreatedAt, then ID).
	Sessions(userID string) ([]*Session, error)
}

// SessionWriter writes sessions.
type SessionWriter interface {
	// LockSession returns the session with the given ID and holds it
	// locked until the transaction ends, so that concurrent refreshes of
	// one session are serialized: a second LockSession of the same ID
	// waits until the first transaction has ended and then returns the
	// row as that transaction left it ([CodeNotFound] if there is none).
	LockSession(id string) (*Session, error)
	// CreateSession inserts s ([CodeConflict] if the ID exists;
	// [CodeNotFound] if its user does not).
	CreateSession(s *Session) error
	// UpdateSession writes the mutable fields of s (Counter, RotatedAt,
	// LastUsedAt, ExpiresAt, EndedAt, EndReason) over the row with its ID
	// ([CodeNotFound] if none).
	UpdateSession(s *Session) error
	// DeleteExpiredSessions deletes the sessions whose ExpiresAt is before
	// now and, if idleBefore is not zero, the ended ones whose EndedAt is
	// before idleBefore and every one last used before idleBefore. It
	// reports how many went.
	DeleteExpiredSessions(now, idleBefore time.Time) (int64, error)
}

// ClientReader reads OAuth clients.
type ClientReader interface {
	// Client returns the OAuth client with the given ID.
	Client(id string) (*Client, error)
	// Clients returns every client, ordered by ID.
	Clients() ([]*Client, error)
}

// ClientWriter writes OAuth clients.
type ClientWriter interface {
	// LockClient returns the client with the given ID and holds it locked
	// until the transaction ends, for read-modify-write of the client row
	// ([CodeNotFound] if there is none).
	LockClient(id string) (*Client, error)
	// CreateClient inserts c ([CodeConflict] if the ID exists).
	CreateClient(c *Client) error
	// UpdateClient writes every field of c over the row with its ID
	// ([CodeNotFound] if none).
	UpdateClient(c *Client) error
	// DeleteClient deletes the client id ([CodeNotFound] if none).
	DeleteClient(id string) error
}

// KeyReader reads the keyring's records: signing keys and sealed secrets.
// It is what package keyring reads ([kr.ReadTx]).
type KeyReader interface {
	// Keys returns every stored signing key, oldest first (by CreatedAt,
	// then insertion).
	Keys() ([]*KeyRecord, error)
	// Secret returns the sealed secret stored under name.
	Secret(name string) ([]byte, error)
	// SecretNames returns the names of every stored secret, sorted.
	SecretNames() ([]string, error)
}

// KeyWriter writes signing keys and sealed secrets.
type KeyWriter interface {
	// LockKeys locks the keyring until the transaction ends: a second
	// LockKeys waits until the first transaction has ended, and then
	// reads what it wrote. Two instances therefore never rotate at once.
	LockKeys() error
	// PutKey inserts k or replaces the key with its KeyID.
	PutKey(k *KeyRecord) error
	// DeleteKey deletes the key kid ([CodeNotFound]).
	DeleteKey(kid string) error
	// PutSecret stores a sealed secret under name, replacing any.
	PutSecret(name string, sealed []byte) error
}

// RevocationReader reads revocations.
type RevocationReader interface {
	// Revocations returns the revocations that have not expired at now,
	// in Seq order.
	Revocations(now time.Time) ([]Revocation, error)
	// RevocationsSince returns the revocations added or changed after the
	// change sequence number seq (0: every one), expired ones included,
	// in increasing Seq order, each at most once, and the largest Seq
	// among them (seq itself if there are none). A replica that keeps the
	// returned number and passes it to the next call sees every change
	// exactly once ([Revocations.Sync]).
	//
	// Every [RevocationWriter.AddRevocation] that creates or changes a row
	// gives it a Seq greater than every Seq given before, even of rows
	// deleted since (a Seq is never reused), and rows become visible in
	// Seq order: a reader that has seen Seq n never later sees a new row
	// with a Seq of n or less. SQLite gets this by serializing writers;
	// auth/postgres serializes the writers of revocations, from the
	// moment they take a Seq to their commit, by taking it from a counter
	// row that stays locked until the transaction ends, since a BIGSERIAL
	// alone can commit out of order (see its revocations.go).
	RevocationsSince(seq int64) ([]Revocation, int64, error)
}

// RevocationWriter writes revocations.
type RevocationWriter interface {
	// AddRevocation stores r (its Seq is ignored). If a revocation of the
	// same kind and subject exists, the later NotBefore and the later
	// Expires are kept; the row gets a new Seq if either changed, and
	// keeps its Seq otherwise. It may hold a lock on the revocation
	// sequence until the transaction ends, so a transaction should add
	// its revocations last, after it has taken its other locks.
	AddRevocation(r Revocation) error
	// DeleteExpiredRevocations deletes the revocations whose Expires is
	// before now and reports how many went.
	DeleteExpiredRevocations(now time.Time) (int64, error)
}

// AuditReader reads the audit log.
type AuditReader interface {
	// Audit returns the events that q selects, newest first (by ID).
	Audit(q AuditQuery) ([]AuditEvent, error)
}

// AuditWriter appends to the audit log.
type AuditWriter interface {
	// AppendAudit appends ev, assigning its ID: greater than the ID of
	// every event appended by a transaction that committed before this
	// one began. The ID is set at the latest when the transaction
	// commits (before [Store.Update] returns), so that a store may send
	// the write with its COMMIT.
	AppendAudit(ev *AuditEvent) error
	// DeleteAuditBefore deletes the audit events whose Time is before t
	// and reports how many went.
	DeleteAuditBefore(t time.Time) (int64, error)
}

// CleanupPolicy says what [CleanupPolicy.Run] deletes.
type CleanupPolicy struct {
	// Now: revocations whose Expires is before Now, and sessions whose
	// ExpiresAt is before Now, go.
	Now time.Time
	// SessionsBefore: ended sessions with EndedAt before it, and live
	// sessions last used before it, go. Zero: none by this rule.
	SessionsBefore time.Time
	// AuditBefore: audit events older than it go. Zero: none.
	AuditBefore time.Time
}

// CleanupStats counts what [CleanupPolicy.Run] deleted.
type CleanupStats struct {
	Revocations, Sessions, AuditEvents int64
}

// Run deletes in tx what p says has expired, aggregate by aggregate, and
// reports how many rows went.
func (p CleanupPolicy) Run(tx Tx) (CleanupStats, error) {
	var (
		st  CleanupStats
		err error
	)
	if st.Revocations, err = tx.DeleteExpiredRevocations(p.Now); err != nil {
		return st, err
	}
	if st.Sessions, err = tx.DeleteExpiredSessions(p.Now, p.SessionsBefore); err != nil {
		return st, err
	}
	if !p.AuditBefore.IsZero() {
		if st.AuditEvents, err = tx.DeleteAuditBefore(p.AuditBefore); err != nil {
			return st, err
		}
	}
	return st, nil
}

// Key states, in the order a key goes through them (see package
// auth/keyring).
const (
	KeyNext    = kr.Next    // published in the JWKS, not yet signing
	KeyActive  = kr.Active  // signs new tokens; exactly one
	KeyRetired = kr.Retired // published, verifies tokens in flight, signs nothing
	KeyRevoked = kr.Revoked // compromised: not published, its tokens refused
)

// KeyRefused is the state [Service.ListKeys] gives a stored record that is
// not authenticated under the key-encryption key (inserted or edited in
// the database by hand): it is neither published nor trusted, whatever
// its stored state says. It is never stored.
const KeyRefused = kr.Refused

// KeyRecord is a signing key as stored: see
// [github.com/wardauth/ward/auth/keyring.Record]. Its private
// half is sealed under the key-encryption key, and a MAC under a key
// derived from it covers every other field.
type KeyRecord = kr.Record
