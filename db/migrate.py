"""Schema migrations: numbered SQL files applied once each, in order, each in one transaction.

One set of files for both engines, written in SQLite's spelling; db/dialect.py keeps each engine's
blocks and translates the types for PostgreSQL. Two instances starting at once must not both apply
a migration: on PostgreSQL each migration's transaction first takes an advisory lock and then looks
again whether the migration is still to do; on SQLite BEGIN IMMEDIATE already lets one writer in.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from db.database import Database, Tx
from db.dialect import POSTGRESQL, select_blocks, split_statements, translate_ddl

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
MIGRATION_LOCK = 0x6D6967726174  # pg_advisory_xact_lock key: "migrat"


def available() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name must look like 0001_name.sql: {path.name}")
        found.append((int(match.group(1)), path))
    return found


def statements(script: str, dialect: str) -> list[str]:
    """A migration file's statements as `dialect` runs them."""
    return [translate_ddl(s, dialect) for s in split_statements(select_blocks(script, dialect))]


async def _serialise(tx: Tx) -> None:
    if tx.dialect == POSTGRESQL:  # held until this transaction ends
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))


async def migrate(db: Database) -> list[int]:
    """Apply pending migrations; returns the versions applied."""
    async with db.transaction() as tx:
        await _serialise(tx)
        await tx.execute(
            translate_ddl(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)",
                db.dialect,
            )
        )
    async with db.read() as tx:
        done = {row[0] for row in await tx.fetchall("SELECT version FROM schema_migrations")}
    applied = []
    for version, path in available():
        if version in done:
            continue
        async with db.transaction() as tx:
            await _serialise(tx)
            if await tx.fetchval("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                continue  # another instance applied it while this one waited
            for statement in statements(path.read_text(encoding="utf-8"), db.dialect):
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", (version, time.time())
            )
        log.info("applied migration %s", path.name)
        applied.append(version)
    return applied
