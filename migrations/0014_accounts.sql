-- Accounts without passwords: a sign-in link is mailed to the address (its token stored
-- only as its SHA-256, used once, within storefront_domain::account::LINK_MINUTES), and
-- opening it starts a session kept in a __Host- cookie (stored as the SHA-256 of its key).
-- An account is its verified email address: its orders are the orders placed under it.
CREATE TABLE sign_in_links (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL COLLATE NOCASE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX sign_in_links_created ON sign_in_links(created_at);

CREATE TABLE account_sessions (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL COLLATE NOCASE,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX orders_email ON orders(email COLLATE NOCASE);

-- Withdrawing a consent keeps the record of it (what was agreed, when, and when it ended).
ALTER TABLE marketing_consents ADD COLUMN withdrawn_at INTEGER;
CREATE INDEX marketing_consents_email ON marketing_consents(email COLLATE NOCASE);
CREATE INDEX stock_alerts_email ON stock_alerts(email COLLATE NOCASE);

-- "Send me offers" ticked at checkout counts only once the link mailed to the address is
-- opened (confirm_hash: the SHA-256 of its token, cleared when used). Consents given
-- before this stand as they were; one given from a signed-in account is confirmed at once.
ALTER TABLE marketing_consents ADD COLUMN confirm_hash TEXT;
ALTER TABLE marketing_consents ADD COLUMN confirmed_at INTEGER;
UPDATE marketing_consents SET confirmed_at = given_at;
CREATE UNIQUE INDEX marketing_consents_confirm ON marketing_consents(confirm_hash) WHERE confirm_hash IS NOT NULL;

-- Addresses whose owner has opened a link the shop mailed to them (signing in, confirming
-- offers or a back-in-stock sign-up), and when first: what the agent console calls
-- verified. An address typed into a form is not proof; one proved before this table
-- existed counts from its next link.
CREATE TABLE verified_emails (
    email     TEXT PRIMARY KEY COLLATE NOCASE,
    first_at  INTEGER NOT NULL
);
