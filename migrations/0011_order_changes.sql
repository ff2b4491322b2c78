-- Changes to an order before it ships, each once (by the form's attempt key), with who
-- made it and what it did, for the shopper's status page and the agent console.
CREATE TABLE order_changes (
    id        INTEGER PRIMARY KEY,
    order_id  INTEGER NOT NULL REFERENCES orders(id),
    attempt   TEXT NOT NULL UNIQUE,
    at        INTEGER NOT NULL,
    by_whom   TEXT NOT NULL DEFAULT '',   -- '' the shopper; otherwise the agent's name
    summary   TEXT NOT NULL,              -- one phrase per difference, joined by '; '
    money     TEXT NOT NULL               -- what it did on the card, as the shopper read it
);
CREATE INDEX order_changes_order ON order_changes(order_id, id);
