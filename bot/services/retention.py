"""What the bot keeps, and for how long: run by the hourly housekeeping of bot/app.py.

- Processed Telegram updates (the raw words of every message): 2 days (bot/updates.py).
- Unfinished drafts: RETENTION_DRAFTS of silence (30 days), then deleted.
- Texts of sent messages: RETENTION_MESSAGES (30 days), then wiped; the rows keep their ids so a
  card can still be edited and a reply to an old message still finds its complaint. Messages marked
  ephemeral (a /reveal answer) are wiped as soon as Telegram has them.
- Charts and exports: RETENTION_FILES (24 hours) after they were made.
- Complaints and their history are records of the state: kept; /forget pseudonymises a citizen's
  closed complaints (bot/services/forget.py).
"""

from __future__ import annotations

import time

from bot.services.session import Services
from db.repositories import retention, uploads

WIPE_BATCHES = 20  # up to 100,000 messages wiped per hour, in short transactions


async def housekeep(services: Services, now: float | None = None) -> dict[str, int]:
    """One pass; returns how many of each were removed (for the log)."""
    settings, now = services.settings, now or time.time()
    done = {"drafts": 0, "messages": 0, "files": 0}
    async with services.db.transaction() as tx:
        done["drafts"] = await retention.expire_drafts(tx, now - settings.retention_drafts.after(0))
        done["files"] = await uploads.prune(tx, now - settings.retention_files.after(0))
    for _ in range(WIPE_BATCHES):
        async with services.db.transaction() as tx:
            wiped = await retention.wipe_sent_payloads(tx, now - settings.retention_messages.after(0))
        done["messages"] += wiped
        if not wiped:
            break
    return done
