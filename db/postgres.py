"""The PostgreSQL backend (asyncpg): a pool of connections, one per running transaction, so
transactions of different chats run at the same time (and on several instances).

Write transactions run at READ COMMITTED: a repository that reads a row and then writes depending
on what it read locks the row first (`tx.for_update`, " FOR NO KEY UPDATE" here: it serialises
the writers of the row but, unlike FOR UPDATE, does not hold up rows being written that refer to
it, such as the sender recording a message about a complaint an officer is acting on), or writes with a
condition that makes the second writer change nothing (`UPDATE … WHERE fired_at IS NULL`), or lets
a unique key refuse the second one. Reads (`read()`) are REPEATABLE READ, READ ONLY: one snapshot.
A transaction that changes several rows another writer may also be changing locks them in id order
first (outbox.lock). Should two transactions still wait for each other, the server rolls one back
(database.WriteConflict) and its update is handled again from the start (bot/updates.py).

The repositories' SQL is SQLite-spelled; `?` placeholders are numbered for asyncpg here (db/dialect.py).
asyncpg is strict about Python types where SQLite converts silently (an int for a text parameter,
a numeric string for an integer): a statement asyncpg refuses for a parameter's type is retried
once with each parameter converted to the type the server expects. Sums come back as Decimal from
PostgreSQL: rows convert them to int (or float), as SQLite would have answered.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg

from db import database
from db.database import MARK_PROCESSED, AlreadyHandled, Params, current_update, private_file
from db.dialect import POSTGRESQL, numbered_placeholders

log = logging.getLogger(__name__)

POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "10"))


class Row(tuple):
    """A row whose values PostgreSQL typed differently from SQLite (numeric sums), converted; it
    answers like sqlite3.Row and asyncpg.Record: row["col"], row[0], dict(row)."""

    _names: tuple[str, ...]

    def __new__(cls, names: tuple[str, ...], values: Iterable[Any]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _plain(value: Any) -> Any:
    if type(value) is Decimal:
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _row(record: asyncpg.Record | None) -> Any:
    if record is None or not any(type(value) is Decimal for value in record.values()):
        return record
    return Row(tuple(record.keys()), (_plain(value) for value in record.values()))


@lru_cache(maxsize=4096)
def _sql(sql: str) -> str:
    return numbered_placeholders(sql)


_INTEGERS = {"int2", "int4", "int8"}
_FLOATS = {"float4", "float8", "numeric"}
_TEXTS = {"text", "varchar", "bpchar", "name"}


def _convert(value: Any, type_name: str) -> Any:
    """`value` as the server's parameter type needs it, as SQLite's type affinity would store it."""
    if value is None:
        return None
    if type_name in _INTEGERS:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif type_name in _FLOATS and isinstance(value, (int, str)) and not isinstance(value, bool):
        return float(value)
    elif type_name in _TEXTS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    elif type_name == "bool" and isinstance(value, int):
        return bool(value)
    elif type_name == "bytea" and isinstance(value, (memoryview, bytearray)):
        return bytes(value)
    return value


def _is_type_error(error: asyncpg.DataError) -> bool:
    return str(error).startswith("invalid input for query argument")


def _count(status: str) -> int:
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class Tx(database.Tx):
    dialect = POSTGRESQL
    for_update = " FOR NO KEY UPDATE"

    def __init__(self, conn: asyncpg.Connection, *, writable: bool = True) -> None:
        super().__init__()
        self._conn = conn
        if not writable:  # a read-only snapshot cannot lock rows (and needs not)
            self.for_update = ""

    async def _args(self, sql: str, params: Sequence[Any]) -> list[Any]:
        statement = await self._conn.prepare(sql)
        types = [t.name for t in statement.get_parameters()]
        return [_convert(value, name) for value, name in zip(params, types, strict=False)]

    async def _run(self, method: str, sql: str, params: Params) -> Any:
        sql = _sql(sql)
        args = list(params.values()) if isinstance(params, dict) else list(params)
        call = getattr(self._conn, method)
        try:
            return await call(sql, *args)
        except asyncpg.DataError as error:  # refused while encoding: nothing reached the server
            if not _is_type_error(error):
                raise
            return await call(sql, *(await self._args(sql, args)))

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _count(await self._run("execute", sql, params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        return await self._run("fetchval", sql + " RETURNING id", params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        sql = _sql(sql)
        batch = [list(row.values()) if isinstance(row, dict) else list(row) for row in rows]
        if not batch:
            return
        try:
            await self._conn.executemany(sql, batch)
        except asyncpg.DataError as error:
            if not _is_type_error(error):
                raise
            statement = await self._conn.prepare(sql)
            types = [t.name for t in statement.get_parameters()]
            await self._conn.executemany(
                sql, [[_convert(v, name) for v, name in zip(row, types, strict=False)] for row in batch]
            )

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        return _row(await self._run("fetchrow", sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        return [_row(record) for record in await self._run("fetch", sql, params)]

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        return _plain(await self._run("fetchval", sql, params))


def lock_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a name (the same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryHeld:
    """A session advisory lock on a connection of its own: held for as long as that connection lives."""

    def __init__(self, conn: asyncpg.Connection, key: int) -> None:
        self._conn = conn
        self._key = key
        self._lock = asyncio.Lock()

    async def alive(self) -> bool:
        async with self._lock:
            if self._conn.is_closed():
                return False
            try:
                await self._conn.fetchval("SELECT 1", timeout=5)
                return True
            except Exception:  # whatever went wrong, the lock cannot be trusted any more
                self._conn.terminate()  # the server frees it with the session
                return False

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """LISTEN on the lock's connection: the listening ends with the hold."""
        async with self._lock:
            await self._conn.add_listener(channel, lambda *_: callback())

    async def release(self) -> None:
        async with self._lock:
            if self._conn.is_closed():
                return
            try:
                await self._conn.execute("SELECT pg_advisory_unlock($1)", self._key, timeout=5)
                await self._conn.close(timeout=5)
            except Exception:
                self._conn.terminate()


class Database(database.Database):
    dialect = POSTGRESQL

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.url = url

    @classmethod
    async def open(cls, url: str, **_: Any) -> Database:  # type: ignore[override]
        pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE, statement_cache_size=1024)
        return cls(pool, url)

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._pool.acquire() as conn:
            tx = Tx(conn)
            mark = current_update.get()
            async with conn.transaction():
                yield tx
                if mark is not None and not mark.marked:
                    await _mark_processed(tx, mark.update_id)
            if mark is not None:
                mark.marked = True
        for callback in tx._after_commit:
            callback()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield Tx(conn, writable=False)

    async def try_hold(self, name: str) -> AdvisoryHeld | None:
        key = lock_key(name)
        conn = await asyncpg.connect(self.url)
        try:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                return AdvisoryHeld(conn, key)
        except BaseException:
            conn.terminate()
            raise
        await conn.close()
        return None

    async def ring(self, channels: list[str]) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_notify(c, '') FROM unnest($1::text[]) AS c", channels)

    async def backup_to(self, target: Path) -> None:
        """pg_dump's custom format (pg_restore reads it), written 0600 and moved into place whole."""
        partial = target.with_suffix(target.suffix + ".partial")
        partial.unlink(missing_ok=True)
        private_file(partial)
        await _run_tool("pg_dump", "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={self.url}")
        partial.replace(target)


def tool(name: str) -> str:
    """A PostgreSQL client program: on the PATH, or in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return str(candidates[-1])


async def _run_tool(name: str, *args: str) -> None:
    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([tool(name), *args], capture_output=True, text=True, check=False)

    result = await asyncio.to_thread(run)
    if result.returncode != 0:
        raise RuntimeError(f"{name} failed: {result.stderr.strip().splitlines()[-1] if result.stderr else ''}")


async def restore_from(url: str, source: Path) -> None:
    """Replace the database's contents with a pg_dump custom-format file (objects dropped first)."""
    await _run_tool(
        "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={url}", str(source)
    )


async def _mark_processed(tx: Tx, update_id: int) -> None:
    """Mark the update being handled processed, with this transaction's effects. If another instance
    marked it first (the row lock made this one wait for it), nothing of this one may commit."""
    if await tx.execute(MARK_PROCESSED, (time.time(), update_id)):
        return
    if await tx.fetchval("SELECT 1 FROM inbox WHERE update_id = ? AND processed_at IS NOT NULL", (update_id,)):
        raise AlreadyHandled(update_id)
