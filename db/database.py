"""The database, whatever engine holds it: SQLite (embedded, the default) or PostgreSQL (several
instances, one shared server).

`open_database(url)` picks the backend from DATABASE_URL: db/sqlite.py (one connection, one
transaction at a time) or db/postgres.py (a pool; transactions run concurrently). Both give the same
surface: `transaction()` (a write transaction), `read()` (a consistent read-only snapshot), and a
`Tx` with `execute/insert/executemany/fetchone/fetchall/fetchval/after_commit`. Rows answer
`row["col"]`, `row[0]` and `dict(row)` on both.

Repositories receive the `Tx` and use portable SQL in SQLite's spelling (`?` placeholders, ON
CONFLICT, no engine-only functions); db/dialect.py translates it for PostgreSQL. Where a
read-then-write needs the row to stay as read (several writers on PostgreSQL), the repository
appends `tx.for_update` (" FOR NO KEY UPDATE" on PostgreSQL; nothing on SQLite, whose write transactions
are serial anyway).

Leadership (one instance runs the sender, the sweep): `await db.try_hold(name)` gives a `Held` or
None: a PostgreSQL advisory lock on a connection of its own (the server frees it when that
connection dies), or a process-local hold on SQLite.
"""

from __future__ import annotations

import contextvars
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

import asyncpg

Params = Sequence[Any] | dict[str, Any]
Row = Any  # sqlite3.Row, or db.postgres.Row: both answer row["col"], row[0], dict(row)

# A statement refused by a constraint (unique, foreign key, not null, the append-only triggers).
IntegrityError: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
# Only a unique key already taken (on SQLite, any constraint: it does not tell them apart by type).
UniqueViolation: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)
# The engine rolled a transaction back because it waited for another one that waited for it (a
# deadlock), or could not be ordered after it: nothing of it was kept, and the same work run again
# normally succeeds. Only PostgreSQL's concurrent writers meet it; SQLite's writes are serial.
WriteConflict: tuple[type[Exception], ...] = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


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
    processed in the inbox, atomically with its effects, so a crash can never apply it twice.

    A handling whose transaction met a write conflict before anything of it committed may run again
    (`retries_left`); the error handler then sets `retry` instead of telling the person it failed."""

    def __init__(self, update_id: int, retries_left: int = 0) -> None:
        self.update_id = update_id
        self.marked = False
        self.retries_left = retries_left
        self.retry = False

    def may_retry(self, error: BaseException | None) -> bool:
        return isinstance(error, WriteConflict) and not self.marked and self.retries_left > 0


current_update: contextvars.ContextVar[UpdateMark | None] = contextvars.ContextVar("current_update", default=None)

MARK_PROCESSED = "UPDATE inbox SET processed_at = ? WHERE update_id = ? AND processed_at IS NULL"


class AlreadyHandled(Exception):
    """Another instance marked this update processed first: this transaction's effects are rolled
    back, so an update is acted on once even if two instances ever handle it at the same time."""


class Held(Protocol):
    """A name held by this process (leadership) until released or until its holder's connection dies."""

    async def alive(self) -> bool: ...
    async def release(self) -> None: ...
    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call `callback` whenever another process calls Database.ring(channel), while held."""
        ...


class Tx:
    """A running transaction (or read snapshot). The backends implement the statements."""

    dialect: str
    for_update: str  # appended to a SELECT whose rows this transaction will change

    def __init__(self) -> None:
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the number of rows changed."""
        raise NotImplementedError

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT into a table with an `id` key; returns the new row's id."""
        raise NotImplementedError

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. wake the outbox sender)."""
        self._after_commit.append(callback)


class Database:
    """The interface both backends implement."""

    dialect: str

    @classmethod
    async def open(cls, path: Path, *, synchronous: str = "FULL") -> Database:
        """An SQLite database file (kept for callers that always mean a file: the sandbox, benches)."""
        from db.sqlite import Database as SqliteDatabase

        return await SqliteDatabase.open(path, synchronous=synchronous)

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    def read(self) -> AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def try_hold(self, name: str) -> Held | None:
        raise NotImplementedError

    async def ring(self, channels: list[str]) -> None:
        """Wake the listeners of `channels` in other processes (Held.listen). Nothing to do where
        one process uses the database (SQLite)."""

    async def backup_to(self, target: Path) -> None:
        """A consistent, checked copy of the whole database in `target` (0600)."""
        raise NotImplementedError


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url_or_path: str | Path) -> Path:
    text = str(url_or_path)
    return Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else Path(text)


async def open_database(url_or_path: str | Path, **options: Any) -> Database:
    """`postgresql://…` (or `postgres://…`): PostgreSQL; `sqlite:///…` or a path: an SQLite file."""
    if isinstance(url_or_path, str) and is_postgres_url(url_or_path):
        from db.postgres import Database as PostgresDatabase

        return await PostgresDatabase.open(url_or_path, **options)
    return await Database.open(sqlite_path(url_or_path), **options)
