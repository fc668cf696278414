"""The bot's database as tests reach it, on either engine.

Tests name a database by a file path (`tmp_path / "bot.sqlite3"`). Normally that is the SQLite file.
With TEST_DATABASE_URL=postgresql://… (a server the caller started, e.g. `python -m tools.pg_cluster
run -- …`), the same path names a fresh PostgreSQL database instead: created on first use from a
template database that the real migration runner migrated once, and dropped after the test
(conftest.py). Everything a test does to the database directly goes through here:

- `url_for(path)`: the DATABASE_URL the bot is given;
- `open_db(path)`: the bot's own `Database` on it (async);
- `connect(path)`: a synchronous connection like sqlite3's (`execute(sql, params)` with `?`
  placeholders, `executemany`, `commit`, `with conn:` commits), for tests that write from a thread;
- `query(path, sql, params)`: rows read in a separate connection.

Tests about SQLite itself (file modes, VACUUM INTO) are marked `sqlite_only` and skipped on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from db.database import Database, open_database
from db.dialect import format_placeholders
from db.postgres import Row

PG_URL = os.environ.get("TEST_DATABASE_URL") or None
ON_POSTGRES = PG_URL is not None

# What a test expects a refused statement to raise, whichever engine refused it.
IntegrityError: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.errors.IntegrityError)

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="about SQLite itself (the PostgreSQL pass skips it)")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: set TEST_DATABASE_URL")

_created: list[str] = []
_template: str | None = None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin() -> psycopg.Connection:
    assert PG_URL is not None
    return psycopg.connect(PG_URL, autocommit=True)


def _migrations_digest() -> str:
    from db.migrate import available

    digest = hashlib.sha1()
    for _, path in available():
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _migrate_in_thread(url: str) -> None:
    """Run the bot's own migration runner on `url` (from sync code, maybe inside a running loop)."""
    from db.migrate import migrate

    async def run() -> None:
        db = await open_database(url)
        try:
            await migrate(db)
        finally:
            await db.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def _template_name() -> str:
    """A database migrated by the runner, copied for each test (several pytest workers share it)."""
    global _template
    if _template is None:
        name = f"tpl_{_migrations_digest()}"
        with _admin() as admin:
            admin.execute("SELECT pg_advisory_lock(4242)")
            try:
                exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
                if not exists:
                    admin.execute(f'CREATE DATABASE "{name}_partial" TEMPLATE template0')
                    assert PG_URL is not None
                    _migrate_in_thread(_with_database(PG_URL, f"{name}_partial"))
                    admin.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
            finally:
                admin.execute("SELECT pg_advisory_unlock(4242)")
        _template = name
    return _template


def database_name(path: Path) -> str:
    return "t_" + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:24]


def url_for(path: Path, *, migrated: bool = True) -> str:
    """DATABASE_URL for the database a test calls `path`: the file, or a fresh PostgreSQL database."""
    if PG_URL is None:
        return f"sqlite:///{path}"
    name = database_name(path)
    if name not in _created:
        template = _template_name() if migrated else "template0"
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        _created.append(name)
    return _with_database(PG_URL, name)


def drop_created() -> None:
    """Drop the databases this test created (connections still open to them are ended)."""
    if not _created:
        return
    with _admin() as admin:
        while _created:
            admin.execute(f'DROP DATABASE IF EXISTS "{_created.pop()}" WITH (FORCE)')


async def open_db(path: Path) -> Database:
    return await open_database(url_for(path))


class _PgConnection:
    """psycopg behind sqlite3's connection surface, as far as the tests use it."""

    def __init__(self, url: str) -> None:
        self._conn = psycopg.connect(url)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        cursor = self._conn.cursor()
        cursor.execute(format_placeholders(sql), tuple(params) or None)
        return _Cursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(format_placeholders(sql), [tuple(r) for r in rows])

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> _PgConnection:
        return self

    def __exit__(self, kind: object, *_: object) -> None:  # like sqlite3: commit or roll back, keep open
        if kind is None:
            self._conn.commit()
        else:
            self._conn.rollback()


class _Cursor:
    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    def _row(self, values: Sequence[Any] | None) -> Row | None:
        if values is None:
            return None
        names = tuple(column.name for column in self._cursor.description or ())
        return Row(names, values)

    def fetchone(self) -> Row | None:
        return self._row(self._cursor.fetchone()) if self._cursor.description else None

    def fetchall(self) -> list[Row]:
        if not self._cursor.description:
            return []
        return [row for row in map(self._row, self._cursor.fetchall()) if row is not None]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.fetchall())


def connect(path: Path, **sqlite_options: Any) -> Any:
    """A synchronous connection to the database `path` names (sqlite3's, or one that behaves like it)."""
    if PG_URL is None:
        return sqlite3.connect(path, **sqlite_options)
    return _PgConnection(url_for(path))


def connect_url(url: str) -> Any:
    """The same, for a DATABASE_URL (bench/scale.py seeds the database it is given)."""
    if url.startswith("postgresql"):
        return _PgConnection(url)
    return sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)


def exists(path: Path) -> bool:
    """Whether the bot has created its database yet (a PostgreSQL one exists from `url_for` on)."""
    return ON_POSTGRES or Path(path).exists()


def query(path: Path, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows read in a separate, read-only connection (row["col"], row[0])."""
    if PG_URL is None:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, tuple(params)).fetchall()
        finally:
            conn.close()
    conn = _PgConnection(url_for(path))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def reset_sequences(conn: Any) -> None:
    """After rows were written with explicit ids: PostgreSQL's identity columns continue after them
    (SQLite's rowids do by themselves)."""
    if not ON_POSTGRES:
        return
    columns = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_identity = 'YES'"
    ).fetchall()
    for table, column in columns:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )
