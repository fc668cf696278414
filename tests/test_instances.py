"""Chat leases and leadership on the bot's own database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
one holder per chat, a dead lease taken over, the scanner's view, one leader and its fail-over."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot import instances
from db.migrate import migrate
from db.repositories import inbox, leases
from db.repositories.inbox import InboxItem
from tests import dbaccess


@pytest.fixture
async def db(tmp_path):
    database = await dbaccess.open_db(tmp_path / "bot.sqlite3")
    await migrate(database)
    yield database
    await database.close()


async def test_one_holder_per_chat_until_it_releases_or_its_lease_runs_out(db) -> None:
    now = time.time()
    async with db.transaction() as tx:
        assert await leases.take(tx, ["c1", "c2"], "a", now, now + 10) == {"c1", "c2"}
    async with db.transaction() as tx:
        assert await leases.take(tx, ["c1", "c3"], "b", now, now + 10) == {"c3"}  # c1 is a's
        assert await leases.take(tx, ["c1"], "a", now, now + 20) == {"c1"}  # renewing one's own
    async with db.transaction() as tx:
        await leases.release(tx, "c2", "b")  # not b's: nothing happens
        assert await leases.take(tx, ["c2"], "b", now, now + 10) == set()
        await leases.release(tx, "c2", "a")
        assert await leases.take(tx, ["c2"], "b", now, now + 10) == {"c2"}
    later = now + 30  # a's leases ran out (a was killed)
    async with db.transaction() as tx:
        assert await leases.take(tx, ["c1"], "b", later, later + 10) == {"c1"}
        assert await leases.renew_all(tx, "a", later + 10) == 0  # a holds nothing any more


async def test_the_scanner_sees_waiting_chats_without_a_live_lease(db) -> None:
    now = time.time()
    async with db.transaction() as tx:
        await inbox.store(tx, [InboxItem(1, "c1", "{}"), InboxItem(2, "c2", "{}"), InboxItem(3, "c3", "{}")])
        await inbox.mark_processed(tx, 3)
        await leases.take(tx, ["c1"], "a", now, now + 10)
    async with db.read() as tx:
        assert await leases.unattended_chats(tx, now, "b") == ["c2"]  # c1 is a's; c3 has nothing waiting
        assert sorted(await leases.unattended_chats(tx, now, "a")) == ["c1", "c2"]  # a's own: if it dropped it
        assert sorted(await leases.unattended_chats(tx, now + 11, "b")) == ["c1", "c2"]
        assert [i.update_id for i in await inbox.pending_of_chat(tx, "c1")] == [1]


async def test_one_leader_and_a_fail_over(db) -> None:
    running: list[str] = []

    def duties(name: str):
        async def lead(over: asyncio.Event) -> None:
            running.append(name)
            await over.wait()

        return lambda: [("duty", lead)]

    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first = instances.Leadership(db, "a", duties("a"))
    second = instances.Leadership(db, "b", duties("b"))
    first_task = asyncio.create_task(first.run(first_stop))
    await asyncio.wait_for(first.leading.wait(), 5)
    second_task = asyncio.create_task(second.run(second_stop))
    await asyncio.sleep(instances.LEADER_RETRY + 0.5)
    assert running == ["a"] and not second.leading.is_set()
    first_stop.set()  # the leader goes: the other takes over within a retry
    await asyncio.wait_for(first_task, 20)
    await asyncio.wait_for(second.leading.wait(), instances.LEADER_RETRY + 5)
    assert running == ["a", "b"]
    second_stop.set()
    await asyncio.wait_for(second_task, 20)


async def test_a_leader_that_loses_its_lock_stops_leading(db, monkeypatch) -> None:
    monkeypatch.setattr(instances, "LEADER_RETRY", 0.2)
    stopped = asyncio.Event()

    async def lead(over: asyncio.Event) -> None:
        await over.wait()
        stopped.set()

    leadership = instances.Leadership(db, "a", lambda: [("duty", lead)])
    held: list = []
    real_try_hold = instances.try_hold

    async def recording(database, name):
        got = await real_try_hold(database, name)
        if got is not None:
            held.append(got)
        return got

    monkeypatch.setattr(instances, "try_hold", recording)
    stop = asyncio.Event()
    task = asyncio.create_task(leadership.run(stop))
    await asyncio.wait_for(leadership.leading.wait(), 5)

    async def lost() -> bool:
        return False

    held[0].alive = lost  # e.g. its PostgreSQL connection died: the server freed the lock
    await asyncio.wait_for(stopped.wait(), 5)  # its duties were told to end
    await asyncio.wait_for(leadership.leading.wait(), 5)  # and it leads again once it holds the lock anew
    assert len(held) == 2
    stop.set()
    await asyncio.wait_for(task, 20)


@dbaccess.postgres_only
async def test_what_another_instance_queues_wakes_the_leader_at_once(db) -> None:
    """The bell: a ring here calls the leader's answer directly; a ring from another instance reaches
    it by NOTIFY on the lock's connection; after the term nothing is answered."""
    heard: list[str] = []
    woken = asyncio.Event()

    def answer() -> None:
        heard.append("outbox")
        woken.set()

    held = await db.try_hold("leader")
    assert held is not None
    leader, other = instances.Bell(db), instances.Bell(db)
    await leader.answer(held, {instances.OUTBOX: answer})
    leader.ring(instances.OUTBOX)
    assert heard == ["outbox"]  # directly, no round trip
    woken.clear()
    other.ring(instances.OUTBOX)
    await asyncio.wait_for(woken.wait(), 5)
    assert heard == ["outbox", "outbox"]
    other.ring(instances.SWEEP)  # a channel nobody answers is simply not heard
    leader.term_over()
    await held.release()
    other.ring(instances.OUTBOX)
    await asyncio.sleep(0.3)
    assert heard == ["outbox", "outbox"]
