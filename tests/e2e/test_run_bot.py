"""The unmodified `python run_bot.py`, as a subprocess, against the fake Telegram server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from sandbox.fake_telegram import FakeTelegram
from tests import dbaccess
from tests.test_intake_flow import has_button, is_description_prompt

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    def __init__(self, fake: FakeTelegram, db_path: Path, **env: str) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL")},
            "BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "DATABASE_URL": dbaccess.url_for(db_path),
            "POLL_TIMEOUT": "1",
            "PTB_TIMEDELTA": "1",
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "run_bot.py",
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self, timeout: float = 15) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def output(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        return (await self.process.stdout.read()).decode()


def query(db_path: Path, sql: str) -> list:
    return dbaccess.query(db_path, sql)


async def run_and_collect(env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "run_bot.py",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode or 0, stderr.decode()


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({}, "BOT_TOKEN is missing"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN is invalid"),
        ({"BOT_TOKEN": "1:x", "ADMIN_IDS": "12,abc"}, "ADMIN_IDS is invalid"),
        ({"BOT_TOKEN": "1:x", "TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL is invalid"),
        ({"BOT_TOKEN": "1:x", "DATABASE_URL": "mysql://x"}, "DATABASE_URL is invalid"),
        ({"BOT_TOKEN": "1:x", "ACK_DEADLINE": "soon"}, "ACK_DEADLINE is invalid"),
        ({"BOT_TOKEN": "1:x", "SWEEP_INTERVAL": "2wd"}, "SWEEP_INTERVAL is invalid"),
    ],
)
async def test_a_bad_setting_stops_the_bot_with_one_clear_line(env, needle, tmp_path):
    base = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "ADMIN_IDS", "DATABASE_URL")}
    code, stderr = await run_and_collect({**base, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **env})
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "e.g." in lines[0], stderr


async def test_a_token_telegram_rejects_stops_the_bot_clearly(fake, tmp_path):
    env = {**BotProcess(fake, tmp_path / "db.sqlite3").env, "BOT_TOKEN": "999:wrong-token"}
    code, stderr = await run_and_collect(env)
    assert code == 1
    assert "Telegram rejected BOT_TOKEN" in stderr.strip().splitlines()[-1]
    assert "wrong-token" not in stderr  # the token is never printed


async def test_kill_9_at_any_moment_loses_nothing_and_repeats_nothing(fake, tmp_path):
    """A citizen files a complaint while the bot is killed with SIGKILL again and again."""
    db = tmp_path / "bot.sqlite3"
    bot = BotProcess(fake, db)
    await bot.start()
    await fake.wait_until_polling(timeout=20)
    user = fake.user("Sokha", language_code="en")

    async def restart() -> None:
        await bot.kill()
        await bot.start()

    user.send("/start")
    picker = await fake.next_bot_message(user.chat_id, timeout=10)
    user.press(picker, "lang:en")
    menu = await fake.wait_for_edit(user.chat_id, picker.message_id, timeout=10)
    await restart()
    user.press(menu, "m:new")
    categories = await fake.wait_for_message(user.chat_id, has_button("n:1:cat:drugs"), timeout=15)
    user.press(categories, "n:1:cat:drugs")
    await fake.wait_for_edit(user.chat_id, categories.message_id, has_button("n:1:place:17"), timeout=15)
    user.send("Svay Dankum")
    await fake.wait_for_message(user.chat_id, is_description_prompt, timeout=15)

    # Kill while the description is being handled: Telegram answers slowly, so the bot is mid-way.
    fake.set_latency(0.4)
    user.send("A man sells methamphetamine behind the pagoda.")
    await fake.wait_for(
        lambda: dbaccess.exists(db) and query(db, "SELECT COUNT(*) AS n FROM inbox")[0]["n"] >= 6, timeout=15
    )
    await restart()
    fake.set_latency(0)
    await fake.wait_for_message(user.chat_id, lambda m: "Saved" in m.plain_text, timeout=20)

    # Kill right after sending three messages in a row, before the bot has had time for them.
    for part in ("He comes at night.", "Many young people buy from him.", "Please act."):
        user.send(part)
    await restart()
    for _ in range(3):
        await fake.wait_for_message(user.chat_id, lambda m: "Saved" in m.plain_text, timeout=20)
    user.send("✅ Done")
    await fake.wait_for_message(user.chat_id, lambda m: "Evidence" in m.plain_text, timeout=15)
    user.send("⏭ Skip")
    await fake.wait_for_message(user.chat_id, lambda m: "reach you" in m.plain_text, timeout=15)
    user.send("🙈 Stay anonymous")
    review = await fake.wait_for_message(user.chat_id, has_button("n:1:submit"), timeout=15)
    await restart()
    user.press(review, "n:1:submit")
    await restart()  # possibly before, during or after handling the Submit
    receipt = await fake.wait_for_message(user.chat_id, lambda m: "Tracking number" in m.plain_text, timeout=20)

    rows = query(db, "SELECT tracking_no, description FROM complaints")
    assert len(rows) == 1, "exactly one complaint"
    assert rows[0]["description"] == "\n\n".join(
        [
            "A man sells methamphetamine behind the pagoda.",
            "He comes at night.",
            "Many young people buy from him.",
            "Please act.",
        ]
    )
    assert rows[0]["tracking_no"][:3] in receipt.plain_text
    assert query(db, "SELECT COUNT(*) AS n FROM inbox WHERE processed_at IS NULL")[0]["n"] == 0
    if not dbaccess.ON_POSTGRES:  # the file survived the kills (PostgreSQL's own WAL looks after its files)
        assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
    assert await bot.terminate() == 0
    saved = [m for m in fake.bot_messages(user.chat_id) if "Saved (" in m.plain_text]
    counts = [json.dumps(m.plain_text) for m in saved]
    assert len(counts) >= 4  # one per part; a repeat is allowed only where Telegram's answer was lost


async def test_sigterm_stops_cleanly_and_quickly(fake, tmp_path):
    bot = BotProcess(fake, tmp_path / "bot.sqlite3")
    await bot.start()
    await fake.wait_until_polling(timeout=20)
    started = asyncio.get_running_loop().time()
    assert await bot.terminate() == 0
    assert asyncio.get_running_loop().time() - started < 10
    assert "bot stopped" in await bot.output()


async def test_a_broken_categories_file_stops_the_bot_naming_the_problem(fake, tmp_path):
    broken = tmp_path / "categories.toml"
    broken.write_text('[[category]]\nkey = "Bad Key"\nlabel_en = "x"\nlabel_km = "x"\n', encoding="utf-8")
    env = {**BotProcess(fake, tmp_path / "db.sqlite3").env, "CATEGORIES_FILE": str(broken)}
    code, stderr = await run_and_collect(env)
    assert code == 1
    last = stderr.strip().splitlines()[-1]
    assert "categories.toml" in last and "category.0.key" in last


async def test_debug_logs_never_contain_the_bot_token(fake, tmp_path):
    # python-telegram-bot logs "Set Bot API URL: …/bot<token>" at DEBUG, and errors quote URLs.
    env = {**BotProcess(fake, tmp_path / "bot.sqlite3").env, "LOG_LEVEL": "DEBUG"}
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:  # a file, not a pipe: DEBUG output would fill a pipe and block the bot
        process = await asyncio.create_subprocess_exec(
            sys.executable, "run_bot.py", cwd=ROOT, env=env, stdout=log_file, stderr=asyncio.subprocess.STDOUT
        )
        try:
            await fake.wait_until_polling(timeout=20)
            citizen = fake.user("Sokha")
            citizen.send("/start")
            await fake.next_bot_message(citizen.chat_id, timeout=20)  # a whole update handled, logged at DEBUG
        finally:
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 15) == 0
    output = log_path.read_text(encoding="utf-8")
    secret = fake.token.partition(":")[2]
    assert "Set Bot API URL" in output and "<BOT_TOKEN>" in output  # the lines are there, masked
    assert fake.token not in output and secret not in output
