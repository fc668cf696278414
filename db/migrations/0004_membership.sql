-- Nobody keeps access they lost: what the bot may do in each group, who it has seen there, the
-- removals it asked Telegram for, and invitations that can be listed and cancelled.

-- The bot's own status in each group, as the last my_chat_member update (or getChatMember at
-- /bind) described it. Removing people needs administrator status with the right to ban users.
CREATE TABLE bot_chats (
    chat_id      INTEGER PRIMARY KEY,
    status       TEXT NOT NULL,                  -- member | administrator | restricted | left | kicked
    can_restrict INTEGER NOT NULL DEFAULT 0,     -- 1: may ban users (can_restrict_members)
    title        TEXT,
    updated_at   REAL NOT NULL
);

-- People the bot has seen in a group (chat_member updates, their commands there): the groups a
-- supervisor is removed from when revoked. The Bot API cannot list a group's members.
CREATE TABLE group_presence (
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    present    INTEGER NOT NULL,                 -- 1: in the group when last seen; 0: left or removed
    updated_at REAL NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX group_presence_by_user ON group_presence (user_id) WHERE present = 1;

-- A banChatMember the bot queued (a revoked person, or a stranger under the "remove" policy):
-- if Telegram refuses it, whoever asked and the unit's group are told to do it by hand.
CREATE TABLE removals (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    display_name TEXT,
    unit_code    TEXT REFERENCES units (code),
    requested_by INTEGER,                        -- who revoked; NULL: the stranger policy
    reason       TEXT NOT NULL,                  -- revoked | stranger
    created_at   REAL NOT NULL
);
CREATE INDEX removals_by_outbox ON removals (outbox_id);

-- Invitations get a number (buttons name it: the token itself is a secret and must never travel in
-- callback data, which every member of a group can read) and can be cancelled.
CREATE TABLE invitations (
    id           INTEGER PRIMARY KEY,
    token        TEXT NOT NULL UNIQUE,
    unit_code    TEXT NOT NULL REFERENCES units (code),
    role         TEXT NOT NULL,
    created_by   INTEGER NOT NULL,
    creator_name TEXT,                           -- as Telegram named the creator (staff), for listings
    created_at   REAL NOT NULL,
    expires_at   REAL NOT NULL,
    used_by      INTEGER,
    used_at      REAL,
    cancelled_by INTEGER,
    cancelled_at REAL
);
INSERT INTO invitations (token, unit_code, role, created_by, created_at, expires_at, used_by, used_at)
    SELECT token, unit_code, role, created_by, created_at, expires_at, used_by, used_at FROM invites ORDER BY created_at;
DROP TABLE invites;
ALTER TABLE invitations RENAME TO invites;
CREATE INDEX invites_outstanding ON invites (expires_at) WHERE used_by IS NULL AND cancelled_at IS NULL;
CREATE INDEX invites_by_creator ON invites (created_by) WHERE used_by IS NULL AND cancelled_at IS NULL;
