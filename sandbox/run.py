"""`python run_bot.py sandbox`: the bot, a fake Telegram and a browser chat, all on this machine.

Three parts, started in order and stopped in reverse:
1. the fake Telegram Bot API server (sandbox/fake_telegram), on a loopback port;
2. the unmodified bot, as its own process (`run_bot.py`), pointed at it with TELEGRAM_API_URL and
   given its own database under data/sandbox/;
3. the web page (sandbox/web), on http://127.0.0.1:8080 by default.

The fake's chats are saved to data/sandbox/ every few seconds and on exit, so the next start
continues where the last one stopped (the bot's database does the same); `--reset` starts clean.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
from pathlib import Path

from aiohttp import web

from sandbox.demo import DEMO_DEADLINES, Cast, create_people, describe, stage
from sandbox.fake_telegram import FakeTelegram
from sandbox.web.app import WebClient

TOKEN = "7000000001:SANDBOX-not-a-real-telegram-token"
BOT_USERNAME = "complaints_sandbox_bot"
BOT_NAME = "Police complaints (sandbox)"
SAVE_EVERY = 5.0  # seconds between saves of the fake's chats
STOP_GRACE = 20.0  # seconds the bot gets to stop before it is killed


class SandboxError(Exception):
    """Something that stops the sandbox from starting, said in one line."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run_bot.py sandbox", description="Try the bot in a browser, without Telegram.")
    p.add_argument("--port", type=int, default=8080, help="port of the web page (default 8080)")
    p.add_argument("--host", default="127.0.0.1", help="address of the web page (default 127.0.0.1, this machine)")
    p.add_argument("--data", type=Path, default=Path("data/sandbox"), help="folder for the sandbox's state")
    p.add_argument("--reset", action="store_true", help="forget the previous sandbox and start clean")
    return p


def bot_environment(fake: FakeTelegram, database: Path, admin_id: int, log_level: str) -> dict[str, str]:
    env = dict(os.environ)
    deadlines = {name: env.get(name, default) for name, default in DEMO_DEADLINES.items()}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.url,
        DATABASE_URL=f"sqlite:///{database.resolve()}",
        ADMIN_IDS=str(admin_id),
        LOG_LEVEL=log_level,
        PYTHONUNBUFFERED="1",
        **deadlines,
    )
    env.pop("MINISTRY_CHAT_ID", None)  # the demo binds the ministry's group itself
    return env


class Sandbox:
    def __init__(self, options: argparse.Namespace, bot_script: Path) -> None:
        self.options = options
        self.bot_script = bot_script
        self.data: Path = options.data
        self.world_file = self.data / "telegram.pickle"
        self.cast_file = self.data / "cast.json"
        self.database = self.data / "bot.sqlite3"
        self.log_file = self.data / "bot.log"
        self.fake = FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME, bot_first_name=BOT_NAME)
        self.process: asyncio.subprocess.Process | None = None
        self.runner: web.AppRunner | None = None
        self._changes = 0
        self._saved = 0

    # -- start -----------------------------------------------------------------------------------
    async def start(self) -> list[str]:
        if self.options.reset and self.data.exists():
            shutil.rmtree(self.data)
        self.data.mkdir(parents=True, exist_ok=True)
        resumed = self.world_file.exists() and self.cast_file.exists() and self.database.exists()
        if resumed:
            self.fake.load(self.world_file)
            cast = Cast.load(self.cast_file)
            people = None
        else:
            for stale in self.data.glob("bot.sqlite3*"):
                stale.unlink()  # a half-made sandbox: start it again
            people = create_people(self.fake)
            admin = people[0]
        self.fake.world.listen(self._count_change)
        await self.fake.start("127.0.0.1", 0)
        await self._start_bot(cast.admin if resumed else admin.id)
        if people is not None:
            print("Setting up the demo through the bot (binding groups, enrolling people)…", flush=True)
            cast = await stage(self.fake, *people)
            cast.save(self.cast_file)
            self.save()
        deadlines = {name: os.environ.get(name, default) for name, default in DEMO_DEADLINES.items()}
        client = WebClient(self.fake, cast, deadlines)
        await self._start_web(client)
        return describe(cast, self.fake, deadlines, client.catalogs.get("en"))  # the operator's console

    async def _start_bot(self, admin_id: int) -> None:
        env = bot_environment(self.fake, self.database, admin_id, os.environ.get("LOG_LEVEL", "INFO"))
        log = self.log_file.open("ab")
        try:
            # Its own session: Ctrl-C reaches the sandbox only, which then stops the bot in order.
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(self.bot_script),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        polling = asyncio.create_task(self.fake.wait_until_polling(timeout=120))
        exited = asyncio.create_task(self.process.wait())
        done, _ = await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
        for task in (polling, exited):
            if task not in done:
                task.cancel()
        if exited in done:
            raise SandboxError(f"the bot stopped at start-up; see {self.log_file}:\n{self._log_tail()}")
        polling.result()

    async def _start_web(self, client: WebClient) -> None:
        self.runner = web.AppRunner(client.application(), shutdown_timeout=2.0)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.options.host, self.options.port)
        try:
            await site.start()
        except OSError as error:
            raise SandboxError(
                f"cannot open the web page on {self.options.host}:{self.options.port} ({error.strerror}); "
                "choose another port with --port"
            ) from None

    def _log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        return ""

    # -- running ---------------------------------------------------------------------------------
    def _count_change(self, event: dict) -> None:
        if event["type"] in ("message", "edit", "delete", "update", "callback_query", "bot_status"):
            self._changes += 1

    def save(self) -> None:
        self.fake.save(self.world_file)
        self._saved = self._changes

    async def run_until_stopped(self, stop: asyncio.Event) -> int:
        assert self.process is not None
        exited = asyncio.create_task(self.process.wait())
        stopping = asyncio.create_task(stop.wait())
        while True:
            done, _ = await asyncio.wait({exited, stopping}, timeout=SAVE_EVERY, return_when=asyncio.FIRST_COMPLETED)
            if self._changes != self._saved:
                self.save()
            if stopping in done:
                exited.cancel()
                return 0
            if exited in done:
                stopping.cancel()
                print(f"The bot stopped unexpectedly; see {self.log_file}:\n{self._log_tail()}", file=sys.stderr)
                return 1

    # -- stop ------------------------------------------------------------------------------------
    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)  # the bot stops cleanly: its work is in its database
            try:
                await asyncio.wait_for(self.process.wait(), STOP_GRACE)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.world_file.parent.exists() and self.cast_file.exists():
            self.save()
        await self.fake.stop()


async def main_async(options: argparse.Namespace, bot_script: Path) -> int:
    sandbox = Sandbox(options, bot_script)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print("Starting the sandbox: a fake Telegram, the bot and a web page, all on this machine…", flush=True)
        lines = await sandbox.start()
        url = f"http://{options.host}:{options.port}"
        print(f"\n  Open {url} in a browser.\n", flush=True)
        for line in lines:
            print(f"  · {line}")
        print(f"\n  Bot log: {sandbox.log_file}   State: {sandbox.data}/ (--reset starts clean)")
        print("  Press Ctrl-C to stop.\n", flush=True)
        return await sandbox.run_until_stopped(stop)
    except SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        await sandbox.stop()
        print("Sandbox stopped.", flush=True)


def main(argv: list[str], bot_script: Path) -> int:
    options = parser().parse_args(argv)
    return asyncio.run(main_async(options, bot_script))
