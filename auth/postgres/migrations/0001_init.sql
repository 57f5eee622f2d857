-- Ward's PostgreSQL schema, version 1: the state of SQLite's schema
-- version 5 (auth/sqlite/migrations), in one step. Times are Unix
-- nanoseconds in a BIGINT (timestamptz keeps microseconds only); 0 means
-- "not set".

CREATE TABLE users (
	id                  TEXT PRIMARY KEY,
	email               TEXT NOT NULL,
	email_key           TEXT NOT NULL CONSTRAINT users_email_key_unique UNIQUE,
	password_hash       TEXT NOT NULL,
	roles               TEXT NOT NULL DEFAULT '',
	disabled            BOOLEAN NOT NULL DEFAULT FALSE,
	created_at          BIGINT NOT NULL,
	updated_at          BIGINT NOT NULL,
	password_changed_at BIGINT NOT NULL
);

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	client_id    TEXT NOT NULL,
	counter      BIGINT NOT NULL, -- a uint64, stored as its two's complement
	rotated_at   BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	ended_at     BIGINT NOT NULL DEFAULT 0,
	end_reason   TEXT NOT NULL DEFAULT '',
	ip           TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id, created_at);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX sessions_last_used ON sessions(last_used_at);

CREATE TABLE clients (
	id                TEXT PRIMARY KEY,
	name              TEXT NOT NULL,
	secret_hash       BYTEA NOT NULL,
	scopes            TEXT NOT NULL DEFAULT '',
	disabled          BOOLEAN NOT NULL DEFAULT FALSE,
	created_at        BIGINT NOT NULL,
	introspect        BOOLEAN NOT NULL DEFAULT FALSE,
	introspect_email  BOOLEAN NOT NULL DEFAULT FALSE,
	feed              BOOLEAN NOT NULL DEFAULT FALSE,
	prev_secret_hash  BYTEA NOT NULL DEFAULT '',
	prev_secret_until BIGINT NOT NULL DEFAULT 0,
	updated_at        BIGINT NOT NULL DEFAULT 0
);

-- seq orders keys created at the same instant by first insertion.
CREATE TABLE signing_keys (
	seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kid          TEXT NOT NULL UNIQUE,
	alg          TEXT NOT NULL,
	state        TEXT NOT NULL,
	private      BYTEA NOT NULL,
	public       BYTEA NOT NULL,
	created_at   BIGINT NOT NULL,
	activate_at  BIGINT NOT NULL DEFAULT 0,
	activated_at BIGINT NOT NULL DEFAULT 0,
	retired_at   BIGINT NOT NULL DEFAULT 0,
	revoked_at   BIGINT NOT NULL DEFAULT 0,
	mac          BYTEA NOT NULL DEFAULT ''
);

CREATE TABLE secrets (
	name   TEXT PRIMARY KEY,
	sealed BYTEA NOT NULL
);

-- store_locks holds one row per lock that the store takes with SELECT …
-- FOR UPDATE and holds to the end of a transaction: 'keyring'
-- (Tx.LockKeys) and 'revocations', whose value is the last change
-- sequence number given to a revocation (see revocations.go).
CREATE TABLE store_locks (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL DEFAULT 0
);
INSERT INTO store_locks (name) VALUES ('keyring'), ('revocations');

CREATE TABLE revocations (
	seq        BIGINT NOT NULL UNIQUE,
	kind       TEXT NOT NULL,
	subject    TEXT NOT NULL,
	not_before BIGINT NOT NULL,
	expires    BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (kind, subject)
);
CREATE INDEX revocations_expires ON revocations(expires);

CREATE TABLE audit_events (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time       BIGINT NOT NULL,
	type       TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	user_id    TEXT NOT NULL DEFAULT '',
	session_id TEXT NOT NULL DEFAULT '',
	client_id  TEXT NOT NULL DEFAULT '',
	ip         TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT '',
	actor_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_user ON audit_events(user_id, id);
CREATE INDEX audit_type ON audit_events(type, id);
CREATE INDEX audit_time ON audit_events(time);
CREATE INDEX audit_actor ON audit_events(actor_id, id);
CREATE INDEX audit_outcome ON audit_events(outcome, id);
