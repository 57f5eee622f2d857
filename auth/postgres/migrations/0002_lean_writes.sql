-- Fewer index writes on the two writes every refresh makes (the session's
-- update and its audit event), measured with scripts/load.sh: see
-- docs/server-benchmarks.md.

-- A refresh updates counter, rotated_at and last_used_at. With none of them
-- indexed, PostgreSQL updates the row in place on its page (a HOT update)
-- and touches no index; an index on last_used_at made every refresh insert
-- into all four of the table's indexes. Only the idle clean-up read it, and
-- that query's OR with ended_at (not indexed) scans the table anyway. The
-- fillfactor leaves room on each page for the new row versions.
DROP INDEX sessions_last_used;
ALTER TABLE sessions SET (fillfactor = 80);

-- The audit log is append-only and its time follows its id, which is what
-- a BRIN index is for: a few bytes per range of pages instead of a B-tree
-- entry per row. It serves the time filters and the retention clean-up.
DROP INDEX audit_time;
CREATE INDEX audit_time ON audit_events USING brin (time);

-- Most events have no actor (only admin actions do) and succeed: index only
-- the rows these filters look for. Queries add the matching condition
-- (actor_id <> '', outcome <> 'success') so the planner can use them.
DROP INDEX audit_actor;
CREATE INDEX audit_actor ON audit_events (actor_id, id) WHERE actor_id <> '';
DROP INDEX audit_outcome;
CREATE INDEX audit_failures ON audit_events (id) WHERE outcome <> 'success';
