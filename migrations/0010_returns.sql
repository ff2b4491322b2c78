-- Returns: units of one delivered parcel sent back, the returns desk's steps, and the
-- money given back. The rules are storefront_domain::returns.

CREATE TABLE returns (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders(id),
    shipment_id      INTEGER NOT NULL REFERENCES shipments(id),
    reason           TEXT NOT NULL,             -- storefront_domain::returns::ReturnReason
    status           TEXT NOT NULL,             -- requested | received | refunded | refused
    requested_by     TEXT NOT NULL DEFAULT '',  -- '' the shopper; otherwise the agent's name
    attempt          TEXT NOT NULL UNIQUE,      -- the form's key: a repeated request is the same return
    refund_minor     INTEGER NOT NULL DEFAULT 0,
    refused_because  TEXT NOT NULL DEFAULT '',
    settled_by       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    received_at      INTEGER,
    settled_at       INTEGER
);
CREATE INDEX returns_order ON returns(order_id);
CREATE INDEX returns_status ON returns(status, id);

CREATE TABLE return_lines (
    return_id      INTEGER NOT NULL REFERENCES returns(id),
    order_line_id  INTEGER NOT NULL REFERENCES order_lines(id),
    quantity       INTEGER NOT NULL CHECK (quantity > 0)
);
CREATE INDEX return_lines_return ON return_lines(return_id);
CREATE INDEX return_lines_line ON return_lines(order_line_id);

-- Money given back from an authorization's captures so far.
ALTER TABLE payments ADD COLUMN refunded_minor INTEGER NOT NULL DEFAULT 0;
