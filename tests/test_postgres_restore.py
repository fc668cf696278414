"""A restore drill through `run_bot.py backup` and `run_bot.py restore`, on each engine: file a
complaint, back up, change things, restore: the complaint is as it was, and the later change is gone.

SQLite always; PostgreSQL in the PostgreSQL pass (TEST_DATABASE_URL; pg_dump/pg_restore of Debian's
postgresql package).
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from pathlib import Path

import pytest

from bot.domain import intake
from bot.domain.complaint import NewComplaint
from bot.domain.intake import ContactMode, Draft
from db.database import open_database
from db.migrate import migrate
from db.repositories import complaints, users
from tests import dbaccess

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ["sqlite", pytest.param("postgresql", marks=dbaccess.postgres_only)]


def url_of(engine: str, path: Path) -> str:
    return f"sqlite:///{path}" if engine == "sqlite" else dbaccess.url_for(path)


async def run_bot(url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "BOT_TOKEN": "1:x", "DATABASE_URL": url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "run_bot.py",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


def a_draft() -> Draft:
    d = intake.choose_category(Draft(), "drugs", {"drugs"})
    d = intake.choose_place(d, "171001", ["17", "1710", "171001"])
    d = intake.finish_description(intake.add_description(d, "Drugs sold near the school."))
    return intake.set_contact(intake.finish_evidence(d), ContactMode.ANONYMOUS, None)


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_restore_puts_back_the_complaints_as_they_were(engine, tmp_path):
    url = url_of(engine, tmp_path / "bot.sqlite3")
    db = await open_database(url)
    try:
        await migrate(db)
        async with db.transaction() as tx:
            await users.touch(tx, 42)
            filed = await complaints.file(tx, NewComplaint(42, 1, a_draft(), "en"), 2025)
    finally:
        await db.close()

    backup = tmp_path / "backups" / "bot.backup"
    code, out, err = await run_bot(url, "backup", str(backup))
    assert code == 0, err
    assert out.strip() == f"backup written to {backup}"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    db = await open_database(url)
    try:  # after the backup: the complaint changes, another is filed
        async with db.transaction() as tx:
            await tx.execute(
                "UPDATE complaints SET description = 'changed', status = 'rejected' WHERE id = ?", (filed.id,)
            )
            await users.touch(tx, 43)
            await complaints.file(tx, NewComplaint(43, 1, a_draft(), "en"), 2025)
    finally:
        await db.close()

    code, out, err = await run_bot(url, "restore", str(backup))
    assert code == 0, err
    assert out.startswith(f"restored {backup} (") and "no bot instance is running" in err

    db = await open_database(url)
    try:
        async with db.read() as tx:
            assert await complaints.get(tx, filed.id) == filed
            assert await tx.fetchval("SELECT COUNT(*) FROM complaints") == 1
        assert await migrate(db) == []
    finally:
        await db.close()


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_file_that_is_no_backup_is_refused_and_the_database_stays(engine, tmp_path):
    url = url_of(engine, tmp_path / "bot.sqlite3")
    db = await open_database(url)
    await migrate(db)
    await db.close()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 100)
    code, out, err = await run_bot(url, "restore", str(junk))
    assert code == 1 and out == "" and err.strip().splitlines()[-1].startswith("restore failed: ")
    db = await open_database(url)
    try:
        assert await migrate(db) == []  # still the bot's database
    finally:
        await db.close()
