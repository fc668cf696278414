-- Every card of a complaint, in every chat: the handling unit's card, a former handler's card, the
-- escalation cards of the levels above. When the complaint changes, each of them is edited to show
-- the new state with only the buttons that still apply (bot/services/cards.py).

CREATE TABLE complaint_cards (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    outbox_id    INTEGER NOT NULL,              -- the message, by the bot's own handle for it
    chat_id      INTEGER NOT NULL,
    thread_id    INTEGER,
    unit_code    TEXT NOT NULL,                 -- whose card it is
    role         TEXT NOT NULL,                 -- card (the unit's card) | escalation (a level above)
    late_unit    TEXT,                          -- escalation: the unit whose time ran out
    clock_kind   TEXT,                          -- escalation: acknowledge | resolve
    due_at       REAL,                          -- escalation: when that time ran out
    shown        TEXT,                          -- a digest of what it shows now: unchanged, not edited
    created_at   REAL NOT NULL,
    PRIMARY KEY (complaint_id, outbox_id)
);

-- The cards already sent: each complaint's current card, and the escalation cards found by their
-- buttons (e:<id>:take) in the chat of a unit.
INSERT INTO complaint_cards (complaint_id, outbox_id, chat_id, thread_id, unit_code, role, created_at)
SELECT c.id, c.card_outbox_id, o.chat_id, u.thread_id, c.unit_code, 'card', o.created_at
FROM complaints c
JOIN outbox o ON o.id = c.card_outbox_id
JOIN units u ON u.code = c.unit_code
WHERE c.unit_code IS NOT NULL;

INSERT INTO complaint_cards (complaint_id, outbox_id, chat_id, unit_code, role, created_at)
SELECT o.complaint_id, o.id, o.chat_id, (SELECT MIN(u.code) FROM units u WHERE u.chat_id = o.chat_id),
       'escalation', o.created_at
FROM outbox o
WHERE o.complaint_id IS NOT NULL AND o.method = 'sendMessage'
  AND o.payload LIKE '%"e:' || o.complaint_id || ':take"%'
  AND EXISTS (SELECT 1 FROM units u WHERE u.chat_id = o.chat_id)
  AND NOT EXISTS (SELECT 1 FROM complaint_cards k WHERE k.complaint_id = o.complaint_id AND k.outbox_id = o.id);
