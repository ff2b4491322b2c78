-- Who placed an order: '' the shopper on the website; otherwise the agent who took it on
-- the phone (the status page and the agent console say so).
ALTER TABLE orders ADD COLUMN placed_by TEXT NOT NULL DEFAULT '';
