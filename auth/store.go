package auth

import (
	"context"
	"time"

	kr "github.com/wardauth/ward/auth/keyring"
)

// Store is the durable state of the service: users, sessions, clients,
// signing keys, secrets, revocations and the audit log. Implementations
// are auth/sqlite and (later) PostgreSQL; every one must pass the suite in
// auth/storetest.
//
// Every read-modify-write goes through [Store.Update], so that a change,
// the revocations it implies and its audit events commit together or not
// at all, and are durable (on disk, synced) when Update returns nil.
type Store interface {
	// Update runs fn in a read-write transaction and commits it if fn
	// returns nil; if fn returns an error, the transaction is rolled back
	// and Update returns that error unchanged. Writes are serialized with
	// every other writer of the same rows: SQLite takes the write lock up
	// front (BEGIN IMMEDIATE); PostgreSQL locks rows with SELECT … FOR
	// UPDATE ([Tx.LockSession], [Tx.LockKeys]). fn may be run more than
	// once if the store retries a serialization failure, so it must have
	// no effect outside tx. The Tx must not be used after fn returns, and
	// fn must not call Update itself (stores may run writers on one
	// goroutine). Once fn has been handed the Tx, Update waits for the
	// outcome even if ctx ends, so that it never reports failure for
	// writes that were committed.
	Update(ctx context.Context, fn func(tx Tx) error) error

	// View runs fn in a read-only transaction that sees one consistent
	// snapshot.
	View(ctx context.Context, fn func(tx ReadTx) error) error

	// Close releases the store. Calls after Close fail.
	Close() error
}

// ReadTx reads the store within a transaction. Every method uses the
// context given to [Store.Update] or [Store.View]. Lookups of a missing
// row return an [*Error] with [CodeNotFound].
type ReadTx interface {
	// User returns the user with the given ID.
	User(id string) (*User, error)
	// UserByEmail returns the user whose [EmailKey] equals EmailKey(email).
	UserByEmail(email string) (*User, error)
	// Users returns the users that q selects, ordered by ID.
	Users(q UserQuery) ([]*User, error)

	// Session returns the session with the given ID.
	Session(id string) (*Session, error)
	// Sessions returns the sessions of a user, ended ones included,
	// newest first.
	Sessions(userID string) ([]*Session, error)

	// Client returns the OAuth client with the given ID.
	Client(id string) (*Client, error)
	// Clients returns every client, ordered by ID.
	Clients() ([]*Client, error)

	// Keys returns every stored signing key, oldest first.
	Keys() ([]*KeyRecord, error)
	// Secret returns the sealed secret stored under name.
	Secret(name string) ([]byte, error)
	// SecretNames returns the names of every stored secret, sorted.
	SecretNames() ([]string, error)

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
	// Every [Tx.AddRevocation] that creates or changes a row gives it a
	// Seq greater than every Seq given before, even of rows deleted since
	// (a Seq is never reused), and rows become visible in Seq order: a
	// reader that has seen Seq n never later sees a new row with a Seq of
	// n or less. SQLite gets this by serializing writers; PostgreSQL must
	// also serialize the writers of revocations (a transaction-scoped lock
	// taken before the sequence is read), since a BIGSERIAL alone can
	// commit out of order.
	RevocationsSince(seq int64) ([]Revocation, int64, error)

	// Audit returns the events that q selects, newest first.
	Audit(q AuditQuery) ([]AuditEvent, error)
}

// Tx reads and writes the store within a transaction from [Store.Update].
type Tx interface {
	ReadTx

	// LockSession returns the session with the given ID and holds it
	// locked until the transaction ends, so that concurrent refreshes of
	// one session are serialized ([CodeNotFound] if there is none).
	LockSession(id string) (*Session, error)
	// LockUser returns the user with the given ID and holds it locked
	// until the transaction ends, for read-modify-write of the user row
	// ([CodeNotFound] if there is none).
	LockUser(id string) (*User, error)
	// LockKeys locks the keyring until the transaction ends, so that two
	// instances never rotate at once.
	LockKeys() error

	// CreateUser inserts u; [CodeEmailTaken] if its email key is taken,
	// [CodeConflict] if its ID is.
	CreateUser(u *User) error
	// UpdateUser writes every field of u over the row with its ID
	// ([CodeNotFound] if none; [CodeEmailTaken] if the email collides).
	UpdateUser(u *User) error
	// DeleteUser deletes a user and their sessions ([CodeNotFound]).
	DeleteUser(id string) error

	// CreateSession inserts s ([CodeConflict] if the ID exists;
	// [CodeNotFound] if its user does not).
	CreateSession(s *Session) error
	// UpdateSession writes every field of s over the row with its ID
	// ([CodeNotFound] if none).
	UpdateSession(s *Session) error

	// CreateClient inserts c ([CodeConflict] if the ID exists).
	CreateClient(c *Client) error
	// LockClient returns the client with the given ID and holds it locked
	// until the transaction ends, for read-modify-write of the client row
	// ([CodeNotFound] if there is none).
	LockClient(id string) (*Client, error)
	// UpdateClient writes every field of c over the row with its ID
	// ([CodeNotFound] if none).
	UpdateClient(c *Client) error
	// DeleteClient deletes the client id ([CodeNotFound] if none).
	DeleteClient(id string) error

	// PutKey inserts k or replaces the key with its KeyID.
	PutKey(k *KeyRecord) error
	// DeleteKey deletes the key kid ([CodeNotFound]).
	DeleteKey(kid string) error
	// PutSecret stores a sealed secret under name, replacing any.
	PutSecret(name string, sealed []byte) error

	// AddRevocation stores r (its Seq is ignored). If a revocation of the
	// same kind and subject exists, the later NotBefore and the later
	// Expires are kept; the row gets a new Seq if either changed, and
	// keeps its Seq otherwise.
	AddRevocation(r Revocation) error

	// AppendAudit appends ev, assigning its ID.
	AppendAudit(ev *AuditEvent) error

	// Cleanup deletes what p says has expired and reports how many rows
	// went.
	Cleanup(p CleanupPolicy) (CleanupStats, error)
}

// CleanupPolicy says what [Tx.Cleanup] deletes.
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

// CleanupStats counts what [Tx.Cleanup] deleted.
type CleanupStats struct {
	Revocations, Sessions, AuditEvents int64
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
