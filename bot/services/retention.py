"""What the bot keeps, and for how long: run by the hourly housekeeping of bot/app.py.

- Processed Telegram updates (the raw words of every message): 2 days (bot/updates.py).
- Unfinished drafts: RETENTION_DRAFTS of silence (30 days), then deleted.
- Sent (and parked) messages: RETENTION_MESSAGES (30 days) after they were queued, then their
  outbox rows, with the texts, are deleted. Which Telegram message each one became stays, as ids
  only (db/repositories/messages.py), so a card can still be edited and a reply to an old message
  still finds its complaint. Messages marked ephemeral (a /reveal answer) are wiped as soon as
  Telegram has them.
- Charts and exports: RETENTION_FILES (24 hours) after they were made.
- Complaints and their history are records of the state: kept; /forget pseudonymises a citizen's
  closed complaints (bot/services/forget.py).
"""

from __future__ import annotations

import time

from bot.services.session import Services
from db.repositories import retention, uploads

# Up to 100,000 outbox rows deleted per hour (about what the bot can send in an hour at Telegram's
# 30 a second), 1,000 per transaction so that no update waits long for the database.
DELETE_BATCHES = 100
# The sender counts the last minute's sends after a restart (its rate windows): those rows stay.
RATE_MEMORY = 60.0


async def housekeep(services: Services, now: float | None = None) -> dict[str, int]:
    """One pass; returns how many of each were removed (for the log)."""
    settings, now = services.settings, now or time.time()
    done = {"drafts": 0, "messages": 0, "files": 0}
    async with services.db.transaction() as tx:
        done["drafts"] = await retention.expire_drafts(tx, now - settings.retention_drafts.after(0))
        done["files"] = await uploads.prune(tx, now - settings.retention_files.after(0))
    for _ in range(DELETE_BATCHES):
        async with services.db.transaction() as tx:
            deleted = await retention.delete_sent_messages(
                tx, now - settings.retention_messages.after(0), attempted_before=now - RATE_MEMORY
            )
        done["messages"] += deleted
        if not deleted:
            break
    return done
