-- Exchanges: a returned unit swapped for another size or colour of the same product,
-- reserved (taken from a centre's stock) when the return starts and sent, at no charge,
-- once the returns desk has accepted the return.
CREATE TABLE return_exchanges (
    return_id      INTEGER NOT NULL REFERENCES returns(id),
    order_line_id  INTEGER NOT NULL REFERENCES order_lines(id),   -- the line sent back
    variant_id     INTEGER NOT NULL REFERENCES variants(id),      -- what goes out instead
    centre_id      INTEGER NOT NULL REFERENCES centres(id),       -- where it is reserved
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    shipment_id    INTEGER REFERENCES shipments(id)               -- once it is on its way
);
CREATE INDEX return_exchanges_return ON return_exchanges(return_id);

-- A line added to an order by an exchange names the line it replaces.
ALTER TABLE order_lines ADD COLUMN exchange_for INTEGER REFERENCES order_lines(id);
