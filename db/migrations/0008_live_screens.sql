-- The one message of a citizen's private chat whose inline buttons are live (a menu, a picker, the
-- review, a confirmation…). When the bot moves on to a new one, it closes this one first (its buttons
-- are edited away, or it is edited into the answer given), and a press on any other of its messages
-- is answered and changes nothing (bot/services/screens.py).
--
-- A chat without a row has not been shown a screen since this table exists: the first press on one
-- of its older messages makes that message the live screen. A row with neither id: nothing is live.
CREATE TABLE live_screens (
    chat_id     INTEGER PRIMARY KEY,           -- the private chat (Telegram: the person's own id)
    outbox_id   INTEGER,                       -- sent as a new message: its handle (see messages)
    message_id  INTEGER,                       -- edited in place after a press: its Telegram id
    kind        TEXT NOT NULL,                 -- what closing it means (bot/services/screens.py Kind)
    updated_at  REAL NOT NULL
);
