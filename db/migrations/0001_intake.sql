-- Citizens, drafts, complaints, and the durable inbox/outbox around Telegram.
-- Portable SQL: times are REAL seconds since the Unix epoch (UTC); ids are 64-bit integers
-- (Telegram ids need up to 52 bits).

CREATE TABLE users (
    user_id      INTEGER PRIMARY KEY,          -- Telegram user id
    lang         TEXT,                         -- 'km' or 'en'; NULL until the citizen chooses
    first_name   TEXT,                         -- kept for the ministry's reveal rights, never shown to posts
    username     TEXT,
    awaiting     TEXT,                         -- free text expected next outside a draft, e.g. 'tracking_number'
    draft_seq    INTEGER NOT NULL DEFAULT 0,   -- number of the citizen's latest draft
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL
);

-- At most one draft per citizen; it is the whole intake state, stored from the first answer.
CREATE TABLE drafts (
    user_id      INTEGER PRIMARY KEY REFERENCES users (user_id),
    seq          INTEGER NOT NULL,             -- buttons carry it, so a button of an older draft is stale
    data         TEXT NOT NULL,                -- JSON of bot.domain.intake.Draft
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL
);

CREATE TABLE complaints (
    id             INTEGER PRIMARY KEY,
    tracking_no    TEXT NOT NULL UNIQUE,
    citizen_id     INTEGER NOT NULL REFERENCES users (user_id),
    draft_seq      INTEGER NOT NULL,
    category       TEXT NOT NULL,
    province_code  TEXT NOT NULL,
    district_code  TEXT NOT NULL,
    commune_code   TEXT NOT NULL,
    gazetteer_year INTEGER NOT NULL,
    latitude       REAL,
    longitude      REAL,
    description    TEXT NOT NULL,              -- exactly as typed
    contact_mode   TEXT NOT NULL,              -- shared | typed | anonymous
    phone          TEXT,                       -- E.164, only if the citizen chose to give it
    lang           TEXT NOT NULL,              -- the citizen's language when filing
    status         TEXT NOT NULL,
    created_at     REAL NOT NULL,
    updated_at     REAL NOT NULL,
    -- a redelivered Submit can never file the same draft twice
    UNIQUE (citizen_id, draft_seq)
);
CREATE INDEX complaints_by_citizen ON complaints (citizen_id, created_at);

CREATE TABLE complaint_evidence (
    complaint_id   INTEGER NOT NULL REFERENCES complaints (id),
    position       INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    file_id        TEXT NOT NULL,
    file_unique_id TEXT NOT NULL,
    message_id     INTEGER NOT NULL,           -- in the citizen's chat
    caption        TEXT,
    file_name      TEXT,
    PRIMARY KEY (complaint_id, position)
);

-- Append-only history of each complaint: the audit log and the timeline shown to everyone.
CREATE TABLE complaint_events (
    id            INTEGER PRIMARY KEY,
    complaint_id  INTEGER NOT NULL REFERENCES complaints (id),
    at            REAL NOT NULL,
    actor_kind    TEXT NOT NULL,               -- citizen | officer | supervisor | system
    actor_id      INTEGER,
    actor_role    TEXT,
    unit_code     TEXT,
    action        TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT,
    detail        TEXT                         -- JSON
);
CREATE INDEX complaint_events_by_complaint ON complaint_events (complaint_id, id);

-- Every update Telegram delivers is stored here before the next getUpdates confirms it.
CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY,          -- arrival order (update ids may jump after a quiet week)
    update_id    INTEGER NOT NULL UNIQUE,
    chat_key     TEXT NOT NULL,                -- updates with the same key are handled in order
    payload      TEXT NOT NULL,                -- the update's JSON
    received_at  REAL NOT NULL,
    processed_at REAL
);
CREATE INDEX inbox_pending ON inbox (seq) WHERE processed_at IS NULL;
CREATE INDEX inbox_processed ON inbox (processed_at) WHERE processed_at IS NOT NULL;

-- Every message the bot sends passes through here, written in the same transaction as the change
-- that caused it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    method          TEXT NOT NULL,             -- Bot API method, e.g. sendMessage
    payload         TEXT NOT NULL,             -- JSON parameters (chat_id is added when sending)
    priority        TEXT NOT NULL,             -- reply (answer to the chat's own message) | notify
    state           TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at      REAL NOT NULL,
    sent_at         REAL,
    last_error      TEXT,
    message_id      INTEGER,                   -- what Telegram returned, for later edits and threads
    complaint_id    INTEGER REFERENCES complaints (id)
);
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
