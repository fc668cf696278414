"""Messages waiting to be sent, written in the same transaction as the change that caused them.

A row's id is the bot's handle for its message. Once the row is sent, the message is found by that
handle in db/repositories/messages.py: sent and parked rows are deleted after RETENTION_MESSAGES
(db/repositories/retention.py), so nothing may look a sent message up here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.outgoing import Outgoing
from db.database import Tx
from db.repositories import messages

WIPED = "{}"  # the payload of a sent message whose text must not be kept (ephemeral, /forget)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    method: str
    params: dict[str, Any]
    priority: str
    attempts: int
    next_attempt_at: float
    complaint_id: int | None


def _row(r: Any) -> OutboxRow:
    return OutboxRow(
        r["id"],
        r["chat_id"],
        r["method"],
        json.loads(r["payload"]),
        r["priority"],
        r["attempts"],
        r["next_attempt_at"],
        r["complaint_id"],
    )


async def add(tx: Tx, item: Outgoing) -> int:
    now = time.time()
    return await tx.insert(
        "INSERT INTO outbox (chat_id, method, payload, priority, next_attempt_at, created_at, complaint_id, "
        "ephemeral) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.chat_id,
            item.method,
            json.dumps(item.params, ensure_ascii=False),
            item.priority,
            now,
            now,
            item.complaint_id,
            int(item.ephemeral),
        ),
    )


async def pending_after(tx: Tx, after_id: int, limit: int = 1000) -> list[OutboxRow]:
    rows = await tx.fetchall(
        "SELECT id, chat_id, method, payload, priority, attempts, next_attempt_at, complaint_id FROM outbox "
        "WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    )
    return [_row(r) for r in rows]


async def mark_retry(tx: Tx, row_id: int, next_attempt_at: float, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
        (next_attempt_at, error[:500], row_id),
    )


async def mark_failed(tx: Tx, row_id: int, error: str) -> None:
    """Park a message Telegram will never accept (bad request, bot removed): kept for inspection."""
    await tx.execute(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, "
        f"payload = CASE WHEN ephemeral = 1 THEN '{WIPED}' ELSE payload END WHERE id = ?",
        (error[:500], row_id),
    )


async def move_chat(tx: Tx, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: its pending messages follow it to the new id."""
    await lock_chat(tx, old_chat_id)
    return await tx.execute(
        "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state = 'pending'", (new_chat_id, old_chat_id)
    )


# Several writers change several outbox rows in one transaction (the sender's marks, /forget, a
# chat's migration). Each first locks all of them in id order, so two such transactions wait for
# each other instead of each holding a row the other needs (a deadlock). SQLite needs none of it.


async def lock(tx: Tx, row_ids: Iterable[int]) -> None:
    ids = sorted(set(row_ids))
    if tx.for_update and ids:
        marks = ", ".join("?" * len(ids))
        await tx.fetchall(f"SELECT id FROM outbox WHERE id IN ({marks}) ORDER BY id{tx.for_update}", ids)


async def lock_chat(tx: Tx, chat_id: int) -> None:
    if tx.for_update:
        await tx.fetchall(f"SELECT id FROM outbox WHERE chat_id = ? ORDER BY id{tx.for_update}", (chat_id,))


async def mark_attempts(tx: Tx, attempts: list[tuple[int, float]]) -> None:
    await tx.executemany("UPDATE outbox SET last_attempt_at = ? WHERE id = ?", [(at, rid) for rid, at in attempts])


async def mark_sent_many(tx: Tx, sent: list[tuple[int, int | None, float]]) -> None:
    """(row id, what Telegram answered, when): `message_id` is the call's answer, kept with the row
    for inspection (None: no call was needed); the message itself is recorded in `messages`."""
    await tx.executemany(
        # An ephemeral message (a citizen's contact for /reveal) is not kept once Telegram has it.
        "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, message_id = ?, "
        f"payload = CASE WHEN ephemeral = 1 THEN '{WIPED}' ELSE payload END WHERE id = ?",
        [(at, message_id, row_id) for row_id, message_id, at in sent],
    )


async def attempted_since(tx: Tx, since: float) -> list[tuple[int, str, float]]:
    """(chat_id, priority, time) of the messages handed to Telegram after `since`, oldest first (for the
    sender's rate windows after a restart: housekeeping never deletes a row of the last minute)."""
    rows = await tx.fetchall(
        "SELECT chat_id, priority, last_attempt_at FROM outbox WHERE last_attempt_at > ? ORDER BY last_attempt_at",
        (since,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def chat_of(tx: Tx, row_id: int) -> int | None:
    """The chat a queued or sent message is (or was) for, by its handle (a sent one's row may be gone)."""
    chat_id = await tx.fetchval("SELECT chat_id FROM outbox WHERE id = ?", (row_id,))
    return chat_id if chat_id is not None else await messages.chat_of(tx, row_id)
