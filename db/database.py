"""One SQLite connection, one transaction at a time.

aiosqlite serializes statements on its worker thread but not transactions: two coroutines that
interleave BEGIN…COMMIT on one connection corrupt each other's transaction. Every access therefore
goes through `transaction()` or `read()`, which hold an asyncio lock. At ~0.1 ms per statement this
is thousands of transactions a second, far above what the bot needs, and it keeps a single writer
(SQLite before 3.51.3 has a WAL-reset bug with two writing connections).

Repositories receive the `Tx` and use portable SQL (`?` placeholders, ON CONFLICT, no SQLite-only
functions) so a PostgreSQL backend can implement the same `Tx` surface.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import sqlite3
import stat
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]


def private_file(path: Path) -> None:
    """Make sure `path` can be read by its owner only: complaints name people and places.

    A missing folder is created 0700 and a missing file 0600 (whatever the umask); an existing file
    with wider permissions (e.g. 0644 from an earlier version) is narrowed. SQLite creates its -wal
    and -shm files with the database file's permissions, so they follow.
    """
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
        path.parent.chmod(0o700)  # mkdir's mode is filtered by the umask
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists() and stat.S_IMODE(companion.stat().st_mode) & 0o077:
            companion.chmod(0o600)


class UpdateMark:
    """The update being handled: the first write transaction during its handling also marks it
    processed in the inbox, atomically with its effects, so a crash can never apply it twice."""

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id
        self.marked = False


current_update: contextvars.ContextVar[UpdateMark | None] = contextvars.ContextVar("current_update", default=None)


class Tx:
    """A running transaction (or read snapshot)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the number of rows changed."""
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new row's id."""
        cursor = await self._conn.execute(sql, params)
        row_id = cursor.lastrowid
        await cursor.close()
        assert row_id is not None
        return row_id

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. wake the outbox sender)."""
        self._after_commit.append(callback)


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path, *, synchronous: str = "FULL") -> Database:
        private_file(path)
        conn = await aiosqlite.connect(path, isolation_level=None, timeout=10.0)
        conn.row_factory = sqlite3.Row
        # WAL: readers never block the writer. FULL: a complaint acknowledged to a citizen survives
        # a power cut, not only a process crash; measured cheap enough (research §3.2).
        for pragma in ("journal_mode=WAL", f"synchronous={synchronous}", "foreign_keys=ON", "busy_timeout=10000"):
            await conn.execute(f"PRAGMA {pragma}")
        return cls(conn, path)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock:
            tx = Tx(self._conn)
            mark = current_update.get()
            try:
                await self._begin("BEGIN IMMEDIATE")
                yield tx
                if mark is not None and not mark.marked:
                    await tx.execute(
                        "UPDATE inbox SET processed_at = ? WHERE update_id = ? AND processed_at IS NULL",
                        (time.time(), mark.update_id),
                    )
                await self._conn.execute("COMMIT")
                if mark is not None:
                    mark.marked = True
            except BaseException:
                await self._rollback()
                raise
        for callback in tx._after_commit:
            callback()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A consistent read snapshot; writes are not allowed here."""
        async with self._lock:
            try:
                await self._begin("BEGIN")
                yield Tx(self._conn)
            finally:
                await self._rollback()

    async def _begin(self, statement: str) -> None:
        if self._conn.in_transaction:  # left open by a cancellation at the wrong moment
            await self._rollback()
        await self._conn.execute(statement)

    async def _rollback(self) -> None:
        """Roll back, even when the task is being cancelled: a transaction left open would make the
        connection refuse every later BEGIN. Issued unconditionally because a BEGIN cancelled while
        waiting in aiosqlite's queue still runs later; the ROLLBACK queued behind it undoes it."""
        try:
            await asyncio.shield(self._conn.execute("ROLLBACK"))
        except sqlite3.OperationalError as error:
            if "no transaction is active" not in str(error):
                raise

    async def executescript(self, script: str) -> None:
        async with self._lock:
            await self._conn.executescript(script)

    async def backup_to(self, target: Path) -> None:
        """A consistent copy of the live database (VACUUM INTO), checked before it replaces target.
        The copy is as private as the database: 0600, in a folder created 0700."""
        partial = target.with_suffix(target.suffix + ".partial")
        partial.unlink(missing_ok=True)
        private_file(partial)  # VACUUM INTO writes into an existing empty file, keeping its mode
        async with self._lock:
            await self._conn.execute("VACUUM INTO ?", (str(partial),))
        check = sqlite3.connect(partial)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
        if result != "ok":
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"backup failed its integrity check: {result}")
        partial.replace(target)
