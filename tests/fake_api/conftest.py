"""Tests of the fake Telegram Bot API server, driven through python-telegram-bot's own client: here
`fake` is a bare server and `bot` a PTB client of it (not the complaints bot of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from sandbox.fake_telegram import FakeTelegram

from .client import TOKEN, USERNAME, make_bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(token=TOKEN, bot_username=USERNAME)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake) as client:
        yield client
