-- The account system: one local user behind many platform identities.
--
-- A person is keyed by openid per WeChat app, unionid per open platform, userid per WeCom corp and
-- open_userid per suite/provider. Each of these is an `identities` row (kind, scope, subject),
-- unique, pointing at exactly one live user; the UNIQUE constraint makes concurrent first logins
-- safe. A merge moves every identity and role of one user to another and keeps the merged user
-- (status 'merged', merged_into) so old references still resolve.
CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    status        TEXT    NOT NULL CHECK (status IN ('active', 'disabled', 'merged')),
    merged_into   TEXT    REFERENCES users (id),
    name          TEXT,
    picture       TEXT,
    email         TEXT,
    phone_number  TEXT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    last_login_at BIGINT
);
CREATE INDEX users_created_at ON users (created_at);
CREATE INDEX users_phone ON users (phone_number);
CREATE INDEX users_email ON users (email);

-- kind: wechat_openid (scope = app_id), wechat_unionid (scope = open platform),
-- wecom_user (scope = corp_id), wecom_open_user (scope = suite_id or provider corp_id).
-- profile: the normalised profile the platform last gave (JSON).
CREATE TABLE identities (
    id            TEXT    PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES users (id),
    kind          TEXT    NOT NULL,
    scope         TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    profile       TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    last_login_at BIGINT,
    UNIQUE (kind, scope, subject)
);
CREATE INDEX identities_user ON identities (user_id);

-- Manual roles (derived roles, e.g. from WeCom departments, are computed, not stored here).
CREATE TABLE user_roles (
    user_id    TEXT    NOT NULL REFERENCES users (id),
    role       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Browser sessions; id = keyed fingerprint of the cookie's token (the token itself is never stored).
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    method       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    revoked_at   BIGINT,
    client_ip    TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
