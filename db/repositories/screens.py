"""The one live screen of each citizen's private chat (db/migrations/0008_live_screens.sql)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from db.database import Tx


@dataclass(frozen=True)
class LiveScreen:
    outbox_id: int | None  # a message sent new: known by its handle until it is pressed
    message_id: int | None  # a message pressed and edited in place: its Telegram id
    kind: str

    @property
    def is_open(self) -> bool:
        return self.outbox_id is not None or self.message_id is not None


async def get(tx: Tx, chat_id: int) -> LiveScreen | None:
    """The chat's live screen; None if the chat has never had one recorded."""
    row = await tx.fetchone("SELECT outbox_id, message_id, kind FROM live_screens WHERE chat_id = ?", (chat_id,))
    return LiveScreen(row["outbox_id"], row["message_id"], row["kind"]) if row else None


async def set_live(
    tx: Tx, chat_id: int, kind: str, *, outbox_id: int | None = None, message_id: int | None = None
) -> None:
    await tx.execute(
        "INSERT INTO live_screens (chat_id, outbox_id, message_id, kind, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (chat_id) DO UPDATE SET outbox_id = excluded.outbox_id, message_id = excluded.message_id, "
        "kind = excluded.kind, updated_at = excluded.updated_at",
        (chat_id, outbox_id, message_id, kind, time.time()),
    )


async def set_closed(tx: Tx, chat_id: int) -> None:
    """Nothing is live any more: every earlier message's buttons are stale."""
    await set_live(tx, chat_id, "none")
