-- Which Telegram message is which, in its own table, so that sent outbox rows can be deleted.
--
-- A message is known by the bot's own handle for it: the id of the outbox row that sent it. Cards,
-- prompts and threads refer to that handle from the moment the message is queued; once Telegram has
-- accepted it, its chat and Telegram id are here (written by bot/sendlog.py in the transaction that
-- marks the row sent) and stay when housekeeping deletes the outbox row (bot/services/retention.py).
-- Edits change a message and make none: they have no row. A citizen's texts merged into one relayed
-- message (bot/sendqueue.py) have one row each, all with that message's Telegram id.
CREATE TABLE messages (
    outbox_id    INTEGER PRIMARY KEY,          -- the bot's handle: the outbox row that sent it
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,             -- Telegram's id of it in that chat
    complaint_id INTEGER REFERENCES complaints (id),  -- what it is about (NULL: nothing, or forgotten)
    sent_at      REAL NOT NULL
);
-- A reply to one of the bot's messages, or a press of its buttons, names it by chat and message id.
CREATE INDEX messages_by_message ON messages (chat_id, message_id);

INSERT INTO messages (outbox_id, chat_id, message_id, complaint_id, sent_at)
SELECT id, chat_id, message_id, complaint_id, COALESCE(sent_at, created_at) FROM outbox
WHERE state = 'sent' AND message_id IS NOT NULL AND method NOT LIKE 'edit%'
ORDER BY id;

-- outbox.message_id stays as what Telegram answered to that call (also for edits), for as long as
-- the row is kept; nothing finds a message through it any more.
DROP INDEX outbox_by_message;
-- Housekeeping deletes old rows instead of wiping their texts from a mark.
DELETE FROM housekeeping_marks WHERE name = 'outbox_wiped_up_to';

-- References to a message by its handle can no longer be foreign keys to the outbox: the row goes,
-- the handle stays (the message is then found in `messages`). Each column is replaced by the same
-- column without the constraint.
ALTER TABLE complaints RENAME COLUMN card_outbox_id TO card_outbox_fk;
ALTER TABLE complaints ADD COLUMN card_outbox_id INTEGER;
UPDATE complaints SET card_outbox_id = card_outbox_fk WHERE card_outbox_fk IS NOT NULL;
ALTER TABLE complaints DROP COLUMN card_outbox_fk;

CREATE TABLE pending_inputs_new (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    complaint_id     INTEGER NOT NULL REFERENCES complaints (id),
    action           TEXT NOT NULL,
    detail           TEXT,                     -- JSON, e.g. the reason picked for a rejection
    prompt_outbox_id INTEGER NOT NULL,         -- the prompt, by its handle
    created_at       REAL NOT NULL,
    done_at          REAL
);
INSERT INTO pending_inputs_new (id, chat_id, user_id, complaint_id, action, detail, prompt_outbox_id, created_at,
                                done_at)
SELECT id, chat_id, user_id, complaint_id, action, detail, prompt_outbox_id, created_at, done_at FROM pending_inputs;
DROP TABLE pending_inputs;
ALTER TABLE pending_inputs_new RENAME TO pending_inputs;
CREATE INDEX pending_inputs_by_prompt ON pending_inputs (prompt_outbox_id);

CREATE TABLE removals_new (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL,             -- the banChatMember call, by its handle
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    display_name TEXT,
    unit_code    TEXT REFERENCES units (code),
    requested_by INTEGER,                      -- who revoked; NULL: the stranger policy
    reason       TEXT NOT NULL,                -- revoked | stranger
    created_at   REAL NOT NULL
);
INSERT INTO removals_new (id, outbox_id, chat_id, user_id, display_name, unit_code, requested_by, reason, created_at)
SELECT id, outbox_id, chat_id, user_id, display_name, unit_code, requested_by, reason, created_at FROM removals;
DROP TABLE removals;
ALTER TABLE removals_new RENAME TO removals;
CREATE INDEX removals_by_outbox ON removals (outbox_id);
-- dialect: postgresql
-- The copied rows kept their ids: the new tables' identities continue after them.
SELECT setval(pg_get_serial_sequence('pending_inputs', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM pending_inputs;
SELECT setval(pg_get_serial_sequence('removals', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM removals;
-- dialect: all
