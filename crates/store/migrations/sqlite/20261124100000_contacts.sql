-- WeCom contacts: the directory of each corp as one credential sees it (a self-built corp's
-- contacts secret, or a suite's authorised corp), kept in step by full syncs and change_contact
-- callbacks. Every table is keyed by `directory` (the directory's name). Booleans are 0/1
-- integers and JSON is TEXT so rows decode identically on both backends. Members and departments
-- are never deleted: whoever left is `active = 0` with `left_at` / `removed_at`, so identities
-- linked to them keep resolving.

-- One row per directory; `unavailable_fields` lists what the credential cannot read (a full sync
-- keeps stored values of those fields instead of blanking them).
CREATE TABLE contact_directories (
    name               TEXT    PRIMARY KEY,
    corp_id            TEXT    NOT NULL,
    suite_id           TEXT,
    unavailable_fields TEXT    NOT NULL DEFAULT '[]',
    last_full_sync_at  BIGINT,
    last_job_id        TEXT,
    updated_at         BIGINT  NOT NULL
);
CREATE INDEX contact_directories_corp ON contact_directories (corp_id);

-- leaders: JSON array of userids (department/get's department_leader).
CREATE TABLE contact_departments (
    directory  TEXT    NOT NULL,
    dept_id    BIGINT  NOT NULL,
    parent_id  BIGINT  NOT NULL,
    name       TEXT,
    name_en    TEXT,
    sort_order BIGINT  NOT NULL DEFAULT 0,
    leaders    TEXT    NOT NULL DEFAULT '[]',
    active     BIGINT  NOT NULL DEFAULT 1,
    removed_at BIGINT,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (directory, dept_id)
);
CREATE INDEX contact_departments_parent ON contact_departments (directory, parent_id);

-- status: the platform's (1 active, 2 disabled, 4 not activated, 5 quit); extra: other fields (JSON).
CREATE TABLE contact_members (
    directory       TEXT    NOT NULL,
    userid          TEXT    NOT NULL,
    open_userid     TEXT,
    name            TEXT,
    alias           TEXT,
    mobile          TEXT,
    email           TEXT,
    biz_mail        TEXT,
    avatar          TEXT,
    gender          TEXT,
    position        TEXT,
    status          BIGINT,
    main_department BIGINT,
    extra           TEXT    NOT NULL DEFAULT '{}',
    active          BIGINT  NOT NULL DEFAULT 1,
    left_at         BIGINT,
    updated_at      BIGINT  NOT NULL,
    PRIMARY KEY (directory, userid)
);
CREATE INDEX contact_members_open_userid ON contact_members (directory, open_userid);
CREATE INDEX contact_members_mobile ON contact_members (directory, mobile);
CREATE INDEX contact_members_email ON contact_members (directory, email);
CREATE INDEX contact_members_biz_mail ON contact_members (directory, biz_mail);

CREATE TABLE contact_member_departments (
    directory  TEXT    NOT NULL,
    userid     TEXT    NOT NULL,
    dept_id    BIGINT  NOT NULL,
    is_leader  BIGINT  NOT NULL DEFAULT 0,
    sort_order BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (directory, userid, dept_id)
);
CREATE INDEX contact_member_departments_dept ON contact_member_departments (directory, dept_id);

CREATE TABLE contact_tags (
    directory TEXT    NOT NULL,
    tag_id    BIGINT  NOT NULL,
    name      TEXT,
    PRIMARY KEY (directory, tag_id)
);

-- One row per tagged member (dept_id = 0) or tagged department (userid = '').
CREATE TABLE contact_tag_members (
    directory TEXT    NOT NULL,
    tag_id    BIGINT  NOT NULL,
    userid    TEXT    NOT NULL DEFAULT '',
    dept_id   BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (directory, tag_id, userid, dept_id)
);
CREATE INDEX contact_tag_members_user ON contact_tag_members (directory, userid);

-- Full syncs as jobs; at most one running per directory (the partial unique index).
-- counts, checkpoint, diff: JSON. owner: the instance running it; heartbeat_at tells a stale job.
CREATE TABLE contact_sync_jobs (
    id           TEXT    PRIMARY KEY,
    directory    TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
    phase        TEXT    NOT NULL,
    counts       TEXT    NOT NULL DEFAULT '{}',
    checkpoint   TEXT    NOT NULL DEFAULT '{}',
    diff         TEXT,
    error        TEXT,
    owner        TEXT,
    heartbeat_at BIGINT  NOT NULL,
    started_at   BIGINT  NOT NULL,
    finished_at  BIGINT
);
CREATE UNIQUE INDEX contact_sync_jobs_running ON contact_sync_jobs (directory) WHERE state = 'running';
CREATE INDEX contact_sync_jobs_directory ON contact_sync_jobs (directory, started_at);

-- What a running full sync fetched so far (survives a crash; deleted when the job finishes).
CREATE TABLE contact_sync_staging (
    job_id TEXT    NOT NULL,
    kind   TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    data   TEXT    NOT NULL,
    PRIMARY KEY (job_id, kind, key)
);

-- Every accepted change_contact in arrival order; applied by the consumer when no full sync of
-- the directory is running (events during a full sync are applied after it, in order).
-- event_id: the stored callback event it came from (a redelivery enqueues nothing new).
CREATE TABLE contact_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    directory   TEXT    NOT NULL,
    received_at BIGINT  NOT NULL,
    change      TEXT    NOT NULL,
    event_id    TEXT,
    applied_at  BIGINT,
    error       TEXT
);
CREATE INDEX contact_changes_pending ON contact_changes (directory, applied_at, seq);
CREATE UNIQUE INDEX contact_changes_event ON contact_changes (event_id);
