"""Start-up (bot/app.py): everything is built before the first update, in order."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.app import build_services
from tests.conftest import bot_settings, start_bot


async def test_a_bot_started_while_telegram_is_down_waits_then_links_to_itself(fake, tmp_path):
    """The bot's name comes from getMe, which only answers once Telegram is up: the links made
    afterwards carry it (the services are built only once it is known)."""
    admin = fake.user("Admin", language_code="en")
    fake.set_down(True)
    starting = asyncio.create_task(start_bot(fake, tmp_path / "bot.sqlite3", ADMIN_IDS=str(admin.id)))
    await asyncio.sleep(1.5)  # the first getMe failed; the next one is a second later
    assert not starting.done()
    fake.set_down(False)
    running = await asyncio.wait_for(starting, 15)
    try:
        admin.send("/start")
        await fake.next_bot_message(admin.chat_id)
        admin.send("/invite 171001 officer")
        answer = await fake.wait_for_message(admin.chat_id, lambda m: "t.me/" in m.plain_text)
        assert f"https://t.me/{fake.bot_username}?start=inv_" in answer.plain_text
    finally:
        await running.stop()
    fake.assert_no_errors()


async def test_the_services_cannot_be_changed_once_built(fake, tmp_path):
    services = await build_services(bot_settings(fake, tmp_path / "bot.sqlite3"))
    try:
        with pytest.raises(dataclasses.FrozenInstanceError):
            services.bot_username = "someone_else_bot"  # type: ignore[misc]
    finally:
        await services.db.close()
