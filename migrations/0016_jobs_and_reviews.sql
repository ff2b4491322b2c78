-- Work the shop does later (the follow-up after delivery, …): one row per job, kept
-- after it is done. A job is claimed and its effect written (the mail in the outbox, the
-- review link) in one transaction, so it happens once even if the process dies mid-run.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,            -- follow_up
    subject     INTEGER NOT NULL,         -- what it is about (follow_up: the order's id)
    run_at      INTEGER NOT NULL,         -- unix seconds, due from then
    done_at     INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs(run_at, id) WHERE done_at IS NULL;

-- The follow-up's private link to review what an order delivered (the SHA-256 of its
-- token only).
CREATE TABLE review_links (
    order_id    INTEGER PRIMARY KEY REFERENCES orders(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- Ratings and reviews. `order_id` is the order that delivered the product (NULL only for
-- the demo catalog's seeded reviews); one review per product per order, written again
-- in place. See storefront_domain::reviews for when each is shown.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    order_id    INTEGER REFERENCES orders(id),
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    title       TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,            -- pending | published | rejected
    reason      TEXT,                     -- why staff did not show it (the customer is told)
    written_at  INTEGER NOT NULL,
    decided_at  INTEGER,
    decided_by  TEXT,
    UNIQUE (order_id, product_id)
);
CREATE INDEX reviews_product ON reviews(product_id, status, written_at);
CREATE INDEX reviews_pending ON reviews(written_at) WHERE status = 'pending';

-- A product's average (tenths of a star) and count are kept from its shown reviews, in
-- the transaction that changes them. The generated ratings of earlier demo shops go.
ALTER TABLE products ADD COLUMN review_count INTEGER NOT NULL DEFAULT 0;
UPDATE products SET rating_tenths = 0;
