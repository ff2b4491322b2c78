-- Mail that never jams: every message is tried on its own, with its own count of tries,
-- the time of its next try, the last error, and a parked state for staff to see.
ALTER TABLE mail_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mail_outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mail_outbox ADD COLUMN last_error TEXT;
ALTER TABLE mail_outbox ADD COLUMN parked_at INTEGER;

DROP INDEX mail_outbox_unsent;
-- What a delivery run reads: unsent, not parked, due.
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at, id) WHERE sent_at IS NULL AND parked_at IS NULL;
CREATE INDEX mail_outbox_parked ON mail_outbox(parked_at) WHERE parked_at IS NOT NULL AND sent_at IS NULL;
