-- Catalog, stock per distribution centre, and orders.
-- Plain SQL that SQLite and PostgreSQL both accept, apart from the id columns.

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    blurb       TEXT NOT NULL,
    position    INTEGER NOT NULL
);

CREATE TABLE products (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    category_id   INTEGER NOT NULL REFERENCES categories(id),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    details       TEXT NOT NULL,          -- one fact a line: material, fit, care
    price_minor   INTEGER NOT NULL CHECK (price_minor > 0),
    currency      TEXT NOT NULL,
    colour_hex    TEXT NOT NULL,          -- drives the generated product image
    popularity    INTEGER NOT NULL DEFAULT 0,
    created_on    TEXT NOT NULL
);
CREATE INDEX products_category ON products(category_id);

CREATE TABLE variants (
    id           INTEGER PRIMARY KEY,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    sku          TEXT NOT NULL UNIQUE,
    colour       TEXT,
    size         TEXT,
    position     INTEGER NOT NULL,
    restock_on   TEXT                     -- expected date when out of stock, ISO 8601
);
CREATE INDEX variants_product ON variants(product_id);

CREATE TABLE centres (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    latitude    REAL NOT NULL,
    longitude   REAL NOT NULL
);

CREATE TABLE stock (
    variant_id  INTEGER NOT NULL REFERENCES variants(id),
    centre_id   INTEGER NOT NULL REFERENCES centres(id),
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (variant_id, centre_id)
);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    access_key      TEXT NOT NULL,
    status          TEXT NOT NULL,
    email           TEXT NOT NULL,
    ship_name       TEXT NOT NULL,
    ship_line1      TEXT NOT NULL,
    ship_line2      TEXT NOT NULL,
    ship_city       TEXT NOT NULL,
    ship_postcode   TEXT NOT NULL,
    ship_country    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    subtotal_minor  INTEGER NOT NULL,
    delivery_minor  INTEGER NOT NULL,
    total_minor     INTEGER NOT NULL,
    placed_at       INTEGER NOT NULL      -- unix seconds
);

CREATE TABLE order_lines (
    id                INTEGER PRIMARY KEY,
    order_id          INTEGER NOT NULL REFERENCES orders(id),
    variant_id        INTEGER NOT NULL REFERENCES variants(id),
    product_name      TEXT NOT NULL,
    variant_label     TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor  INTEGER NOT NULL,
    line_total_minor  INTEGER NOT NULL
);
CREATE INDEX order_lines_order ON order_lines(order_id);

-- Which centre ships which units of a line.
CREATE TABLE order_allocations (
    order_line_id  INTEGER NOT NULL REFERENCES order_lines(id),
    centre_id      INTEGER NOT NULL REFERENCES centres(id),
    quantity       INTEGER NOT NULL CHECK (quantity > 0)
);

CREATE TABLE order_events (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders(id),
    status     TEXT NOT NULL,
    at         INTEGER NOT NULL           -- unix seconds
);
CREATE INDEX order_events_order ON order_events(order_id);
