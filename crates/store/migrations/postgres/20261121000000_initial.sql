-- wxgate store, initial schema (PostgreSQL). Timestamps: unix milliseconds. JSON: TEXT.
-- Columns named `*sealed*` in comments hold SecretBox values (`v1:` + base64).

-- Accepted callback events; UNIQUE(app, dedup_key) is the dedup window (= retention).
CREATE TABLE events (
    seq         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    app         TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    dedup_key   TEXT    NOT NULL,
    received_at BIGINT  NOT NULL,
    data        TEXT    NOT NULL,
    raw         TEXT    NOT NULL,
    UNIQUE (app, dedup_key)
);
CREATE INDEX events_received_at ON events (received_at);

-- The outbox: one row per (event, webhook).
CREATE TABLE deliveries (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_seq       BIGINT  NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    webhook         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    claimed_by      TEXT,
    claimed_until   BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    delivered_at    BIGINT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_event ON deliveries (event_seq);
CREATE INDEX deliveries_webhook ON deliveries (webhook, status);
CREATE INDEX deliveries_claim ON deliveries (claimed_by);

-- Upstream tokens and tickets; value sealed, value_hash = keyed fingerprint for compare-and-delete.
CREATE TABLE tokens (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    value_hash TEXT    NOT NULL,
    expires_at BIGINT  NOT NULL,
    fetched_at BIGINT  NOT NULL,
    version    BIGINT  NOT NULL
);

-- Cross-instance leases (used on PostgreSQL; SQLite locks in-process).
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at BIGINT  NOT NULL
);

-- WeCom suite tickets (ticket sealed), newest per suite.
CREATE TABLE suite_tickets (
    suite_id    TEXT    PRIMARY KEY,
    ticket      TEXT    NOT NULL,
    received_at BIGINT  NOT NULL
);

-- Corps that authorised a suite (permanent_code sealed, NULL once revoked).
CREATE TABLE auth_corps (
    suite_id       TEXT    NOT NULL,
    corp_id        TEXT    NOT NULL,
    permanent_code TEXT,
    corp_name      TEXT    NOT NULL,
    agent_id       BIGINT,
    auth_info      TEXT    NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('active', 'revoked')),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    PRIMARY KEY (suite_id, corp_id)
);

-- Apps added at runtime or seeded from the config file (secrets: one sealed JSON object).
CREATE TABLE apps (
    name       TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    config     TEXT    NOT NULL,
    secrets    TEXT    NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('file', 'api')),
    updated_at BIGINT  NOT NULL
);

-- A counter bumped by every change to `apps`, so instances can refresh cheaply.
CREATE TABLE apps_version (
    id      BIGINT  PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO apps_version (id, version) VALUES (1, 0);
