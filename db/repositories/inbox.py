"""Updates as Telegram delivered them, stored before they are confirmed to Telegram."""

from __future__ import annotations

import time
from dataclasses import dataclass

from db.database import Tx


@dataclass(frozen=True)
class InboxItem:
    update_id: int
    chat_key: str
    payload: str


async def store(tx: Tx, items: list[InboxItem]) -> list[InboxItem]:
    """Store a batch; returns only the items not seen before (a redelivered update is ignored)."""
    now = time.time()
    fresh = []
    for item in items:
        changed = await tx.execute(
            "INSERT INTO inbox (update_id, chat_key, payload, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (update_id) DO NOTHING",
            (item.update_id, item.chat_key, item.payload, now),
        )
        if changed:
            fresh.append(item)
    return fresh


async def pending(tx: Tx) -> list[InboxItem]:
    rows = await tx.fetchall("SELECT update_id, chat_key, payload FROM inbox WHERE processed_at IS NULL ORDER BY seq")
    return [InboxItem(r["update_id"], r["chat_key"], r["payload"]) for r in rows]


async def pending_of_chat(tx: Tx, chat_key: str, limit: int = 200) -> list[InboxItem]:
    """A chat's unprocessed updates in arrival order (what its lease holder must handle)."""
    rows = await tx.fetchall(
        "SELECT update_id, chat_key, payload FROM inbox WHERE chat_key = ? AND processed_at IS NULL "
        "ORDER BY seq LIMIT ?",
        (chat_key, limit),
    )
    return [InboxItem(r["update_id"], r["chat_key"], r["payload"]) for r in rows]


async def mark_processed(tx: Tx, update_id: int) -> None:
    await tx.execute(
        "UPDATE inbox SET processed_at = ? WHERE update_id = ? AND processed_at IS NULL", (time.time(), update_id)
    )


async def prune(tx: Tx, older_than: float) -> int:
    """Forget processed updates. Telegram restarts update ids at random after a quiet week, so
    keeping two days of ids is enough to recognise redeliveries without risking a collision."""
    return await tx.execute("DELETE FROM inbox WHERE processed_at IS NOT NULL AND processed_at < ?", (older_than,))
