"""The fake delivers updates to a webhook like Telegram: POST with the secret header, retries until a
2xx answer, reports the last error, one chat's updates in order, getUpdates refused meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from sandbox.fake_telegram import FakeTelegram
from sandbox.fake_telegram.webhooks import SECRET_HEADER

from .client import TOKEN, USERNAME, make_bot

URL = "https://bot.example.org/telegram/hook"


class Receiver:
    """A bot's webhook endpoint: records what arrives, answers what `answer` says."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.answer: Callable[[dict[str, Any]], Any] = lambda update: 200
        self.arrived = asyncio.Event()
        self.paths: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.paths.append(request.path)
        self.received.append((update, request.headers.get(SECRET_HEADER)))
        self.arrived.set()
        status = self.answer(update)
        if asyncio.iscoroutine(status):
            status = await status
        return web.Response(status=status)

    def ids(self) -> list[int]:
        return [u["update_id"] for u, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/telegram/hook", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield found, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.fixture
async def hooked(receiver: tuple[Receiver, str]) -> AsyncIterator[tuple[FakeTelegram, Bot, Receiver]]:
    found, via = receiver
    server = FakeTelegram(token=TOKEN, bot_username=USERNAME, webhook_via=via)
    await server.start()
    async with make_bot(server) as client:
        yield server, client, found
    await server.stop()


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_updates_are_posted_with_the_secret_and_confirmed_by_200(hooked) -> None:
    fake, bot, receiver = hooked
    assert await bot.set_webhook(URL, secret_token="s3cret_-X")
    alice = fake.user()
    alice.send("/start")
    await until(lambda: receiver.received and not fake.pending_updates())
    update, secret = receiver.received[0]
    assert secret == "s3cret_-X"
    assert update["message"]["text"] == "/start" and receiver.paths == ["/telegram/hook"]
    info = await bot.get_webhook_info()
    assert info.url == URL and info.pending_update_count == 0 and info.last_error_message is None
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)


async def test_a_refused_update_stays_pending_and_is_retried(hooked) -> None:
    fake, bot, receiver = hooked
    answers = iter([403, 500])
    receiver.answer = lambda update: next(answers, 200)
    await bot.set_webhook(URL, secret_token="right")
    fake.user().send("/start")
    await until(lambda: len(receiver.received) >= 2)
    info = await bot.get_webhook_info()
    assert info.last_error_message is not None and info.last_error_message.startswith("Wrong response from the webhook")
    await until(lambda: not fake.pending_updates())
    assert receiver.ids() == [receiver.ids()[0]] * 3  # the same update, until answered 200
    assert [status for _, status in fake.poller.webhooks.delivered] == [403, 500, 200]


async def test_one_chats_updates_in_order_other_chats_meanwhile(hooked) -> None:
    fake, bot, receiver = hooked
    release = asyncio.Event()
    alice, bob = fake.user("Alice"), fake.user("Bob")

    async def answer(update: dict[str, Any]) -> int:
        if update["message"]["text"] == "first":
            await release.wait()
        return 200

    receiver.answer = answer
    await bot.set_webhook(URL)
    alice.send("/start")
    await until(lambda: len(receiver.received) == 1)
    alice.send("first")
    await until(lambda: len(receiver.received) == 2)
    alice.send("second")
    bob.send("/start")
    await until(lambda: len(receiver.received) == 3)
    await asyncio.sleep(0.2)
    texts = [u["message"]["text"] for u, _ in receiver.received]
    assert texts == ["/start", "first", "/start"]  # Bob's arrived; Alice's second waits for her first
    release.set()
    await until(lambda: len(receiver.received) == 4 and not fake.pending_updates())
    assert receiver.received[3][0]["message"]["text"] == "second"


async def test_nobody_listening_is_reported(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://127.0.0.1:9/nowhere")  # port 9: nothing listens
    fake.user().send("/start")
    await until(lambda: fake.poller.webhooks.delivered)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and info.last_error_message == "Connection refused"
    await bot.delete_webhook()
    assert len(await bot.get_updates(timeout=0)) == 1  # still there for polling


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"url": "http://bot.example.org/hook"}, "An HTTPS URL must be provided"),
        ({"url": URL, "secret_token": "no spaces"}, "secret token contains unallowed characters"),
        ({"url": URL, "max_connections": 101}, "max_connections"),
    ],
)
async def test_set_webhook_refuses_what_telegram_refuses(bot: Bot, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.set_webhook(**kwargs)
