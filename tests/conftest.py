"""Shared test harness: the fake Telegram server, and the unmodified bot pointed at it.

In-process tests run `bot.app.run` on the test's event loop with settings that differ from
production only in their values (TELEGRAM_API_URL, DATABASE_URL, POLL_TIMEOUT). End-to-end tests
in tests/e2e start `python run_bot.py` as a subprocess the same way.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "1")  # python-telegram-bot's future behaviour, without the warning

from bot.app import run
from bot.config import Settings, load_settings
from sandbox.fake_telegram import FakeTelegram
from sandbox.fake_telegram.actors import FakeUser
from sandbox.fake_telegram.fake import WAIT
from sandbox.fake_telegram.models import Message
from tests import dbaccess

# The sandbox keeps its own SQLite file whatever the tests use: its tests (and the browser's, which
# drive it) are about that file, and run in the SQLite pass only.
SQLITE_ONLY_PATHS = ("tests/browser/", "tests/test_sandbox.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not dbaccess.ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="the sandbox runs on its own SQLite file (the SQLite pass tests it)")
    for item in items:
        if any(part in item.nodeid for part in SQLITE_ONLY_PATHS):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _postgres_databases() -> object:
    """On the PostgreSQL pass, each test's databases are dropped when it ends."""
    yield
    dbaccess.drop_created()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


def bot_settings(fake: FakeTelegram, db_path: Path, **extra: str) -> Settings:
    env = {
        "BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "DATABASE_URL": dbaccess.url_for(db_path),  # the file, or a fresh PostgreSQL database (TEST_DATABASE_URL)
        "POLL_TIMEOUT": "1",
        **extra,
    }
    return load_settings(_env_file=None, **env)


@dataclass
class RunningBot:
    settings: Settings
    stop_event: asyncio.Event
    task: asyncio.Task[None]
    # Names the database (tests/dbaccess.py): the SQLite file, or its PostgreSQL twin.
    db_path: Path | None = None

    def __post_init__(self) -> None:
        if self.db_path is None:
            self.db_path = self.settings.database_path

    def query(self, sql: str, params: tuple = ()) -> list:
        """Read the bot's database directly (a separate read-only connection)."""
        return dbaccess.query(self.db_path, sql, params)

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.wait_for(self.task, 30)


async def start_bot(fake: FakeTelegram, db_path: Path, **extra: str) -> RunningBot:
    settings = bot_settings(fake, db_path, **extra)
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def on_ready(app: object) -> None:
        ready.set()

    task = asyncio.create_task(run(settings, stop=stop, on_ready=on_ready))
    done, _ = await asyncio.wait([task, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raise the start-up error
    await fake.wait_until_polling()
    return RunningBot(settings, stop, task, db_path)


@pytest.fixture
async def bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[RunningBot]:
    running = await start_bot(fake, tmp_path / "bot.sqlite3")
    yield running
    if not running.task.done():
        await running.stop()
    fake.assert_no_errors()
    assert fake.unanswered_callbacks() == []


@dataclass
class Conversation:
    """A person's private chat with the bot, read the way a person reads it: message by message."""

    fake: FakeTelegram
    user: FakeUser
    seen: list[Message] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return self.user.chat_id

    async def reply(self, contains: str | None = None, timeout: float = WAIT) -> Message:
        """The next bot message (containing `contains`, skipping others that arrive first)."""

        def matches(message: Message) -> bool:
            return contains is None or contains in (message.plain_text or message.raw_text or "")

        message = await self.fake.wait_for_message(self.chat_id, matches, timeout=timeout)
        self.fake.consume_until(self.chat_id, message.message_id)  # read past the earlier ones
        self.seen.append(message)
        return message

    async def say(self, text: str, *, expect: str | None = None) -> Message:
        self.user.send(text)
        return await self.reply(expect)

    async def press(self, message: Message, button: str, *, expect: str | None = None) -> Message | None:
        """Press a button (by its text or data); wait for the next bot message if `expect` is given."""
        query_id = self.user.press(message, button)
        await self.fake.wait_for(lambda: query_id in self.fake.callback_answers, what="callback answer")
        return await self.reply(expect) if expect else None

    async def edited(self, message: Message, predicate: Callable[[Message], bool] | None = None) -> Message:
        return await self.fake.wait_for_edit(self.chat_id, message.message_id, predicate)

    def answer_of(self, query_id: str) -> str | None:
        return self.fake.callback_answers[query_id]["text"]

    def current(self, message: Message) -> Message:
        return self.fake.message(self.chat_id, message.message_id)


@pytest.fixture
async def post_world(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[object]:
    """The bot with its units, the Sla Kram post's group bound (tests/stations.py), checked on exit."""
    from tests.stations import POST, make_world

    world = await make_world(fake, tmp_path)
    await world.bind(POST)
    yield world
    await world.bot.stop()
    fake.assert_no_errors()


@pytest.fixture
def citizen(fake: FakeTelegram) -> Callable[..., Conversation]:
    def make(first_name: str = "Sokha", language_code: str = "km", **kwargs: object) -> Conversation:
        return Conversation(fake, fake.user(first_name, language_code=language_code, **kwargs))

    return make
