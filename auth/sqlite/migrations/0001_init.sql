-- Ward's SQLite schema, version 1. Times are Unix nanoseconds; 0 means
-- "not set".

CREATE TABLE users (
	id                  TEXT PRIMARY KEY,
	email               TEXT NOT NULL,
	email_key           TEXT NOT NULL UNIQUE,
	password_hash       TEXT NOT NULL,
	roles               TEXT NOT NULL DEFAULT '',
	disabled            INTEGER NOT NULL DEFAULT 0,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	password_changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	client_id    TEXT NOT NULL,
	counter      INTEGER NOT NULL,
	rotated_at   INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	ended_at     INTEGER NOT NULL DEFAULT 0,
	end_reason   TEXT NOT NULL DEFAULT '',
	ip           TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id, created_at);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE clients (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	secret_hash BLOB NOT NULL,
	scopes      TEXT NOT NULL DEFAULT '',
	disabled    INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE signing_keys (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	kid          TEXT NOT NULL UNIQUE,
	alg          TEXT NOT NULL,
	state        TEXT NOT NULL,
	private      BLOB NOT NULL,
	public       BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	activate_at  INTEGER NOT NULL DEFAULT 0,
	activated_at INTEGER NOT NULL DEFAULT 0,
	retired_at   INTEGER NOT NULL DEFAULT 0,
	revoked_at   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE secrets (
	name   TEXT PRIMARY KEY,
	sealed BLOB NOT NULL
) STRICT;

CREATE TABLE revocations (
	kind       TEXT NOT NULL,
	subject    TEXT NOT NULL,
	not_before INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (kind, subject)
) STRICT;
CREATE INDEX revocations_expires ON revocations(expires);

CREATE TABLE audit_events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	time       INTEGER NOT NULL,
	type       TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	user_id    TEXT NOT NULL DEFAULT '',
	session_id TEXT NOT NULL DEFAULT '',
	client_id  TEXT NOT NULL DEFAULT '',
	ip         TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_user ON audit_events(user_id, id);
CREATE INDEX audit_type ON audit_events(type, id);
CREATE INDEX audit_time ON audit_events(time);
