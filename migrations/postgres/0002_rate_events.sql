-- The rate limits' windows when several shop processes share this database (PostgreSQL
-- only: SQLite's one process counts them in memory). One row per counted event; rows
-- older than the longest window are deleted. UNLOGGED: a database crash forgets recent
-- counts, which only lets a few more events through.
CREATE UNLOGGED TABLE rate_events (
    key  TEXT NOT NULL,
    at   BIGINT NOT NULL
);
CREATE INDEX rate_events_key ON rate_events(key, at);
CREATE INDEX rate_events_at ON rate_events(at);
