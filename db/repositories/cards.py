"""The cards of each complaint in the units' chats (see db/migrations/0006_lifecycle.sql)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from db.database import Tx

CARD, ESCALATION, FORMER = "card", "escalation", "former"  # former: a unit's card replaced by a newer one


@dataclass(frozen=True)
class Card:
    complaint_id: int
    outbox_id: int
    chat_id: int
    thread_id: int | None
    unit_code: str
    role: str  # CARD | ESCALATION
    late_unit: str | None = None
    clock_kind: str | None = None
    due_at: float | None = None
    shown: str | None = None  # digest of the text and buttons it shows (bot.services.cards.digest)


async def add(tx: Tx, card: Card) -> None:
    await tx.execute(
        "INSERT INTO complaint_cards (complaint_id, outbox_id, chat_id, thread_id, unit_code, role, late_unit, "
        "clock_kind, due_at, shown, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (complaint_id, outbox_id) DO NOTHING",
        (
            card.complaint_id,
            card.outbox_id,
            card.chat_id,
            card.thread_id,
            card.unit_code,
            card.role,
            card.late_unit,
            card.clock_kind,
            card.due_at,
            card.shown,
            time.time(),
        ),
    )


async def of_complaint(tx: Tx, complaint_id: int) -> list[Card]:
    rows = await tx.fetchall(
        "SELECT complaint_id, outbox_id, chat_id, thread_id, unit_code, role, late_unit, clock_kind, due_at, shown "
        "FROM complaint_cards WHERE complaint_id = ? ORDER BY outbox_id",
        (complaint_id,),
    )
    return [Card(*r) for r in rows]


async def make_card(tx: Tx, complaint_id: int, outbox_id: int) -> None:
    """An escalation card becomes the complaint's card (its level took the complaint over)."""
    await tx.execute(
        "UPDATE complaint_cards SET role = ? WHERE complaint_id = ? AND outbox_id = ?", (CARD, complaint_id, outbox_id)
    )


async def set_shown(tx: Tx, complaint_id: int, outbox_id: int, shown: str) -> None:
    await tx.execute(
        "UPDATE complaint_cards SET shown = ? WHERE complaint_id = ? AND outbox_id = ?",
        (shown, complaint_id, outbox_id),
    )


async def retire_cards_of(tx: Tx, complaint_id: int, unit_code: str) -> None:
    """A new card is sent to the unit: its older cards of the complaint become former ones."""
    await tx.execute(
        "UPDATE complaint_cards SET role = ? WHERE complaint_id = ? AND unit_code = ? AND role = ?",
        (FORMER, complaint_id, unit_code, CARD),
    )
