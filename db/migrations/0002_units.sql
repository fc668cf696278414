-- Police units, their chats and people; routing and handling of complaints by the units.

CREATE TABLE units (
    code               TEXT PRIMARY KEY,         -- KH, PP, PPDD, PPDDCC
    level              TEXT NOT NULL,            -- ministry | province | district | post
    parent_code        TEXT REFERENCES units (code),
    name_km            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    phone              TEXT,
    chat_id            INTEGER,                  -- the unit's Telegram group (NULL: none bound)
    thread_id          INTEGER,                  -- a forum topic of that group, if bound to one
    lang               TEXT NOT NULL DEFAULT 'km',
    unreachable_since  REAL,                     -- the bot was removed or the chat is gone
    unreachable_reason TEXT,
    updated_at         REAL NOT NULL
);
CREATE INDEX units_by_chat ON units (chat_id);
CREATE INDEX units_by_parent ON units (parent_code);

-- Which post covers which commune (the default: each commune its own post).
CREATE TABLE unit_communes (
    commune_code TEXT PRIMARY KEY,
    unit_code    TEXT NOT NULL REFERENCES units (code)
);

CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    unit_code    TEXT NOT NULL REFERENCES units (code),
    role         TEXT NOT NULL,                  -- officer | supervisor
    display_name TEXT,
    added_by     INTEGER,
    added_at     REAL NOT NULL,
    revoked_by   INTEGER,
    revoked_at   REAL
);
CREATE INDEX members_by_user ON members (user_id) WHERE revoked_at IS NULL;
CREATE INDEX members_by_unit ON members (unit_code) WHERE revoked_at IS NULL;

-- One-time enrolment links (t.me/<bot>?start=inv_<token>).
CREATE TABLE invites (
    token       TEXT PRIMARY KEY,
    unit_code   TEXT NOT NULL REFERENCES units (code),
    role        TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  REAL NOT NULL,
    expires_at  REAL NOT NULL,
    used_by     INTEGER,
    used_at     REAL
);

-- An officer was asked to type something (a reply, a resolution note, a reason) by a prompt
-- message; their reply to that prompt completes the action.
CREATE TABLE pending_inputs (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    complaint_id    INTEGER NOT NULL REFERENCES complaints (id),
    action          TEXT NOT NULL,
    detail          TEXT,                        -- JSON, e.g. the reason picked for a rejection
    prompt_outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    created_at      REAL NOT NULL,
    done_at         REAL
);
CREATE INDEX pending_inputs_by_prompt ON pending_inputs (prompt_outbox_id);

-- Administrative actions that concern no single complaint (bindings, invitations, imports).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        REAL NOT NULL,
    actor_id  INTEGER,
    actor_role TEXT,
    action    TEXT NOT NULL,
    unit_code TEXT,
    detail    TEXT
);

ALTER TABLE complaints ADD COLUMN unit_code TEXT REFERENCES units (code);
ALTER TABLE complaints ADD COLUMN responsible_code TEXT REFERENCES units (code);
ALTER TABLE complaints ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN ack_due_at REAL;
ALTER TABLE complaints ADD COLUMN card_outbox_id INTEGER REFERENCES outbox (id);
ALTER TABLE complaints ADD COLUMN feedback TEXT;
CREATE INDEX complaints_by_unit ON complaints (unit_code, status);
-- Complaints no unit could be reached for yet: delivered when a chat is bound.
CREATE INDEX complaints_waiting ON complaints (id) WHERE unit_code IS NULL AND status = 'submitted';

-- Bot messages are found again by the message id Telegram gave them (replies to a card, a prompt,
-- or a relayed message refer to it).
CREATE INDEX outbox_by_message ON outbox (chat_id, message_id) WHERE message_id IS NOT NULL;
-- When a message was last handed to Telegram: on start the sender counts the last minute's, so a
-- restart (even after kill -9 with requests in flight) cannot double a rate window.
ALTER TABLE outbox ADD COLUMN last_attempt_at REAL;
CREATE INDEX outbox_by_attempt ON outbox (last_attempt_at) WHERE last_attempt_at IS NOT NULL;

-- The history is append-only: no row is ever changed or removed.
-- dialect: sqlite
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events is append-only'); END;
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events is append-only'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- dialect: postgresql
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- dialect: all
