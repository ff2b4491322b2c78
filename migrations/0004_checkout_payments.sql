-- Checkout in steps: contact phone, delivery option, payment through a gateway, charges
-- now and later, repeat-safe order placement, and offers consent.

ALTER TABLE orders ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN delivery_option TEXT NOT NULL DEFAULT 'standard';
-- When what ships now arrives (ISO 8601); NULL when everything waits for stock.
ALTER TABLE orders ADD COLUMN arrives_on TEXT;
-- The card, as far as the shop may know it: brand, last four digits and the gateway's
-- token (for charging backordered items when they ship). Never the number.
ALTER TABLE orders ADD COLUMN card_brand TEXT;
ALTER TABLE orders ADD COLUMN card_last4 TEXT;
ALTER TABLE orders ADD COLUMN card_token TEXT;
-- Delivery not charged yet (nothing shipped at checkout): charged with the first later payment.
ALTER TABLE orders ADD COLUMN delivery_due_minor INTEGER NOT NULL DEFAULT 0;

-- Money asked of the card: the authorization at checkout (only what ships now), and one
-- per restock that lets waiting items ship ('due' until the gateway answers).
CREATE TABLE payments (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES orders(id),
    amount_minor   INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency       TEXT NOT NULL,
    purpose        TEXT NOT NULL,         -- checkout | backorder
    status         TEXT NOT NULL,         -- due | authorized | declined
    authorization  TEXT,                  -- the gateway's reference
    created_at     INTEGER NOT NULL,
    settled_at     INTEGER
);
CREATE INDEX payments_order ON payments(order_id);
CREATE INDEX payments_due ON payments(id) WHERE status = 'due';

-- One row per checkout attempt (the client's idempotency key): the request as first
-- seen, and the answer every repeat gets.
CREATE TABLE checkout_attempts (
    key            TEXT PRIMARY KEY,
    request        TEXT NOT NULL,         -- canonical JSON
    state          TEXT NOT NULL,         -- authenticating | placed | declined
    authorization  TEXT,
    answer         TEXT NOT NULL,         -- JSON
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- "Send me offers", only when ticked: the words shown and when.
CREATE TABLE marketing_consents (
    id        INTEGER PRIMARY KEY,
    email     TEXT NOT NULL,
    wording   TEXT NOT NULL,
    given_at  INTEGER NOT NULL,
    order_id  INTEGER REFERENCES orders(id)
);

-- The built-in test gateway's own records. A real provider keeps these on its side.
CREATE TABLE test_gateway_cards (
    token       TEXT PRIMARY KEY,
    brand       TEXT NOT NULL,
    last4       TEXT NOT NULL,
    behaviour   TEXT NOT NULL,            -- approve | decline | insufficient_funds | authentication_required
    created_at  INTEGER NOT NULL
);
CREATE TABLE test_gateway_authorizations (
    id            TEXT PRIMARY KEY,
    token         TEXT NOT NULL REFERENCES test_gateway_cards(token),
    amount_minor  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    reference     TEXT NOT NULL,
    status        TEXT NOT NULL,          -- authorized | declined | needs_authentication | voided
    created_at    INTEGER NOT NULL
);
