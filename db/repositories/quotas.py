"""What the caps on a citizen's complaints count (bot.domain.policy.Limits), through the index on
(citizen_id, created_at)."""

from __future__ import annotations

from bot.domain.complaint import OPEN_STATUSES
from db.database import Tx

_OPEN = tuple(sorted(OPEN_STATUSES))


async def open_numbers(tx: Tx, citizen_id: int) -> list[str]:
    """Tracking numbers of the citizen's open complaints, oldest first."""
    rows = await tx.fetchall(
        f"SELECT tracking_no FROM complaints WHERE citizen_id = ? AND status IN ({', '.join('?' * len(_OPEN))}) "
        "ORDER BY created_at",
        (citizen_id, *_OPEN),
    )
    return [r[0] for r in rows]


async def filed_since(tx: Tx, citizen_id: int, since: float) -> int:
    return int(
        await tx.fetchval(
            "SELECT COUNT(*) FROM complaints WHERE citizen_id = ? AND created_at >= ?", (citizen_id, since)
        )
    )
