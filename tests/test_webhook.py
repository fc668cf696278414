"""Webhook mode, through the fake Telegram delivering webhooks: updates arrive and are answered; a bad
secret is refused and stores nothing; an update is stored before its 200 (a crash after it loses
nothing); a redelivery is stored once; a database failure is a 500 that Telegram retries."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import run
from bot.updates import UpdatePump
from sandbox.fake_telegram import FakeTelegram
from tests import dbaccess
from tests.conftest import RunningBot, bot_settings

HOOK = "https://bot.example.test/telegram/hook"
SECRET = "a-long_webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebhookBot:
    """The bot in webhook mode; the fake calls it at its listening port as a TLS proxy would."""

    def __init__(self, fake: FakeTelegram, db_path: Path) -> None:
        self.fake = fake
        self.db_path = db_path
        self.port = free_port()
        fake.poller.webhooks.via = f"http://127.0.0.1:{self.port}"
        self.running: RunningBot | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/hook"

    async def start(self) -> RunningBot:
        settings = bot_settings(
            self.fake,
            self.db_path,
            WEBHOOK_URL=HOOK,
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN=f"127.0.0.1:{self.port}",
        )
        stop, ready = asyncio.Event(), asyncio.Event()

        async def on_ready(app: object) -> None:
            ready.set()

        task = asyncio.create_task(run(settings, stop=stop, on_ready=on_ready))
        done, _ = await asyncio.wait([task, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        self.running = RunningBot(settings, stop, task, self.db_path)
        return self.running

    def inbox(self) -> list:
        return dbaccess.query(self.db_path, "SELECT update_id, processed_at FROM inbox ORDER BY seq")

    async def post(self, body: object, *, secret: str | None = SECRET, raw: bytes | None = None) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        data = raw if raw is not None else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
        async with aiohttp.ClientSession() as session, session.post(self.url, data=data, headers=headers) as answer:
            return answer.status


@pytest.fixture
async def hooked(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[WebhookBot]:
    bot = WebhookBot(fake, tmp_path / "bot.sqlite3")
    await bot.start()
    yield bot
    if bot.running is not None and not bot.running.task.done():
        await bot.running.stop()
    fake.assert_no_errors()


def start_update(update_id: int, user_id: int = 777001) -> dict:
    """A /start, posted straight at the bot's webhook server."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Dara"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Dara"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_updates_arrive_by_webhook_and_are_answered(hooked: WebhookBot, fake: FakeTelegram, citizen) -> None:
    assert fake.world.webhook is not None and fake.world.webhook["secret_token"] == SECRET
    assert fake.world.webhook["url"] == HOOK
    chat = citizen(language_code="en")
    await chat.say("/start")
    assert fake.calls_to("getUpdates") == []  # no polling in webhook mode
    assert len(hooked.inbox()) == 1 and not fake.pending_updates()


async def test_a_bad_or_missing_secret_is_refused_and_nothing_is_stored(hooked: WebhookBot, fake) -> None:
    update = start_update(9_000_001)
    assert await hooked.post(update, secret="wrong") == 403
    assert await hooked.post(update, secret=None) == 403
    assert await hooked.post(update, secret=SECRET[:-1]) == 403
    assert hooked.inbox() == []
    assert await hooked.post(None, raw=b"{not json") == 400
    assert await hooked.post({"message": {}}) == 400  # no update_id
    assert await hooked.post([1, 2]) == 400
    assert hooked.inbox() == []


async def test_a_redelivered_update_is_stored_and_handled_once(hooked: WebhookBot, fake, citizen) -> None:
    chat = citizen(language_code="en")
    await chat.say("/start")
    update_id = fake.last_update_id()
    fake.redeliver(update_id)  # Telegram did not get the 200 and sends it again
    await fake.wait_for(lambda: [u for u, status in fake.poller.webhooks.delivered if u == update_id][1:])
    assert await hooked.post(fake.world.history[update_id]) == 200  # and once more, straight from a retry
    await asyncio.sleep(0.5)
    assert [r["update_id"] for r in hooked.inbox()] == [update_id]
    assert len(fake.bot_messages(chat.chat_id)) == 1


async def test_an_update_is_stored_before_its_200_and_handled_after_a_crash(
    fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, citizen
) -> None:
    bot = WebhookBot(fake, tmp_path / "bot.sqlite3")
    stuck = asyncio.Event()

    async def crash_while_handling(self: UpdatePump, item: object) -> None:
        stuck.set()
        await asyncio.Event().wait()  # the process dies here, before anything is handled

    original = UpdatePump._handle
    monkeypatch.setattr(UpdatePump, "_handle", crash_while_handling)
    first = await bot.start()
    chat = citizen(language_code="en")
    chat.user.send("/start")
    await fake.wait_for(lambda: (fake.last_update_id(), 200) in fake.poller.webhooks.delivered)
    rows = bot.inbox()
    assert [r["update_id"] for r in rows] == [fake.last_update_id()] and rows[0]["processed_at"] is None
    await asyncio.wait_for(stuck.wait(), 10)
    first.task.cancel()  # as abrupt as it gets in one process: nothing after this point runs
    with pytest.raises(asyncio.CancelledError):
        await first.task
    assert not fake.pending_updates()  # Telegram will not send it again: it got its 200
    monkeypatch.setattr(UpdatePump, "_handle", original)
    second = await bot.start()
    await chat.reply()
    assert bot.inbox()[0]["processed_at"] is not None
    await second.stop()
    fake.assert_no_errors()


async def test_a_database_failure_is_a_500_and_telegram_retries(
    hooked: WebhookBot, fake: FakeTelegram, citizen, monkeypatch: pytest.MonkeyPatch
) -> None:
    original, failures = UpdatePump.store, []

    async def failing_store(self: UpdatePump, updates: list) -> None:
        if len(failures) < 2:
            failures.append(len(updates))
            raise sqlite3.OperationalError("disk I/O error")
        await original(self, updates)

    monkeypatch.setattr(UpdatePump, "store", failing_store)
    chat = citizen(language_code="en")
    await chat.say("/start")  # answered after two refused deliveries
    statuses = [status for _, status in fake.poller.webhooks.delivered]
    assert statuses == [500, 500, 200]
    assert len(hooked.inbox()) == 1
