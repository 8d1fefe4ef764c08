-- Every message sent through the admin API (WeCom app messages, group robots, WeChat template
-- and subscribe messages): who asked, what, to whom and what the platform answered. An optional
-- idempotency key, unique per app (or robot), makes a retried request answer with the first
-- result instead of sending twice; `request_hash` tells a retry from a different request that
-- reuses the key.
CREATE TABLE message_sends (
    id              TEXT    PRIMARY KEY,
    app             TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    msgtype         TEXT    NOT NULL,
    idempotency_key TEXT,
    request_hash    TEXT    NOT NULL,
    request         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'partially_sent', 'failed', 'recalled')),
    result          TEXT,
    error           TEXT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX message_sends_idempotency ON message_sends (app, idempotency_key);
CREATE INDEX message_sends_by_app ON message_sends (app, id);

-- Uploaded media by content: the same bytes uploaded again within the media's lifetime reuse
-- its media_id (temporary media live 3 days and are shared by every app of a corp, so `scope` is
-- the corp id); after `expires_at` the next upload of the same content goes to the platform
-- again. Permanent images (`uploadimg`) keep their URL in `media_id` and never expire.
CREATE TABLE media_cache (
    scope       TEXT    NOT NULL,
    media_type  TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    media_id    TEXT    NOT NULL,
    filename    TEXT    NOT NULL,
    size        BIGINT  NOT NULL,
    uploaded_by TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT,
    PRIMARY KEY (scope, media_type, sha256)
);
