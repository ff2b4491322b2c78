-- "Tell me when it's back" with a confirm link: a sign-up counts only once the address's
-- owner opened the link mailed to it (confirm_hash is the SHA-256 of the link's token,
-- cleared when used). Unconfirmed sign-ups are deleted after 7 days. Sign-ups made before
-- confirmation existed stand as they were.
ALTER TABLE stock_alerts ADD COLUMN confirm_hash TEXT;
ALTER TABLE stock_alerts ADD COLUMN confirmed_at INTEGER;
UPDATE stock_alerts SET confirmed_at = created_at;
CREATE UNIQUE INDEX stock_alerts_confirm ON stock_alerts(confirm_hash) WHERE confirm_hash IS NOT NULL;
CREATE INDEX stock_alerts_unconfirmed ON stock_alerts(created_at) WHERE confirmed_at IS NULL;
