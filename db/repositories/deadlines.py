"""Deadlines as rows: created with a due time, fired exactly once by the sweep, or cancelled."""

from __future__ import annotations

import time
from dataclasses import dataclass

from db.database import Tx


@dataclass(frozen=True)
class Deadline:
    id: int
    complaint_id: int
    kind: str  # acknowledge | resolve
    stage: int  # 0: the handling unit's own time; n: the n-th level above it
    unit_code: str
    due_at: float


async def add(tx: Tx, complaint_id: int, kind: str, stage: int, unit_code: str, due_at: float) -> None:
    await tx.execute(
        "INSERT INTO deadlines (complaint_id, kind, stage, unit_code, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (complaint_id, kind, stage, unit_code, due_at, time.time()),
    )


async def cancel_open(tx: Tx, complaint_id: int) -> None:
    await tx.execute(
        "UPDATE deadlines SET cancelled_at = ? WHERE complaint_id = ? AND fired_at IS NULL AND cancelled_at IS NULL",
        (time.time(), complaint_id),
    )


async def due(tx: Tx, now: float, limit: int) -> list[Deadline]:
    """The deadlines that have passed, oldest first (through the partial index deadlines_due)."""
    rows = await tx.fetchall(
        "SELECT id, complaint_id, kind, stage, unit_code, due_at FROM deadlines "
        "WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?",
        (now, limit),
    )
    return [Deadline(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


async def fire(tx: Tx, deadline_id: int, now: float) -> bool:
    """Claim a due deadline; False if it was already fired or cancelled (never act twice)."""
    changed = await tx.execute(
        "UPDATE deadlines SET fired_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL",
        (now, deadline_id),
    )
    return changed == 1


async def expedite(tx: Tx, unit_codes: list[str], now: float) -> int:
    """The open deadlines of complaints these units hold fall due now (their chat is lost)."""
    if not unit_codes:
        return 0
    marks = ", ".join("?" for _ in unit_codes)
    return await tx.execute(
        f"UPDATE deadlines SET due_at = ? WHERE fired_at IS NULL AND cancelled_at IS NULL AND stage = 0 "
        f"AND complaint_id IN (SELECT id FROM complaints WHERE unit_code IN ({marks}) "
        "AND status IN ('submitted', 'acknowledged'))",
        (now, *unit_codes),
    )


async def next_due(tx: Tx) -> float | None:
    return await tx.fetchval("SELECT MIN(due_at) FROM deadlines WHERE fired_at IS NULL AND cancelled_at IS NULL")


async def schedule_due(tx: Tx, name: str) -> float | None:
    return await tx.fetchval("SELECT due_at FROM schedules WHERE name = ?", (name,))


async def set_schedule(tx: Tx, name: str, due_at: float) -> None:
    await tx.execute(
        "INSERT INTO schedules (name, due_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at",
        (name, due_at),
    )


async def claim_schedule(tx: Tx, name: str, due_at: float, next_due_at: float) -> bool:
    """Move a schedule that is due to its next time; False if another sweep already did."""
    changed = await tx.execute(
        "UPDATE schedules SET due_at = ? WHERE name = ? AND due_at = ?", (next_due_at, name, due_at)
    )
    return changed == 1
