-- Fulfilment: shipments per centre, their timelines, capture when they ship, the
-- courier's reports, private order links kept as hashes, and staff roles.

-- An order's units from one centre form one shipment; units that waited for stock
-- become a later shipment when it arrives. `amount_minor` is what shipping it captures
-- from `payment_id`'s authorization (its goods, plus the delivery charge for the first).
CREATE TABLE shipments (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    centre_id     INTEGER NOT NULL REFERENCES centres(id),
    payment_id    INTEGER REFERENCES payments(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
    status        TEXT NOT NULL,          -- to_pack | packed | shipped | collected | in_transit | out_for_delivery | delivery_failed | delivered
    carrier       TEXT,
    tracking      TEXT,
    promised_on   TEXT,                   -- arrival promised when it shipped (ISO 8601)
    expected_on   TEXT,                   -- the latest estimate (the courier's, once it gives one)
    overdue_mailed_for TEXT,              -- the estimate whose passing the shopper was told of
    captured_at   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (carrier, tracking)
);
CREATE INDEX shipments_order ON shipments(order_id);
CREATE INDEX shipments_centre ON shipments(centre_id, status);

CREATE TABLE shipment_lines (
    shipment_id    INTEGER NOT NULL REFERENCES shipments(id),
    order_line_id  INTEGER NOT NULL REFERENCES order_lines(id),
    quantity       INTEGER NOT NULL CHECK (quantity > 0)
);
CREATE INDEX shipment_lines_shipment ON shipment_lines(shipment_id);

-- Each step on a shipment's timeline: staff's (packed, shipped) and the courier's.
CREATE TABLE shipment_events (
    id           INTEGER PRIMARY KEY,
    shipment_id  INTEGER NOT NULL REFERENCES shipments(id),
    status       TEXT NOT NULL,
    at           INTEGER NOT NULL,        -- unix seconds
    detail       TEXT NOT NULL DEFAULT '',
    by_whom      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX shipment_events_shipment ON shipment_events(shipment_id, id);

-- Courier webhook deliveries already taken, by the courier's event id: a replay is refused.
CREATE TABLE courier_deliveries (
    event_id     TEXT PRIMARY KEY,
    received_at  INTEGER NOT NULL
);

-- Money taken from an authorization so far.
ALTER TABLE payments ADD COLUMN captured_minor INTEGER NOT NULL DEFAULT 0;

-- The private links to an order: only the SHA-256 of each key is kept. The receipt's key
-- is the first; "Find my order" and the agent console add one each time they mail a link.
CREATE TABLE order_keys (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX order_keys_order ON order_keys(order_id);

-- Staff sessions say which role signed in: agent (customer service) or warehouse.
ALTER TABLE agent_sessions ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';

-- The test gateway's captures (a provider keeps these on its side).
CREATE TABLE test_gateway_captures (
    reference      TEXT PRIMARY KEY,      -- the shop's idempotency key
    authorization  TEXT NOT NULL,
    amount_minor   INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);

-- The test courier's parcels (a real courier keeps these on its side).
CREATE TABLE test_courier_parcels (
    tracking    TEXT PRIMARY KEY,
    carrier     TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    moved_at    INTEGER NOT NULL
);

-- Orders placed before shipments existed: one shipment per centre their units were
-- allocated from, to pack, on the checkout payment; the first carries the rest of it.
INSERT INTO shipments (order_id, centre_id, payment_id, amount_minor, status, created_at, updated_at)
SELECT l.order_id, a.centre_id,
       (SELECT MIN(p.id) FROM payments p WHERE p.order_id = l.order_id AND p.purpose = 'checkout'),
       SUM(a.quantity * l.unit_price_minor), 'to_pack', MIN(o.placed_at), MIN(o.placed_at)
FROM order_allocations a JOIN order_lines l ON l.id = a.order_line_id JOIN orders o ON o.id = l.order_id
WHERE o.status != 'cancelled'
GROUP BY l.order_id, a.centre_id;
INSERT INTO shipment_lines (shipment_id, order_line_id, quantity)
SELECT s.id, a.order_line_id, a.quantity
FROM order_allocations a JOIN order_lines l ON l.id = a.order_line_id
JOIN shipments s ON s.order_id = l.order_id AND s.centre_id = a.centre_id;
UPDATE shipments SET amount_minor = amount_minor + MAX(0,
       (SELECT p.amount_minor FROM payments p WHERE p.id = shipments.payment_id)
     - (SELECT SUM(s2.amount_minor) FROM shipments s2 WHERE s2.payment_id = shipments.payment_id))
WHERE id IN (SELECT MIN(id) FROM shipments GROUP BY payment_id) AND payment_id IS NOT NULL;
