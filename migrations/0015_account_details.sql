-- An order placed while signed in belongs to that account too, whatever address it was
-- placed under (the checkout attempt carries the account until the order is written).
ALTER TABLE orders ADD COLUMN account_email TEXT COLLATE NOCASE;
CREATE INDEX orders_account ON orders(account_email) WHERE account_email IS NOT NULL;
ALTER TABLE checkout_attempts ADD COLUMN account_email TEXT;

-- Delivery addresses an account keeps for checkout ("Save this address" ticked while
-- signed in), at most storefront_domain::account::MAX_SAVED_ADDRESSES, the least
-- recently used forgotten first. `same` is storefront_domain::account::address_key.
CREATE TABLE saved_addresses (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL COLLATE NOCASE,
    same        TEXT NOT NULL,
    name        TEXT NOT NULL,
    line1       TEXT NOT NULL,
    line2       TEXT NOT NULL,
    city        TEXT NOT NULL,
    postcode    TEXT NOT NULL,
    country     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    used_at     INTEGER NOT NULL,
    UNIQUE (email, same)
);

-- An account's region (storefront_domain::location::REGIONS) and its size in each
-- category that has sizes.
CREATE TABLE account_regions (
    email       TEXT PRIMARY KEY COLLATE NOCASE,
    region      TEXT NOT NULL
);
CREATE TABLE account_sizes (
    email       TEXT NOT NULL COLLATE NOCASE,
    category    TEXT NOT NULL,
    size        TEXT NOT NULL,
    PRIMARY KEY (email, category)
);
