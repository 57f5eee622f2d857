-- Version 5 (the admin API): audit events name the administrator who
-- acted (actor_id, '' for users' own requests and the CLI), and the
-- audit log is filtered by actor and by outcome, newest first, paged by
-- id.

ALTER TABLE audit_events ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_actor ON audit_events(actor_id, id);
CREATE INDEX audit_outcome ON audit_events(outcome, id);
