"""Schema migrations: numbered SQL files applied once each, in order, each in one transaction."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from db.database import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name must look like 0001_name.sql: {path.name}")
        found.append((int(match.group(1)), path))
    return found


def _statements(script: str) -> list[str]:
    """Split a migration into statements: at each ';', except inside a trigger's BEGIN … END."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    statements, current = [], ""
    for chunk in without_comments.split(";"):
        current += chunk
        opened = len(re.findall(r"\bBEGIN\b", current, re.IGNORECASE))
        closed = len(re.findall(r"\bEND\b", current, re.IGNORECASE))
        if opened > closed:
            current += ";"
            continue
        if current.strip():
            statements.append(current.strip())
        current = ""
    return statements


async def migrate(db: Database) -> list[int]:
    """Apply pending migrations; returns the versions applied."""
    async with db.transaction() as tx:
        await tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
        )
    async with db.read() as tx:
        done = {row[0] for row in await tx.fetchall("SELECT version FROM schema_migrations")}
    applied = []
    for version, path in available():
        if version in done:
            continue
        async with db.transaction() as tx:
            for statement in _statements(path.read_text(encoding="utf-8")):
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", (version, time.time())
            )
        log.info("applied migration %s", path.name)
        applied.append(version)
    return applied
