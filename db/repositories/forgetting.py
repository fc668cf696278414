"""Pseudonymising a citizen's closed complaints (/forget): the records stay, the person goes."""

from __future__ import annotations

import time

from db.database import Tx
from db.repositories import messages, outbox
from db.repositories.outbox import WIPED

CLOSED = ("resolved", "rejected")


async def counts(tx: Tx, citizen_id: int) -> tuple[int, int]:
    """(closed, open) complaints of the citizen."""
    rows = await tx.fetchall(
        "SELECT status IN (?, ?) AS closed, COUNT(*) FROM complaints WHERE citizen_id = ? GROUP BY 1",
        (*CLOSED, citizen_id),
    )
    found = {bool(r[0]): r[1] for r in rows}
    return found.get(True, 0), found.get(False, 0)


async def pseudonymise_closed(tx: Tx, citizen_id: int) -> int:
    """Each closed complaint gets its own pseudonymous citizen (-complaint id, so two complaints of
    one person are not linkable) and loses the name, username and phone; the bot's messages in the
    citizen's chat lose their texts, and those about a forgotten complaint their link to it."""
    now = time.time()
    await outbox.lock_chat(tx, citizen_id)  # before the sender's marks can hold some of them
    closed = [
        r[0]
        for r in await tx.fetchall(
            "SELECT id FROM complaints WHERE citizen_id = ? AND status IN (?, ?)", (citizen_id, *CLOSED)
        )
    ]
    for complaint_id in closed:
        alias = -complaint_id
        await tx.execute(
            "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
            (alias, now, now),
        )
        await tx.execute(
            "UPDATE complaints SET citizen_id = ?, phone = NULL, contact_mode = 'anonymous', citizen_name = NULL, "
            "citizen_username = NULL, updated_at = ? WHERE id = ?",
            (alias, now, complaint_id),
        )
        await tx.execute(
            "UPDATE complaint_events SET actor_id = ? WHERE complaint_id = ? AND actor_kind = 'citizen'",
            (alias, complaint_id),
        )
        # Unlinked: a reply to one of these messages no longer finds the complaint. Not yet sent
        # ones are delivered as queued, and recorded as about no complaint.
        await tx.execute(
            "UPDATE outbox SET complaint_id = NULL WHERE chat_id = ? AND complaint_id = ?", (citizen_id, complaint_id)
        )
        await messages.forget_links(tx, citizen_id, complaint_id)
    # What the bot wrote to the citizen names their complaints (the receipt, /status answers…): those
    # texts are only copies of the chat on Telegram, so all of them go now rather than with their
    # rows at the next housekeeping.
    await tx.execute(
        "UPDATE outbox SET payload = ? WHERE chat_id = ? AND state != 'pending' AND payload != ?",
        (WIPED, citizen_id, WIPED),
    )
    # Those still waiting (the answer to /forget itself, a screen being closed) go out as queued and
    # are wiped once Telegram has them, like an ephemeral message.
    await tx.execute("UPDATE outbox SET ephemeral = 1 WHERE chat_id = ? AND state = 'pending'", (citizen_id,))
    return len(closed)


async def forget_updates(tx: Tx, user_id: int) -> int:
    """The person's processed updates, which hold their words and Telegram profile, go now rather
    than at the next pruning."""
    return await tx.execute(
        "DELETE FROM inbox WHERE chat_key IN (?, ?) AND processed_at IS NOT NULL", (f"c{user_id}", f"u{user_id}")
    )
