-- Auth codes of create_auth / reset_permanent_code (and the install redirect) awaiting their
-- exchange for a permanent code. A code is valid 10 minutes and single use: it is written here
-- (sealed) before it is exchanged, so a crash between the callback's ack and the exchange does
-- not lose the authorisation. `code_hash` (keyed fingerprint) makes a repeated code idempotent.
CREATE TABLE pending_auth_codes (
    suite_id        TEXT    NOT NULL,
    code_hash       TEXT    NOT NULL,
    auth_code       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    install_state   TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'expired')),
    corp_id         TEXT,
    attempts        BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    last_error      TEXT,
    expires_at      BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (suite_id, code_hash)
);
CREATE INDEX pending_auth_codes_due ON pending_auth_codes (status, next_attempt_at);
