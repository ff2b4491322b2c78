-- Stock on its way to a centre, backorders on order lines, "tell me when it's back"
-- sign-ups, and the outbox every mail goes through.

-- Expected deliveries into a centre. `variants.restock_on` keeps the earliest date of
-- these for the pages; receiving stock consumes them, earliest first.
CREATE TABLE incoming (
    id           INTEGER PRIMARY KEY,
    variant_id   INTEGER NOT NULL REFERENCES variants(id),
    centre_id    INTEGER NOT NULL REFERENCES centres(id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    expected_on  TEXT NOT NULL            -- ISO 8601
);
CREATE INDEX incoming_variant ON incoming(variant_id, expected_on);

-- Units of a line the shopper agreed to wait for; allocated first come, first served
-- when stock is received.
ALTER TABLE order_lines ADD COLUMN backordered INTEGER NOT NULL DEFAULT 0 CHECK (backordered >= 0);
CREATE INDEX order_lines_waiting ON order_lines(variant_id, id) WHERE backordered > 0;

-- One mail, once, when a variant is back. Rows are deleted when that mail is queued.
CREATE TABLE stock_alerts (
    id            INTEGER PRIMARY KEY,
    variant_id    INTEGER NOT NULL REFERENCES variants(id),
    email         TEXT NOT NULL,
    consent_text  TEXT NOT NULL,          -- the words the shopper ticked
    created_at    INTEGER NOT NULL,       -- unix seconds
    UNIQUE (variant_id, email)
);

-- Written in the same transaction as whatever caused the mail, so none is lost;
-- delivered (SMTP or files in the data directory) afterwards.
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX mail_outbox_unsent ON mail_outbox(id) WHERE sent_at IS NULL;

-- Databases seeded before this migration: what they expect back arrives at the first centre.
INSERT INTO incoming (variant_id, centre_id, quantity, expected_on)
SELECT v.id, (SELECT MIN(id) FROM centres), 12, v.restock_on
FROM variants v WHERE v.restock_on IS NOT NULL AND EXISTS (SELECT 1 FROM centres);
