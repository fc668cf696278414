"""Looked-up citizen contacts (/reveal): kept in the audit log only, never in a complaint's history.

The history (complaint_events) is what units read; a reveal must not reach them, so it is written
only here, and read back per complaint for the ministry level's own view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from db.database import Tx
from db.repositories import audit

ACTION = "reveal"


@dataclass(frozen=True)
class Reveal:
    at: float
    actor_id: int | None
    actor_name: str  # as recorded at the time; empty in records written before names were kept
    reason: str


async def record(
    tx: Tx, actor_id: int, role: str | None, unit_code: str | None, tracking_no: str, actor_name: str, reason: str
) -> None:
    await audit.record(tx, actor_id, role, ACTION, unit_code, tracking_no=tracking_no, actor=actor_name, reason=reason)


async def citizen_names(tx: Tx, complaint_id: int) -> tuple[str | None, str | None]:
    """The Telegram name and username the citizen had when filing (kept with the complaint only)."""
    row = await tx.fetchone("SELECT citizen_name, citizen_username FROM complaints WHERE id = ?", (complaint_id,))
    return (row[0], row[1]) if row else (None, None)


async def of_complaint(tx: Tx, tracking_no: str) -> list[Reveal]:
    """Oldest first. The detail is JSON written by audit.record with json's default separators: the
    LIKE narrows the rows portably (a tracking number is digits only, no LIKE wildcards), and the
    exact number is compared once parsed."""
    assert tracking_no.isdigit()
    rows = await tx.fetchall(
        "SELECT at, actor_id, detail FROM audit_log WHERE action = ? AND detail LIKE ? ORDER BY id",
        (ACTION, f'%"tracking_no": "{tracking_no}"%'),
    )
    found = []
    for row in rows:
        detail = json.loads(row["detail"] or "{}")
        if detail.get("tracking_no") == tracking_no:
            found.append(Reveal(row["at"], row["actor_id"], detail.get("actor", ""), detail.get("reason", "")))
    return found
