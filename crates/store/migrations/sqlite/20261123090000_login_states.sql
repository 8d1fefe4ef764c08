-- Browser logins in progress. `/login` stores one row and sends its `state` to the platform;
-- the platform's redirect back must present that state AND the browser's `wxgate_login` cookie,
-- whose keyed fingerprint is `browser` (the cookie value itself is never stored). A row is used
-- once (`used_at`) and only before `expires_at`; old rows are pruned as new logins start.
CREATE TABLE login_states (
    state      TEXT    PRIMARY KEY,
    browser    TEXT    NOT NULL,
    flow       TEXT    NOT NULL,
    app        TEXT    NOT NULL,
    return_to  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT
);
CREATE INDEX login_states_expires ON login_states (expires_at);
