"""The unmodified `python run_bot.py` in webhook mode, as a subprocess, with the fake Telegram calling it."""

from __future__ import annotations

import pytest

from sandbox.fake_telegram import FakeTelegram
from tests import dbaccess
from tests.e2e.test_run_bot import BotProcess
from tests.test_webhook import HOOK, SECRET, free_port

pytestmark = pytest.mark.e2e


async def test_run_bot_in_webhook_mode_answers_and_stops_cleanly(fake: FakeTelegram, tmp_path) -> None:
    port = free_port()
    fake.poller.webhooks.via = f"http://127.0.0.1:{port}"
    db = tmp_path / "bot.sqlite3"
    bot = BotProcess(
        fake,
        db,
        DATABASE_URL=dbaccess.url_for(db),
        WEBHOOK_URL=HOOK,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN=f"127.0.0.1:{port}",
    )
    await bot.start()
    try:
        await fake.wait_for(lambda: fake.world.webhook is not None, timeout=30, what="setWebhook")
        user = fake.user("Sokha", language_code="en")
        user.send("/start")
        await fake.next_bot_message(user.chat_id, timeout=20)
        assert fake.calls_to("getUpdates") == []
        assert not fake.pending_updates()
    finally:
        assert await bot.terminate() == 0
    output = await bot.output()
    assert "webhook at 127.0.0.1:" in output and SECRET not in output
    assert dbaccess.query(db, "SELECT COUNT(*) AS n FROM inbox WHERE processed_at IS NULL")[0]["n"] == 0
    fake.assert_no_errors()
