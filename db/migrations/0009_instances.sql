-- Several bot instances sharing one database (bot/instances.py).
--
-- A chat's updates are handled by one instance at a time, in order: the instance that holds the
-- chat's lease. A lease is taken in the transaction that stores the chat's updates (or by a scanner
-- when nobody holds it), renewed while the instance works on the chat, and released when its queue
-- empties. A killed instance's leases run out by themselves after a few seconds.
CREATE TABLE chat_leases (
    chat_key     TEXT PRIMARY KEY,             -- as inbox.chat_key
    owner        TEXT NOT NULL,                -- the instance id (INSTANCE_ID, or host:pid:random)
    until        REAL NOT NULL                 -- the lease is dead after this time (epoch seconds)
);
CREATE INDEX chat_leases_by_owner ON chat_leases (owner);

-- Proof of life of the loops that run on one instance only (the elected leader): "sender" and
-- "sweep". Written by whichever instance runs them; read by the health check (bot/ops.py).
CREATE TABLE heartbeats (
    name         TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    at           REAL NOT NULL
);

-- Finding a chat's unprocessed updates (the lease holder drains them; the scanner looks for chats
-- whose updates wait without a live lease).
CREATE INDEX inbox_pending_by_chat ON inbox (chat_key, seq) WHERE processed_at IS NULL;
