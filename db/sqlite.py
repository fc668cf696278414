"""The SQLite backend: one connection, one transaction at a time.

aiosqlite serializes statements on its worker thread but not transactions: two coroutines that
interleave BEGIN…COMMIT on one connection corrupt each other's transaction. Every access therefore
goes through `transaction()` or `read()`, which hold an asyncio lock. At ~0.1 ms per statement this
is thousands of transactions a second, far above what the bot needs, and it keeps a single writer
(SQLite before 3.51.3 has a WAL-reset bug with two writing connections).

Because every write transaction is serial (BEGIN IMMEDIATE), row locks are not needed here:
`Tx.for_update` is empty.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import aiosqlite

from db import database
from db.database import Params, current_update, private_file
from db.dialect import SQLITE

log = logging.getLogger(__name__)

Row = sqlite3.Row


class Tx(database.Tx):
    """A running transaction (or read snapshot)."""

    dialect = SQLITE
    for_update = ""  # every write transaction is serial already

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__()
        self._conn = conn

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


class Database(database.Database):
    dialect = SQLITE

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
            await (await conn.execute(f"PRAGMA {pragma}")).close()  # an open cursor would block VACUUM INTO
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

    async def try_hold(self, name: str) -> LocalHeld | None:
        """Leadership among the users of this database file in this process (SQLite is used by one
        process at a time): granted unless someone here holds `name` already."""
        return LocalHeld.take((str(self.path.resolve()), name))


class LocalHeld:
    """A process-local hold of a name: alive until released."""

    _held: ClassVar[dict[tuple[str, str], LocalHeld]] = {}

    def __init__(self, key: tuple[str, str]) -> None:
        self._key = key

    @classmethod
    def take(cls, key: tuple[str, str]) -> LocalHeld | None:
        if key in cls._held:
            return None
        cls._held[key] = held = cls(key)
        return held

    async def alive(self) -> bool:
        return self._held.get(self._key) is self

    async def release(self) -> None:
        if self._held.get(self._key) is self:
            del self._held[self._key]

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Nobody else can ring: one process uses a database file."""


def check_copy(path: Path) -> None:
    """Refuse a file that is not a sound copy of the bot's database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            versions = conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise RuntimeError(f"{path} is not a backup of the bot's database: {error}") from error
    if result != "ok":
        raise RuntimeError(f"{path} failed its integrity check: {result}")
    if not versions:
        raise RuntimeError(f"{path} is not a backup of the bot's database: no migrations recorded")


def restore_file(source: Path, target: Path) -> None:
    """Replace the database file by a checked copy of `source`, atomically (a rename): the old file
    stays whole until the new one is complete. The bot must be stopped (its open connection would
    keep writing to the replaced file)."""
    check_copy(source)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    private_file(partial)
    with source.open("rb") as reading, partial.open("wb") as writing:
        while chunk := reading.read(1 << 20):
            writing.write(chunk)
        writing.flush()
        os.fsync(writing.fileno())
    for companion in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        companion.unlink(missing_ok=True)  # belonged to the replaced file
    partial.replace(target)
