"""What housekeeping deletes or wipes, and how far it got (see bot/services/retention.py)."""

from __future__ import annotations

from db.database import Tx
from db.repositories.outbox import WIPED

_OUTBOX_MARK = "outbox_wiped_up_to"


async def expire_drafts(tx: Tx, untouched_since: float) -> int:
    """Drafts nobody has changed since `untouched_since`: abandoned, with the citizen's words in them."""
    return await tx.execute("DELETE FROM drafts WHERE updated_at < ?", (untouched_since,))


async def wipe_sent_payloads(tx: Tx, created_before: float, batch: int = 5000) -> int:
    """Wipe the texts of sent and parked messages created before `created_before`, oldest first.

    The row stays (chat, Telegram message id, complaint): a card is still edited through it and a
    reply to an old message still finds its complaint. Rows are visited in id (= creation) order from
    a mark, so each pass reads only what is new; a message still pending stops the pass there and is
    wiped once it has been sent.
    """
    mark = int(await tx.fetchval("SELECT value FROM housekeeping_marks WHERE name = ?", (_OUTBOX_MARK,)) or 0)
    rows = await tx.fetchall(
        "SELECT id, state, created_at FROM outbox WHERE id > ? ORDER BY id LIMIT ?", (mark, batch)
    )
    reached = mark
    for row in rows:
        if row["created_at"] >= created_before or row["state"] == "pending":
            break
        reached = row["id"]
    if reached == mark:
        return 0
    wiped = await tx.execute(
        "UPDATE outbox SET payload = ? WHERE id > ? AND id <= ? AND state != 'pending' AND payload != ?",
        (WIPED, mark, reached, WIPED),
    )
    await tx.execute(
        "INSERT INTO housekeeping_marks (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (_OUTBOX_MARK, reached),
    )
    return wiped
