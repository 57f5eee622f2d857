-- Version 2: every revocation row gets a change sequence number, seq, so
-- that a replica loads only the rows added or changed since its last sync
-- (auth.ReadTx.RevocationsSince). AddRevocation replaces a row it changes,
-- which gives the row a new seq. AUTOINCREMENT: a seq is never reused, even
-- after Cleanup deletes the newest rows, so a replica's high-water mark
-- never hides a later row.

CREATE TABLE revocations_v2 (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT NOT NULL,
	subject    TEXT NOT NULL,
	not_before INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (kind, subject)
) STRICT;
INSERT INTO revocations_v2 (kind, subject, not_before, expires, created_at)
	SELECT kind, subject, not_before, expires, created_at FROM revocations ORDER BY created_at, kind, subject;
DROP TABLE revocations;
ALTER TABLE revocations_v2 RENAME TO revocations;
CREATE INDEX revocations_expires ON revocations(expires);
