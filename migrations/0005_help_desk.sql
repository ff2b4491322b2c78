-- Help: chat conversations and their messages, call-back requests, agent sessions.

-- One conversation per shopper at a time. The shopper is known only by a random key in
-- a cookie; the table keeps its SHA-256, never the key itself.
CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    shopper_hash    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    -- Started while no agent was online: replies also go to this address by mail.
    reply_email     TEXT,
    -- What the shopper has in front of them, as last reported by their browser.
    page            TEXT NOT NULL DEFAULT '',
    context         TEXT NOT NULL DEFAULT '{}',   -- JSON: cart lines and orders
    shopper_read    INTEGER NOT NULL DEFAULT 0,   -- last message id the shopper has seen
    agent_read      INTEGER NOT NULL DEFAULT 0,   -- last message id an agent has seen
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    closed_by       TEXT
);
CREATE INDEX conversations_shopper ON conversations(shopper_hash, status);
CREATE INDEX conversations_status ON conversations(status, updated_at);

CREATE TABLE chat_messages (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    author           TEXT NOT NULL CHECK (author IN ('shopper', 'agent')),
    agent            TEXT,                        -- the agent's name for agent messages
    body             TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX chat_messages_conversation ON chat_messages(conversation_id, id);

CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY,
    reference       TEXT NOT NULL UNIQUE,
    shopper_hash    TEXT NOT NULL,
    name            TEXT NOT NULL,
    phone           TEXT NOT NULL,                -- +447700900123
    day             TEXT NOT NULL,                -- ISO 8601
    window          TEXT NOT NULL,                -- morning | afternoon | evening
    slot_label      TEXT NOT NULL,                -- "Mon 23 Nov, 5pm to 8pm"
    topic           TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    page            TEXT NOT NULL DEFAULT '',
    context         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'done')),
    done_by         TEXT,
    done_at         INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX callbacks_status ON callbacks(status, day);

-- Signed-in agents: the SHA-256 of the session cookie, never the cookie itself.
CREATE TABLE agent_sessions (
    token_hash  TEXT PRIMARY KEY,
    agent       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
