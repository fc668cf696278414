"""What housekeeping deletes (see bot/services/retention.py)."""

from __future__ import annotations

from db.database import Tx


async def expire_drafts(tx: Tx, untouched_since: float) -> int:
    """Drafts nobody has changed since `untouched_since`: abandoned, with the citizen's words in them."""
    return await tx.execute("DELETE FROM drafts WHERE updated_at < ?", (untouched_since,))


async def delete_sent_messages(tx: Tx, created_before: float, attempted_before: float, batch: int = 1000) -> int:
    """Delete up to `batch` sent and parked outbox rows created before `created_before`, oldest first.

    What edits, threads and replies need of a sent message stays in `messages` under the same handle
    (db/repositories/messages.py). A pending row is never deleted (it is deleted once sent, by a
    later pass), nor one handed to Telegram after `attempted_before`: a restarted sender reads the
    last minute's sends back for its rate windows (outbox.attempted_since). Only the oldest `batch`
    rows are looked at (ids grow with creation time), so a pass reads little more than it deletes.
    """
    reached = await tx.fetchval(
        "SELECT MAX(id) FROM (SELECT id, created_at FROM outbox WHERE state != 'pending' ORDER BY id LIMIT ?) "
        "AS oldest WHERE created_at < ?",
        (batch, created_before),
    )
    if reached is None:
        return 0
    return await tx.execute(
        "DELETE FROM outbox WHERE id <= ? AND state != 'pending' AND created_at < ? "
        "AND (last_attempt_at IS NULL OR last_attempt_at < ?)",
        (reached, created_before, attempted_before),
    )
