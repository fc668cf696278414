"""Several writers at once (PostgreSQL), leadership holds on both engines, migrations under a lock.

The PostgreSQL tests run in CI's PostgreSQL pass (TEST_DATABASE_URL) and are skipped without it.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.domain import intake
from bot.domain.complaint import NewComplaint, Status
from bot.domain.intake import ContactMode, Draft
from db.database import IntegrityError, open_database
from db.migrate import available, migrate
from db.repositories import complaints, users
from tests import dbaccess


def draft() -> Draft:
    d = intake.choose_category(Draft(), "drugs", {"drugs"})
    d = intake.choose_place(d, "171001", ["17", "1710", "171001"])
    d = intake.finish_description(intake.add_description(d, "Drugs sold near the school."))
    return intake.set_contact(intake.finish_evidence(d), ContactMode.ANONYMOUS, None)


@pytest.fixture
async def db(tmp_path):
    database = await dbaccess.open_db(tmp_path / "bot.sqlite3")
    await migrate(database)  # PostgreSQL's copy of the template is migrated already
    yield database
    await database.close()


async def test_strict_types_are_converted_in_the_backend(db):
    """Repositories pass what SQLite accepts (an int for text, a float for an integer)."""
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO schedules (name, due_at) VALUES (?, ?)", (7, 5))
        await tx.execute("INSERT INTO housekeeping_marks (name, value) VALUES (?, ?)", ("m", 3.0))
    async with db.read() as tx:
        assert tuple(await tx.fetchone("SELECT name, due_at FROM schedules")) == ("7", 5.0)
        assert await tx.fetchval("SELECT SUM(value) FROM housekeeping_marks") == 3


@dbaccess.postgres_only
async def test_history_and_audit_log_refuse_changes_on_postgresql(db):
    async with db.transaction() as tx:
        await users.touch(tx, 42)
        filed = await complaints.file(tx, NewComplaint(42, 1, draft(), "en"), 2025)
        await complaints.add_event(tx, filed.id, "citizen", 42, "filed", None, "submitted")
        await tx.execute("INSERT INTO audit_log (at, action) VALUES (1.0, 'bind')")
    for statement in (
        "UPDATE complaint_events SET action = 'x'",
        "DELETE FROM complaint_events",
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(IntegrityError, match="append-only"):
            async with db.transaction() as tx:
                await tx.execute(statement)
    # /forget's one allowed change: the citizen's id on their own events becomes a pseudonym.
    async with db.transaction() as tx:
        assert await tx.execute("UPDATE complaint_events SET actor_id = -5 WHERE actor_kind = 'citizen'") == 1
    with pytest.raises(IntegrityError, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE complaint_events SET actor_id = -6, detail = 'x'")


@dbaccess.postgres_only
async def test_two_concurrent_acknowledgements_act_once(db):
    """Two transactions decide on the complaint's state at once: the lifecycle's locked read
    (complaints.get(lock=True), as bot/services/lifecycle.py load does) lets only the first act."""
    async with db.transaction() as tx:
        await users.touch(tx, 42)
        filed = await complaints.file(tx, NewComplaint(42, 1, draft(), "en"), 2025)
    both_read = asyncio.Barrier(2)
    acted: list[bool] = []

    async def acknowledge() -> None:
        async with db.transaction() as tx:
            await asyncio.wait_for(both_read.wait(), 5)  # both are in a transaction before either reads
            complaint = await complaints.get(tx, filed.id, lock=True)
            assert complaint is not None
            if complaint.status != Status.SUBMITTED:
                acted.append(False)
                return
            await asyncio.sleep(0.2)  # the other one is waiting on the lock now
            await tx.execute("UPDATE complaints SET status = 'acknowledged' WHERE id = ?", (filed.id,))
            await complaints.add_event(tx, filed.id, "officer", 7, "acknowledged", "submitted", "acknowledged")
            acted.append(True)

    await asyncio.gather(acknowledge(), acknowledge())
    assert sorted(acted) == [False, True]
    async with db.read() as tx:
        assert await tx.fetchval("SELECT COUNT(*) FROM complaint_events WHERE action = 'acknowledged'") == 1


@dbaccess.postgres_only
async def test_concurrent_filing_never_reuses_a_tracking_number(db, monkeypatch):
    """Both transactions draw the same number while neither has committed: the second waits for
    the first, finds the number taken and draws again (a check before inserting would have let both in)."""
    from bot.domain import tracking

    drawn = iter([tracking.generate()] * 2 + [tracking.generate()])
    monkeypatch.setattr(complaints.tracking, "generate", lambda: next(drawn))
    async with db.transaction() as tx:
        await users.touch(tx, 42)
        await users.touch(tx, 43)
    first_inserted = asyncio.Event()

    async def file(citizen: int, hold: float) -> str:
        async with db.transaction() as tx:
            if citizen == 43:
                await first_inserted.wait()
            filed = await complaints.file(tx, NewComplaint(citizen, 1, draft(), "en"), 2025)
            first_inserted.set()
            await asyncio.sleep(hold)  # still uncommitted while the other tries the same number
            return filed.tracking_no

    numbers = await asyncio.gather(file(42, 0.3), file(43, 0))
    assert len(set(numbers)) == 2


@dbaccess.postgres_only
async def test_two_instances_migrating_at_once_apply_each_migration_once(tmp_path):
    url = dbaccess.url_for(tmp_path / "empty.sqlite3", migrated=False)
    first, second = await open_database(url), await open_database(url)
    try:
        applied = await asyncio.gather(migrate(first), migrate(second))
        assert sorted(applied[0] + applied[1]) == [v for v, _ in available()]
        async with first.read() as tx:
            assert await tx.fetchval("SELECT COUNT(*) FROM schema_migrations") == len(available())
    finally:
        await first.close()
        await second.close()


async def test_a_held_name_is_refused_to_a_second_holder_until_released(db):
    held = await db.try_hold("leader")
    assert held is not None and await held.alive()
    assert await db.try_hold("leader") is None
    other = await db.try_hold("another")
    assert other is not None
    await held.release()
    assert not await held.alive()
    again = await db.try_hold("leader")
    assert again is not None
    await again.release()
    await other.release()


@dbaccess.postgres_only
async def test_killing_the_holders_connection_frees_the_name(db):
    held = await db.try_hold("leader")
    assert held is not None and await db.try_hold("leader") is None
    admin = await asyncpg.connect(db.url)
    try:
        # What the server sees when the holder's machine dies: its session ends. Only this test's
        # database: the other tests running at once on the same server hold locks of their own.
        await admin.execute(
            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()"
            " AND d.datname = current_database()"
        )
    finally:
        await admin.close()
    assert not await held.alive()
    successor = await db.try_hold("leader")
    assert successor is not None
    await successor.release()


@dbaccess.postgres_only
async def test_an_update_two_instances_handle_at_once_takes_effect_once(db):
    """The inbox's processed mark commits with the effects; the second instance's mark finds it set
    (after waiting on the row lock) and its whole transaction is rolled back."""
    from db.database import AlreadyHandled, UpdateMark, current_update
    from db.repositories import inbox

    async with db.transaction() as tx:
        await inbox.store(tx, [inbox.InboxItem(77, "c1", "{}")])
    entered, release = asyncio.Event(), asyncio.Event()

    async def handle(user_id: int, wait: bool) -> None:
        token = current_update.set(UpdateMark(77))
        try:
            async with db.transaction() as tx:
                await users.touch(tx, user_id)
                if wait:
                    entered.set()
                    await release.wait()
        finally:
            current_update.reset(token)

    first = asyncio.create_task(handle(1, wait=True))
    await entered.wait()
    second = asyncio.create_task(handle(2, wait=False))  # marks the update while the first still works
    await asyncio.sleep(0.2)
    release.set()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert [type(r) for r in results] == [AlreadyHandled, type(None)]  # the first to mark wins
    async with db.read() as tx:
        assert [r[0] for r in await tx.fetchall("SELECT user_id FROM users ORDER BY user_id")] == [2]


async def _waiting_on_locks(conn: asyncpg.Connection) -> int:
    return await conn.fetchval(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )


@dbaccess.postgres_only
async def test_forget_and_the_senders_marks_wait_for_each_other_instead_of_deadlocking(db):
    """CI once saw /forget and the sender's batch of marks deadlock: each held an outbox row of the
    citizen's chat the other needed. Both now lock their rows in id order first. The order that
    deadlocked is forced here: the marks (second row first) wait behind a third transaction holding
    the second row; /forget starts meanwhile; then the third lets go."""
    from bot.outgoing import Outgoing
    from bot.sendlog import SendLog
    from db.repositories import forgetting, outbox

    async with db.transaction() as tx:
        await users.touch(tx, 42)
        filed = await complaints.file(tx, NewComplaint(42, 1, draft(), "en"), 2025)
        await tx.execute("UPDATE complaints SET status = 'resolved' WHERE id = ?", (filed.id,))
        about = await outbox.add(tx, Outgoing(42, "sendMessage", {"text": "Resolved."}, complaint_id=filed.id))
        other = await outbox.add(tx, Outgoing(42, "sendMessage", {"text": "Your complaints"}))
        await tx.execute("UPDATE outbox SET state = 'sent' WHERE id IN (?, ?)", (about, other))
    marks = SendLog(db, on_flushed=lambda _: None)
    marks.attempted(other)
    marks.attempted(about)

    async def forget() -> None:
        async with db.transaction() as tx:
            await forgetting.pseudonymise_closed(tx, 42)

    watcher = await asyncpg.connect(db.url)
    blocker = await asyncpg.connect(db.url)
    try:
        holding = blocker.transaction()
        await holding.start()
        await blocker.execute("SELECT id FROM outbox WHERE id = $1 FOR UPDATE", other)
        flushing = asyncio.create_task(marks.flush())
        for _ in range(200):
            if await _waiting_on_locks(watcher) == 1:
                break
            await asyncio.sleep(0.01)
        forgetting_task = asyncio.create_task(forget())
        for _ in range(200):
            if await _waiting_on_locks(watcher) == 2:
                break
            await asyncio.sleep(0.01)
        assert await _waiting_on_locks(watcher) == 2
        await holding.commit()
        results = await asyncio.wait_for(asyncio.gather(flushing, forgetting_task, return_exceptions=True), 10)
    finally:
        await blocker.close()
        await watcher.close()
    assert results == [None, None]
    async with db.read() as tx:
        rows = await tx.fetchall("SELECT id, complaint_id, payload, last_attempt_at FROM outbox ORDER BY id")
    assert [(r[0], r[1], r[2]) for r in rows] == [(about, None, outbox.WIPED), (other, None, outbox.WIPED)]
    assert all(r[3] is not None for r in rows)
