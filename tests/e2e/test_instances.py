"""Two instances of the unmodified `python run_bot.py` in webhook mode, sharing one PostgreSQL database,
behind a round-robin loopback proxy, with the fake Telegram delivering webhooks. Citizens file
complaints while the leading instance (the one sending) is killed with SIGKILL: every complaint is
filed once, every card is delivered, Telegram's rate windows hold, every deadline fires once."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain import tracking
from sandbox.balancer import RoundRobin
from sandbox.fake_telegram import FakeTelegram
from tests import dbaccess
from tests.conftest import Conversation
from tests.e2e.test_run_bot import ROOT, BotProcess
from tests.stations import POST, World, file_complaint
from tests.test_webhook import HOOK, SECRET, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not dbaccess.ON_POSTGRES, reason="several instances need PostgreSQL: set TEST_DATABASE_URL"),
]

CITIZENS = 6
DEADLINES = {"ACK_DEADLINE": "6s", "ESCALATION_STEP": "1h", "RESOLVE_DEADLINE": "1h", "SWEEP_INTERVAL": "0.5s"}


class Instance(BotProcess):
    """A bot process whose output goes to a file (a pipe nobody reads would fill up and block it)."""

    def __init__(self, fake: FakeTelegram, db_path: Path, log_path: Path, **env: str) -> None:
        super().__init__(fake, db_path, **env)
        self.log_path = log_path

    async def start(self) -> None:
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "run_bot.py", cwd=ROOT, env=self.env, stdout=log_file, stderr=log_file
            )


class _Reader:
    """What World needs of a running bot: reading its database."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def query(self, sql: str, params: tuple = ()) -> list:
        return dbaccess.query(self.db_path, sql, params)


async def until_listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no instance listening on port {port} after {timeout}s") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, list[Instance], World, RoundRobin]]:
    fake = FakeTelegram()
    await fake.start()
    ports = [free_port(), free_port()]
    proxy = RoundRobin(ports)
    fake.poller.webhooks.via = await proxy.start()
    db = tmp_path / "bot.sqlite3"  # names a fresh PostgreSQL database (tests/dbaccess.py)
    admin = fake.user("Admin", language_code="en", username="ministry_admin")
    instances = [
        Instance(
            fake,
            db,
            tmp_path / f"bot-{n}.log",
            DATABASE_URL=dbaccess.url_for(db),
            WEBHOOK_URL=HOOK,
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            INSTANCE_ID=f"bot-{n}",
            ADMIN_IDS=str(admin.id),
            **DEADLINES,
        )
        for n, port in enumerate(ports, start=1)
    ]
    for instance in instances:
        await instance.start()
    await fake.wait_for(lambda: fake.world.webhook is not None, timeout=30, what="setWebhook")
    for port in ports:  # the balancer skips an instance still starting: the load must reach both
        await until_listening(port)
    admin.send("/start")
    picker = await fake.next_bot_message(admin.chat_id, timeout=30)
    admin.press(picker, "lang:en")
    await fake.wait_for_edit(admin.chat_id, picker.message_id)
    fake.consume_all(admin.chat_id)
    world = World(fake, _Reader(db), admin)  # type: ignore[arg-type]
    await world.bind(POST)
    try:
        yield fake, instances, world, proxy
    finally:
        for instance in instances:
            if instance.process is not None and instance.process.returncode is None:
                instance.process.send_signal(signal.SIGKILL)
                await instance.process.wait()
        await proxy.stop()
        await fake.stop()
        for n in (1, 2):
            print(f"--- bot-{n} log ---\n{(tmp_path / f'bot-{n}.log').read_text(errors='replace')[-20000:]}")


async def test_killing_instances_mid_load_loses_nothing(cluster) -> None:
    """A SIGKILL of the instance that does not send, mid-load: its chats (their leases run out) go on
    on the other. Then a SIGKILL of the leader while deadlines are due: the restarted instance takes
    over sending and the sweep. (A leader killed mid-load would repeat the few messages Telegram had
    accepted just before the kill, as the outbox allows; a person then presses the newer copy, which
    the scripted citizens of file_complaint do not.)"""
    fake, instances, world, proxy = cluster
    db = world.bot.db_path
    citizens = [Conversation(fake, fake.user(f"Citizen {i}", language_code="en")) for i in range(CITIZENS)]
    leader_row = dbaccess.query(db, "SELECT owner FROM heartbeats WHERE name = 'sender'")
    assert leader_row, "the leader writes the sender's heartbeat"
    leader = instances[int(leader_row[0]["owner"].removeprefix("bot-")) - 1]
    other = next(i for i in instances if i is not leader)

    async def kill_mid_load() -> None:
        await fake.wait_for(lambda: len(dbaccess.query(db, "SELECT user_id FROM drafts")) >= 3, timeout=60)
        await other.kill()
        print(f"killed {other.env['INSTANCE_ID']} at {time.strftime('%H:%M:%S')}")

    killer = asyncio.create_task(kill_mid_load())
    numbers = await asyncio.gather(*(file_complaint(c, text=f"Complaint number {i}.") for i, c in enumerate(citizens)))
    await killer
    assert all(proxy.forwarded.values()), "both instances received updates"
    await other.start()  # back, and behind the balancer again
    await leader.kill()  # deadlines fall due from now on: the restarted instance fires them
    print(f"killed {leader.env['INSTANCE_ID']} at {time.strftime('%H:%M:%S')}")

    rows = dbaccess.query(db, "SELECT tracking_no, description FROM complaints ORDER BY id")
    assert sorted(r["description"] for r in rows) == sorted(f"Complaint number {i}." for i in range(CITIZENS))
    assert sorted(r["tracking_no"] for r in rows) == sorted(numbers)  # each filed once
    cards = [await world.card(POST, number, timeout=30) for number in numbers]

    def reminded(number: str) -> bool:  # under its card, or in a digest naming it
        shown = tracking.display(number, "en")
        messages = fake.bot_messages(world.groups[POST].id)
        # The card, and the copy the leader's successor sends again if the kill came between
        # Telegram accepting the card and the send log recording it (the outbox repeats, never loses).
        copies = {m.message_id for m in messages if shown in m.plain_text}
        return any(
            "overdue" in m.plain_text and (m.reply_to_message_id in copies or shown in m.plain_text) for m in messages
        )

    assert len(cards) == len(numbers)
    # (the group gets 20 messages a minute: cards, reminders and the bot's other messages share them)
    await fake.wait_for(lambda: all(reminded(n) for n in numbers), timeout=90, what="the reminders")
    await asyncio.sleep(2.0)  # time for a second firing, were there one
    fired = dbaccess.query(
        db,
        "SELECT complaint_id, COUNT(*) AS n FROM deadlines WHERE fired_at IS NOT NULL "
        "AND kind = 'acknowledge' AND stage = 0 GROUP BY complaint_id",
    )
    assert len(fired) == CITIZENS and all(r["n"] == 1 for r in fired)  # every deadline fired, once

    assert not dbaccess.query(db, "SELECT update_id FROM inbox WHERE processed_at IS NULL")
    assert not fake.pending_updates()
    report = fake.limit_report()
    assert report.max_per_second_overall <= 30 and report.max_per_minute_per_group <= 20, report
    assert await other.terminate() == 0
    repeats = "message is not modified"  # an edit repeated after the kill: Telegram had accepted it
    assert [e for e in fake.errors if repeats not in e.description] == []
