"""How the benchmarked bot is deployed: one polling process, or several instances in webhook mode
behind a round-robin balancer sharing one PostgreSQL server, which the benchmark starts itself.

A deployment's CPU is its bot processes' and, on PostgreSQL, the server's: SQLite runs inside the
bot process, PostgreSQL in its own, so comparing the engines fairly means counting both.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.process import BotProcess, proc_cpu_seconds
from sandbox.balancer import RoundRobin
from sandbox.fake_telegram import FakeTelegram
from tools import pg_cluster

HOOK = "https://bot.bench.invalid/telegram/hook"  # the fake delivers it to the balancer (webhook_via)
SECRET = "bench-webhook-secret-0123456789"


# --- PostgreSQL ------------------------------------------------------------------------------------


class PostgresServer:
    """A throw-away cluster with PostgreSQL's durable defaults (fsync and synchronous commits on,
    unlike the tests' cluster): the figures are those a deployment would see."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.url = ""

    def start(self) -> str:
        self.url = pg_cluster.start(self.folder, pg_cluster.free_port(55440), durable=True)
        return self.url

    def stop(self) -> None:
        pg_cluster.stop(self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    async def fresh_database(self, name: str) -> str:
        """An empty database called `name` (dropped first if a killed run left it); returns its URL."""
        admin = await asyncpg.connect(self.url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))

    def cpu_seconds(self) -> float:
        """CPU of the whole server: the postmaster, with the children it has reaped (backends that
        ended), and every child still running (the pool's backends, checkpointer, WAL writer…)."""
        try:
            postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return math.nan
        total = proc_cpu_seconds(postmaster, children=True)
        for entry in os.listdir("/proc"):
            if entry.isdigit() and _parent(int(entry)) == postmaster:
                total += proc_cpu_seconds(int(entry))
        return total


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None


# --- the bot processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Instances:
    """Several bot processes behind a balancer, measured as one deployment: CPU summed, memory per
    instance (the largest), logs one after the other. The same surface as one BotProcess."""

    def __init__(self, fake: FakeTelegram, env: dict[str, str], count: int, workdir: Path) -> None:
        self.fake = fake
        self.ports = [free_port() for _ in range(count)]
        self.balancer = RoundRobin(self.ports)
        self.bots = [
            BotProcess(
                [sys.executable, "run_bot.py"],
                {
                    **env,
                    "WEBHOOK_URL": HOOK,
                    "WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
                    "INSTANCE_ID": f"bot-{n}",
                },
                workdir / f"bot-{n}.log",
            )
            for n, port in enumerate(self.ports, start=1)
        ]
        self.server_cpu = lambda: 0.0

    @property
    def pid(self) -> int:
        return self.bots[0].pid

    @property
    def rss_max(self) -> int:
        return max(bot.rss_max for bot in self.bots)

    @property
    def hwm(self) -> int:
        return max(bot.hwm for bot in self.bots)

    async def start(self) -> None:
        self.fake.poller.webhooks.via = await self.balancer.start()
        for bot in self.bots:
            await bot.start()

    async def wait_until_ready(self, timeout: float = 60.0) -> float:
        """Seconds until the webhook is set and every instance accepts connections."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        while loop.time() - began < timeout:
            if any(bot.process is not None and bot.process.returncode is not None for bot in self.bots):
                break
            if self.fake.world.webhook is not None and all(map(_listening, self.ports)):
                return loop.time() - began
            await asyncio.sleep(0.1)
        tails = "\n".join(bot.log_tail() for bot in self.bots)
        raise RuntimeError(f"the instances did not start; their logs:\n{tails}")

    def mark(self) -> None:
        for bot in self.bots:
            bot.mark()

    def rss(self) -> int:
        return max(bot.rss() for bot in self.bots)

    def cpu_seconds(self) -> float:
        return sum(bot.cpu_seconds() for bot in self.bots)

    def main_thread_cpu_seconds(self) -> float:
        return sum(bot.main_thread_cpu_seconds() for bot in self.bots)

    async def stop(self, timeout: float = 30.0) -> int | None:
        codes = [await bot.stop(timeout) for bot in self.bots]
        await self.balancer.stop()
        return next((code for code in codes if code), codes[0])

    def log_text(self) -> str:
        return "\n".join(bot.log_text() for bot in self.bots)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(bot.log_tail(lines) for bot in self.bots)

    def forwarded(self) -> list[int]:
        return [self.balancer.forwarded[port] for port in self.ports]


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False
