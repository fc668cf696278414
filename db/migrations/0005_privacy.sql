-- Privacy: the citizen's Telegram name lives with the complaints that need it (for the ministry's
-- reveal), not with every person who ever talked to the bot; messages that must not be kept once
-- sent; marks of how far housekeeping got; a history that can be pseudonymised (/forget).

-- The name and username the citizen had when filing, shown only through /reveal and identity exports.
ALTER TABLE complaints ADD COLUMN citizen_name TEXT;
ALTER TABLE complaints ADD COLUMN citizen_username TEXT;
UPDATE complaints SET
    citizen_name = (SELECT u.first_name FROM users u WHERE u.user_id = complaints.citizen_id),
    citizen_username = (SELECT u.username FROM users u WHERE u.user_id = complaints.citizen_id);
-- users keeps only what talking to a person needs (id, language, what they are typing now).
UPDATE users SET first_name = NULL, username = NULL;

-- 1: the text is wiped as soon as Telegram has it (e.g. a /reveal answer: a citizen's contact).
ALTER TABLE outbox ADD COLUMN ephemeral INTEGER NOT NULL DEFAULT 0;

-- How far each housekeeping job has got (e.g. the id up to which sent messages were wiped).
CREATE TABLE housekeeping_marks (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- The history stays append-only, with one exception: /forget may replace the citizen's Telegram id
-- on their own events with the pseudonymous id of the forgotten complaint. Nothing else may change.
-- dialect: sqlite
DROP TRIGGER complaint_events_no_update;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
WHEN NOT (
    OLD.actor_kind = 'citizen' AND NEW.actor_kind = 'citizen' AND NEW.actor_id < 0
    AND NEW.id = OLD.id AND NEW.complaint_id = OLD.complaint_id AND NEW.at = OLD.at
    AND NEW.actor_role IS OLD.actor_role AND NEW.unit_code IS OLD.unit_code AND NEW.action = OLD.action
    AND NEW.from_status IS OLD.from_status AND NEW.to_status IS OLD.to_status AND NEW.detail IS OLD.detail
)
BEGIN SELECT RAISE(ABORT, 'complaint_events is append-only'); END;
-- dialect: postgresql
DROP TRIGGER complaint_events_no_update ON complaint_events;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
FOR EACH ROW WHEN (NOT (
    OLD.actor_kind = 'citizen' AND NEW.actor_kind = 'citizen' AND NEW.actor_id < 0
    AND NEW.id = OLD.id AND NEW.complaint_id = OLD.complaint_id AND NEW.at = OLD.at
    AND NEW.actor_role IS NOT DISTINCT FROM OLD.actor_role AND NEW.unit_code IS NOT DISTINCT FROM OLD.unit_code
    AND NEW.action = OLD.action AND NEW.from_status IS NOT DISTINCT FROM OLD.from_status
    AND NEW.to_status IS NOT DISTINCT FROM OLD.to_status AND NEW.detail IS NOT DISTINCT FROM OLD.detail
))
EXECUTE FUNCTION refuse_change();
-- dialect: all
