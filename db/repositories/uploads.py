"""Files the bot sends (a chart, an export), stored until sent: outbox rows are JSON and refer to them."""

from __future__ import annotations

import time

from db.database import Tx


async def add(tx: Tx, filename: str, mime_type: str, data: bytes) -> int:
    return await tx.insert(
        "INSERT INTO uploads (filename, mime_type, data, created_at) VALUES (?, ?, ?, ?)",
        (filename, mime_type, data, time.time()),
    )


async def get(tx: Tx, upload_id: int) -> tuple[str, str, bytes] | None:
    row = await tx.fetchone("SELECT filename, mime_type, data FROM uploads WHERE id = ?", (upload_id,))
    return (row[0], row[1], bytes(row[2])) if row else None


async def prune(tx: Tx, older_than: float) -> int:
    return await tx.execute("DELETE FROM uploads WHERE created_at < ?", (older_than,))
