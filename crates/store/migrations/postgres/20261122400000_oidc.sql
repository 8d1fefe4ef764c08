-- wxgate as an OpenID Connect provider.
--
-- Signing keys: one active key per algorithm signs; a rotated key stops signing (retired_at) but
-- stays in the JWKS until expires_at, when every token it signed has expired. The private key is
-- sealed (SecretBox), the public JWK is plain JSON.
CREATE TABLE oidc_signing_keys (
    kid          TEXT    PRIMARY KEY,
    alg          TEXT    NOT NULL CHECK (alg IN ('RS256', 'ES256')),
    private_key  TEXT    NOT NULL,
    public_jwk   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    retired_at   BIGINT,
    expires_at   BIGINT
);
CREATE INDEX oidc_signing_keys_alg ON oidc_signing_keys (alg, created_at);

-- Relying parties added through the admin API (those of the configuration file are not stored).
-- secret_hash: keyed fingerprint of the client secret (NULL: a public client). URI, scope and app
-- lists are JSON arrays.
CREATE TABLE oidc_clients (
    client_id                 TEXT    PRIMARY KEY,
    secret_hash               TEXT,
    name                      TEXT,
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL,
    scopes                    TEXT    NOT NULL,
    signing_alg               TEXT    NOT NULL,
    token_exchange_apps       TEXT    NOT NULL,
    created_at                BIGINT  NOT NULL,
    updated_at                BIGINT  NOT NULL
);

-- A grant: one authorization of a client by a user (an authorization code, or a mini-program token
-- exchange). Refresh tokens and access tokens belong to a grant; revoking it revokes them all.
-- session_id: the browser session it came from (RP-initiated logout revokes its grants).
CREATE TABLE oidc_grants (
    id              TEXT    PRIMARY KEY,
    client_id       TEXT    NOT NULL,
    user_id         TEXT    NOT NULL REFERENCES users (id),
    scope           TEXT    NOT NULL,
    session_id      TEXT,
    method          TEXT    NOT NULL,
    auth_time       BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    revoked_at      BIGINT,
    revoked_reason  TEXT
);
CREATE INDEX oidc_grants_user ON oidc_grants (user_id);
CREATE INDEX oidc_grants_session ON oidc_grants (session_id);

-- Authorization codes, stored as keyed fingerprints. Single use: used_at is set when the code is
-- redeemed, in the same transaction that creates its grant (grant_id is chosen up front), so a
-- second redemption finds the grant to revoke (RFC 6749 §4.1.2).
CREATE TABLE oidc_codes (
    code_hash       TEXT    PRIMARY KEY,
    grant_id        TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    user_id         TEXT    NOT NULL REFERENCES users (id),
    session_id      TEXT,
    redirect_uri    TEXT    NOT NULL,
    scope           TEXT    NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT,
    method          TEXT    NOT NULL,
    auth_time       BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    used_at         BIGINT
);
CREATE INDEX oidc_codes_expires ON oidc_codes (expires_at);

-- Refresh tokens (keyed fingerprints). Each refresh marks the token used and issues its successor;
-- presenting a used token again revokes the whole grant (reuse detection).
CREATE TABLE oidc_refresh_tokens (
    token_hash  TEXT    PRIMARY KEY,
    grant_id    TEXT    NOT NULL REFERENCES oidc_grants (id),
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);
CREATE INDEX oidc_refresh_tokens_grant ON oidc_refresh_tokens (grant_id);

-- Access tokens revoked one by one (RFC 7009) before they expire; kept until expires_at.
CREATE TABLE oidc_revoked_access_tokens (
    jti         TEXT    PRIMARY KEY,
    expires_at  BIGINT  NOT NULL
);

-- Mini-program login sessions: the session_key jscode2session returned (sealed, never sent to
-- anyone), with the identity the login proved, kept to decrypt the mini program's open data (phone number, user info) later.
CREATE TABLE mini_sessions (
    app          TEXT    NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    kind         TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    session_key  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (app, user_id)
);
