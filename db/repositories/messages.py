"""Which Telegram message is which: the messages Telegram accepted, by the bot's own handle for each.

A message's handle is the id of the outbox row that sent it: a card, a prompt or a thread refers to
it from the moment it is queued. Once Telegram has accepted it, its chat and Telegram id are here
(bot/sendlog.py writes them in the transaction that marks the row sent), and they stay when
housekeeping deletes the outbox row (bot/services/retention.py). See db/migrations/0007_messages.sql.
"""

from __future__ import annotations

from db.database import Tx


def makes_message(method: str) -> bool:
    """Whether a call of `method` that Telegram accepted left a new message in the chat (an edit
    changes one; the migration's backfill applies the same rule)."""
    return not method.startswith("edit")


async def record(tx: Tx, sent: list[tuple[int, int, float]]) -> None:
    """(outbox row id, Telegram message id, when) of messages just accepted. The chat and the
    complaint are the row's as they are now (a /forget may have unlinked it since it was queued)."""
    await tx.executemany(
        "INSERT INTO messages (outbox_id, chat_id, message_id, complaint_id, sent_at) "
        "SELECT id, chat_id, ?, complaint_id, ? FROM outbox WHERE id = ? "
        "ON CONFLICT (outbox_id) DO NOTHING",
        [(message_id, at, row_id) for row_id, message_id, at in sent],
    )


async def message_id_of(tx: Tx, outbox_id: int) -> int | None:
    """The Telegram id of the message sent by that row (None: not sent, or not a new message)."""
    return await tx.fetchval("SELECT message_id FROM messages WHERE outbox_id = ?", (outbox_id,))


async def chat_of(tx: Tx, outbox_id: int) -> int | None:
    return await tx.fetchval("SELECT chat_id FROM messages WHERE outbox_id = ?", (outbox_id,))


async def row_of_message(tx: Tx, chat_id: int, message_id: int) -> int | None:
    """The handle of a message the bot sent (the sender must have recorded it: settle first). Texts
    merged into one relayed message share its id: the first of them stands for it."""
    return await tx.fetchval(
        "SELECT outbox_id FROM messages WHERE chat_id = ? AND message_id = ? ORDER BY outbox_id LIMIT 1",
        (chat_id, message_id),
    )


async def sent_as_and_row_of(tx: Tx, outbox_id: int, chat_id: int, message_id: int) -> tuple[int | None, int | None]:
    """In one statement (one snapshot, also at READ COMMITTED, while the send log records messages):
    the Telegram id row `outbox_id` was sent as, and the handle of message `message_id` of the chat
    (None where not recorded)."""
    row = await tx.fetchone(
        "SELECT (SELECT message_id FROM messages WHERE outbox_id = ?) AS sent_as, "
        "(SELECT outbox_id FROM messages WHERE chat_id = ? AND message_id = ? ORDER BY outbox_id LIMIT 1) AS pressed",
        (outbox_id, chat_id, message_id),
    )
    return row["sent_as"], row["pressed"]


async def forget_links(tx: Tx, chat_id: int, complaint_id: int) -> int:
    """/forget: the bot's messages in the citizen's chat no longer lead to the complaint (a reply to
    one of them finds nothing)."""
    return await tx.execute("DELETE FROM messages WHERE chat_id = ? AND complaint_id = ?", (chat_id, complaint_id))
