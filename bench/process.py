"""The bot under test as a subprocess, and what /proc says about it (memory, CPU; no psutil)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024


def log(text: str) -> None:
    """Progress lines go to stderr, so that stdout carries only the results."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- /proc readings -------------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS) etc. of a process, in bytes; empty once the process is gone."""
    values: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key.startswith("Vm") and rest.strip().endswith("kB"):
                    values[key] = int(rest.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return values


def proc_cpu_seconds(pid: int | str = "self", *, children: bool = False) -> float:
    """User + system CPU time of a process (all its threads), in seconds; with `children`, also that
    of the children it has waited for (ended ones)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return math.nan
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLOCK_TICKS


def thread_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds of a process's main thread (its event loop) and of all its other threads
    (e.g. aiosqlite's worker thread, where SQLite runs)."""
    main = others = 0.0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return math.nan, math.nan
    for tid in tids:
        seconds = proc_cpu_seconds(f"{pid}/task/{tid}")
        if math.isnan(seconds):
            continue
        if int(tid) == pid:
            main = seconds
        else:
            others += seconds
    return main, others


def system_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs together, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


# --- the bot under test ---------------------------------------------------------------------------


class BotProcess:
    """A bot subprocess; output to a log file; RSS sampled every 0.2 s."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.rss_max = 0  # largest VmRSS sampled since the last mark()
        self.hwm = 0  # VmHWM: the kernel's own peak RSS of the process's whole life
        self._watch: asyncio.Task[None] | None = None
        self.started_at = 0.0
        self.server_cpu = lambda: 0.0  # CPU seconds of the database server it uses (SQLite: in-process)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        with open(self.log_path, "wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=asyncio.subprocess.STDOUT
            )
        self.started_at = time.perf_counter()
        self._watch = asyncio.create_task(self._watch_memory())

    async def wait_until_polling(self, fake: FakeTelegram, timeout: float = 60.0) -> float:
        """Seconds from the start of the process to its first getUpdates; raises if it died."""
        assert self.process is not None
        polled = asyncio.create_task(fake.wait_until_polling(timeout))
        exited = asyncio.create_task(self.process.wait())
        done, _ = await asyncio.wait({polled, exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in (polled, exited):
            if task not in done:
                task.cancel()
        if polled not in done or polled.exception() is not None:
            raise RuntimeError(f"{self.argv[-1]} did not start polling; its log:\n{self.log_tail()}")
        return time.perf_counter() - self.started_at

    async def _watch_memory(self) -> None:
        while self.process is not None and self.process.returncode is None:
            status = proc_status(self.pid)
            self.rss_max = max(self.rss_max, status.get("VmRSS", 0))
            self.hwm = max(self.hwm, status.get("VmHWM", 0))
            await asyncio.sleep(0.2)

    def mark(self) -> None:
        """Start a new phase for :attr:`rss_max`."""
        self.rss_max = proc_status(self.pid).get("VmRSS", 0)

    def rss(self) -> int:
        return proc_status(self.pid).get("VmRSS", 0)

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    def main_thread_cpu_seconds(self) -> float:
        return thread_cpu_seconds(self.pid)[0]

    async def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (the bots stop cleanly on it), SIGKILL if that takes too long; returns the exit code."""
        if self.process is None:
            return None
        self.hwm = max(self.hwm, proc_status(self.pid).get("VmHWM", 0))
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        return self.process.returncode

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def bot_env(fake: FakeTelegram, **extra: str) -> dict[str, str]:
    """The environment of a bot subprocess pointed at ``fake`` (the caller's own settings removed)."""
    drop = {"BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "POLL_TIMEOUT", "MAX_CONCURRENT_UPDATES", "LOG_LEVEL"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url, PTB_TIMEDELTA="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env
