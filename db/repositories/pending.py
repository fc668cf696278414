"""Prompts waiting for an officer's typed answer (a reply to the citizen, a note, a reason)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from db.database import Tx


@dataclass(frozen=True)
class PendingInput:
    id: int
    chat_id: int
    user_id: int
    complaint_id: int
    action: str
    detail: dict[str, Any]


async def create(
    tx: Tx, chat_id: int, user_id: int, complaint_id: int, action: str, prompt_outbox_id: int, **detail: Any
) -> None:
    await tx.execute(
        "INSERT INTO pending_inputs (chat_id, user_id, complaint_id, action, detail, prompt_outbox_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (chat_id, user_id, complaint_id, action, json.dumps(detail), prompt_outbox_id, time.time()),
    )


async def for_prompt(tx: Tx, chat_id: int, message_id: int) -> PendingInput | None:
    """The open prompt the bot sent as `message_id` in that chat (the sender must have recorded it)."""
    r = await tx.fetchone(
        "SELECT p.id, p.chat_id, p.user_id, p.complaint_id, p.action, p.detail FROM pending_inputs p "
        "JOIN messages m ON m.outbox_id = p.prompt_outbox_id "
        "WHERE m.chat_id = ? AND m.message_id = ? AND p.done_at IS NULL",
        (chat_id, message_id),
    )
    return PendingInput(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "{}")) if r else None


async def done(tx: Tx, pending_id: int) -> bool:
    changed = await tx.execute(
        "UPDATE pending_inputs SET done_at = ? WHERE id = ? AND done_at IS NULL", (time.time(), pending_id)
    )
    return changed == 1
