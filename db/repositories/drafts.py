"""The one draft a citizen may have open, stored as JSON from the first answer on."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.domain.intake import Draft
from db.database import Tx


@dataclass(frozen=True)
class StoredDraft:
    seq: int
    draft: Draft


async def get(tx: Tx, user_id: int) -> StoredDraft | None:
    row = await tx.fetchone("SELECT seq, data FROM drafts WHERE user_id = ?", (user_id,))
    return StoredDraft(row["seq"], Draft.from_json(row["data"])) if row else None


async def create(tx: Tx, user_id: int, seq: int, draft: Draft) -> None:
    now = time.time()
    await tx.execute(
        "INSERT INTO drafts (user_id, seq, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (user_id, seq, draft.to_json(), now, now),
    )


async def save(tx: Tx, user_id: int, draft: Draft) -> None:
    await tx.execute(
        "UPDATE drafts SET data = ?, updated_at = ? WHERE user_id = ?", (draft.to_json(), time.time(), user_id)
    )


async def delete(tx: Tx, user_id: int) -> None:
    await tx.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))


async def count(tx: Tx) -> int:
    return int(await tx.fetchval("SELECT COUNT(*) FROM drafts"))
