-- Version 4: revocable credentials.
--
-- Clients get permissions (introspect, introspect_email, feed), all off:
-- clients made before this version can no longer introspect, since any
-- client could (make a new client with the permission and retire the old
-- one). A rotated secret leaves the previous one valid until
-- prev_secret_until (prev_secret_hash empty: none).
--
-- Signing keys get mac: an HMAC under a key derived from the
-- key-encryption key over every column of the row, so that a row written
-- to the database alone is refused when loaded. Rows from before this
-- version have an empty mac; the service authenticates them on its first
-- start with the key-encryption key (their private half opens under it and
-- matches their public half) and writes their mac.

ALTER TABLE clients ADD COLUMN introspect INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN introspect_email INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN feed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN prev_secret_hash BLOB NOT NULL DEFAULT x'';
ALTER TABLE clients ADD COLUMN prev_secret_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE signing_keys ADD COLUMN mac BLOB NOT NULL DEFAULT x'';
