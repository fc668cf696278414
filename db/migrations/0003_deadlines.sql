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
-- The handling unit's district and province, for supervisors' scopes (set with unit_code).
ALTER TABLE complaints ADD COLUMN unit_district TEXT;
ALTER TABLE complaints ADD COLUMN unit_province TEXT;

CREATE INDEX complaints_open_by_province ON complaints (unit_province, status, created_at)
    WHERE status IN ('submitted', 'acknowledged');
CREATE INDEX complaints_open_by_district ON complaints (unit_district, status, created_at)
    WHERE status IN ('submitted', 'acknowledged');
CREATE INDEX complaints_open_by_unit ON complaints (unit_code, status, created_at)
    WHERE status IN ('submitted', 'acknowledged');
CREATE INDEX complaints_open ON complaints (status, created_at) WHERE status IN ('submitted', 'acknowledged');
-- Covering indexes for the figures of the last 7 and 30 days, in any scope, medians included.
CREATE INDEX complaints_acknowledged ON complaints (acknowledged_at, unit_province, unit_district, unit_code, created_at)
    WHERE acknowledged_at IS NOT NULL;
CREATE INDEX complaints_closed ON complaints (closed_at, status, unit_province, unit_district, unit_code, created_at)
    WHERE closed_at IS NOT NULL;
CREATE INDEX complaints_created ON complaints (created_at, unit_province, unit_district, unit_code);
CREATE INDEX complaint_events_by_action ON complaint_events (action, at);

-- Files the bot sends (charts, exports), kept until sent: outbox rows are JSON and refer to them.
CREATE TABLE uploads (
    id         INTEGER PRIMARY KEY,
    filename   TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at REAL NOT NULL
);
