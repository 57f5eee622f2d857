package auth

import "iter"

// SeqReader is the optional capability of a store's [ReadTx] (found by
// type assertion) to report the high-water marks of its sequences, which
// [RevocationReader.RevocationsSince] alone cannot tell once the newest
// rows have been deleted. The copy of one store into another (package
// auth/migrate) reads it so that the target never gives out a number that
// a replica of the source may already have passed. Most callers won't
// need it.
type SeqReader interface {
	// RevocationSeq returns the largest Seq ever given to a revocation,
	// including those of rows deleted since (0 if none was ever given).
	RevocationSeq() (int64, error)
}

// Exporter is the optional capability of a store's [ReadTx] (found by
// type assertion) to read every row of its large aggregates (users,
// sessions, revocations, audit events) one at a time, in one fixed
// order, without holding them all in memory: the read side of package
// auth/migrate, which streams a store of any size. Each method calls fn
// with every row in turn, stops at the first error fn returns and
// returns it; fn must not use the transaction. Most callers won't need
// it.
type Exporter interface {
	SeqReader
	// ExportUsers calls fn with every user, by ID in byte order.
	ExportUsers(fn func(*User) error) error
	// ExportSessions calls fn with every session, ended ones included,
	// by ID in byte order.
	ExportSessions(fn func(*Session) error) error
	// ExportRevocations calls fn with every revocation, expired ones
	// included, by Seq.
	ExportRevocations(fn func(Revocation) error) error
	// ExportAudit calls fn with every audit event, by ID, oldest first.
	ExportAudit(fn func(AuditEvent) error) error
}

// Importer is the optional capability of a store's [Tx] (found by type
// assertion) to load rows with the numbers they had in another store: the
// bulk-load path of package auth/migrate. Clients, keys and secrets need
// none: [ClientWriter.CreateClient], [KeyWriter.PutKey] and
// [KeyWriter.PutSecret] store every field as given. Users and sessions
// would not either, but they are many: ImportUsers and ImportSessions
// store them in bulk (on PostgreSQL, one COPY instead of a round trip a
// row). Each method takes the rows as a sequence that it reads once, to
// its end, holding a bounded number at a time, so a caller can stream
// them from another store; a producer that fails ends its sequence early
// and makes the transaction fail. Most callers won't need it.
type Importer interface {
	SeqReader
	// ImportUsers stores every user of us as [UserWriter.CreateUser]
	// would, in bulk. The store must hold no users ([CodeConflict]
	// otherwise).
	ImportUsers(us iter.Seq[*User]) error
	// ImportSessions stores every session of ss as
	// [SessionWriter.CreateSession] would, in bulk; their users must be
	// stored. The store must hold no sessions ([CodeConflict] otherwise).
	ImportSessions(ss iter.Seq[*Session]) error
	// ImportRevocations stores revs keeping each one's Seq (which must
	// be distinct and positive), and moves the revocation sequence to at
	// least seq and past every Seq in revs, so that the next
	// [RevocationWriter.AddRevocation] gives a greater Seq. A replica that
	// followed the source store by Seq then follows the target without
	// missing or repeating a row. The store must hold no revocations
	// ([CodeConflict] otherwise).
	ImportRevocations(revs iter.Seq[Revocation], seq int64) error
	// ImportAudit stores evs keeping each one's ID (which must be
	// distinct and positive), and moves the audit sequence past every one,
	// so that the next [AuditWriter.AppendAudit] gives a greater ID. The
	// store must hold no audit events ([CodeConflict] otherwise).
	ImportAudit(evs iter.Seq[AuditEvent]) error
}
