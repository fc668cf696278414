"""Administrative actions that concern no single complaint: append-only."""

from __future__ import annotations

import json
import time
from typing import Any

from db.database import Tx


async def record(
    tx: Tx, actor_id: int | None, actor_role: str | None, action: str, unit_code: str | None, **detail: Any
) -> None:
    await tx.execute(
        "INSERT INTO audit_log (at, actor_id, actor_role, action, unit_code, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (time.time(), actor_id, actor_role, action, unit_code, json.dumps(detail, ensure_ascii=False)),
    )
