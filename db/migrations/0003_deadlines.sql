-- Deadlines and escalation, supervisors' figures.

-- Every deadline is a row: one sweep finds the due ones through the partial index and fires each
-- exactly once (UPDATE … WHERE fired_at IS NULL), also after downtime.
CREATE TABLE deadlines (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    kind         TEXT NOT NULL,           -- acknowledge | resolve
    stage        INTEGER NOT NULL,        -- 0: the unit's own time; n: the n-th level above it
    unit_code    TEXT NOT NULL,           -- whose time it is
    due_at       REAL NOT NULL,
    created_at   REAL NOT NULL,
    fired_at     REAL,
    cancelled_at REAL
);
CREATE INDEX deadlines_due ON deadlines (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX deadlines_by_complaint ON deadlines (complaint_id) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Recurring work (the daily summary), also as rows with a due time.
CREATE TABLE schedules (
    name    TEXT PRIMARY KEY,
    due_at  REAL NOT NULL
);

ALTER TABLE complaints ADD COLUMN resolve_due_at REAL;
ALTER TABLE complaints ADD COLUMN acknowledged_at REAL;
ALTER TABLE complaints ADD COLUMN closed_at REAL;          -- resolved or rejected
ALTER TABLE complaints ADD COLUMN escalated_to TEXT;        -- the highest level it was escalated to
-- The deadline the handling unit works against now (to acknowledge, or to resolve); NULL once
-- closed. Kept with the status, so overdue lists are read in deadline order from an index.
ALTER TABLE complaints ADD COLUMN due_at REAL;
-- The handling unit's district and province, for supervisors' scopes (set with unit_code).
ALTER TABLE complaints ADD COLUMN unit_district TEXT;
ALTER TABLE complaints ADD COLUMN unit_province TEXT;

-- Open complaints by scope, in deadline order (figures, queues, the overdue list).
CREATE INDEX complaints_open_by_province ON complaints (unit_province, due_at, status, unit_code)
    WHERE status IN ('submitted', 'acknowledged');
CREATE INDEX complaints_open_by_district ON complaints (unit_district, due_at, status, unit_code)
    WHERE status IN ('submitted', 'acknowledged');
CREATE INDEX complaints_open_by_unit ON complaints (unit_code, due_at, status)
    WHERE status IN ('submitted', 'acknowledged');
CREATE INDEX complaints_open ON complaints (due_at, status, unit_code) WHERE status IN ('submitted', 'acknowledged');
-- How many complaints each scope acknowledged (or resolved) each day, by how long it took: a few
-- hundred rows answer "in the last 7 and 30 days" and the median time for any scope, where the
-- complaints themselves would be tens of thousands of rows at the ministry's level. Written with
-- the status change (db/repositories/complaints.py set_status); durations in buckets 25% wide.
CREATE TABLE daily_figures (
    scope    TEXT NOT NULL,      -- a unit code, or KH for the whole country
    measure  TEXT NOT NULL,      -- acknowledged | resolved
    day      INTEGER NOT NULL,   -- days since 1970-01-01 in Phnom Penh time
    bucket   INTEGER NOT NULL,   -- floor(log(seconds / 60) / log(1.25)), 0 for under a minute
    count    INTEGER NOT NULL,
    PRIMARY KEY (scope, measure, day, bucket)
);
-- The same key with the count: /status reads only this index, not the table (4x faster nationally).
CREATE INDEX daily_figures_read ON daily_figures (scope, measure, day, bucket, count);
CREATE INDEX complaints_created ON complaints (created_at, unit_province, unit_district, unit_code);

-- Open complaints per scope and status, kept with every status or unit change (complaints.py):
-- the ministry's /status reads two rows instead of counting twenty thousand.
CREATE TABLE open_counts (
    scope   TEXT NOT NULL,           -- a unit code, or KH for the whole country
    status  TEXT NOT NULL,           -- submitted | acknowledged
    count   INTEGER NOT NULL,
    PRIMARY KEY (scope, status)
);
CREATE INDEX complaint_events_by_action ON complaint_events (action, at);

-- Files the bot sends (charts, exports), kept until sent: outbox rows are JSON and refer to them.
CREATE TABLE uploads (
    id         INTEGER PRIMARY KEY,
    filename   TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at REAL NOT NULL
);
