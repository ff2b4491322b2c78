-- Headers a message carries beyond From/To/Subject, one "Name: value" a line: marketing
-- mail and price alerts carry List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
ALTER TABLE mail_outbox ADD COLUMN headers TEXT NOT NULL DEFAULT '';

-- "Tell me if it goes on sale": counts once the address's owner opened the confirm link
-- (confirm_hash is the SHA-256 of its token, cleared when used; unconfirmed ones are
-- deleted like back-in-stock sign-ups). saved_minor is the price when saved (the monthly
-- mail's "lower than when you saved it"), told_minor the lowest price the watcher has
-- been mailed about (a drop alerts only below it), in_stock_then whether it was in stock
-- when last looked at for them (the monthly mail's "back in stock").
CREATE TABLE price_watches (
    id             INTEGER PRIMARY KEY,
    product_id     INTEGER NOT NULL REFERENCES products(id),
    email          TEXT NOT NULL COLLATE NOCASE,
    consent_text   TEXT NOT NULL,
    saved_minor    INTEGER NOT NULL,
    told_minor     INTEGER NOT NULL,
    in_stock_then  INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    confirm_hash   TEXT UNIQUE,
    confirmed_at   INTEGER,
    UNIQUE (product_id, email)
);
CREATE INDEX price_watches_email ON price_watches(email COLLATE NOCASE);

-- The one-click stop link in each price alert (the SHA-256 of its token): any of them
-- stops the watch.
CREATE TABLE price_watch_stops (
    token_hash  TEXT PRIMARY KEY,
    watch_id    INTEGER NOT NULL REFERENCES price_watches(id) ON DELETE CASCADE
);

-- Every price change (the admin API): a lower price schedules the `price_drop` job for
-- the change, which mails the product's watchers once.
CREATE TABLE price_changes (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    old_minor   INTEGER NOT NULL,
    new_minor   INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL
);

-- The monthly offers mail. A run is due at due_at (the `offers_run` job) and goes through
-- the confirmed subscribers in batches, in order of address (cursor: the last address
-- done), each batch one transaction with its mails. Finishing one plans the next,
-- storefront_domain::offers::every_days later.
CREATE TABLE offer_runs (
    id           INTEGER PRIMARY KEY,
    due_at       INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    subscribers  INTEGER NOT NULL DEFAULT 0,   -- counted when the run starts
    seen         INTEGER NOT NULL DEFAULT 0,
    sent         INTEGER NOT NULL DEFAULT 0,
    cursor       TEXT NOT NULL DEFAULT ''
);

-- The run reads subscribers in order of their address, a batch at a time.
CREATE INDEX marketing_consents_standing ON marketing_consents(lower(email))
    WHERE confirmed_at IS NOT NULL AND withdrawn_at IS NULL;

-- One row per offers mail sent: the frequency cap reads run_at (its run's start, so runs
-- every_days apart are never refused for a batch that ran a few minutes later), and its
-- one-click unsubscribe link carries the token whose SHA-256 is here.
CREATE TABLE offer_mails (
    run_id            INTEGER NOT NULL REFERENCES offer_runs(id),
    email             TEXT NOT NULL COLLATE NOCASE,
    run_at            INTEGER NOT NULL,
    unsubscribe_hash  TEXT NOT NULL UNIQUE,
    PRIMARY KEY (run_id, email)
);
CREATE INDEX offer_mails_email ON offer_mails(email COLLATE NOCASE, run_at);
