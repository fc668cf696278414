"""Intake benchmark: N citizens mid-draft, a pool of them filing complaints concurrently.

    python bench/intake.py [--citizens 10000] [--active 600] [--duration 60] [--latency 0.1] [--json]

The fake Telegram server runs in this process, with ``--latency`` seconds added to every Bot API
call; the bot runs unmodified as a subprocess (``python run_bot.py``, fresh SQLite file), so its
memory is its own. Then the same crowd drives a bare python-telegram-bot echo bot
(bench/echo_bot.py) against a fresh fake with the same latency, and the ratio is printed.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.deployment import Instances
from bench.harness import Crowd, Observer, Recorder, Stuck, percentile, run_window
from bench.intake_people import Citizen, EchoPerson, seed_database
from bench.intake_report import check_targets, db_counts, figures, print_profile, table
from bench.process import MB, ROOT, BotProcess, bot_env, log
from sandbox.fake_telegram import FakeTelegram


async def run_all(actions: list[Callable[[], Awaitable[None]]], concurrency: int, stuck: list[str]) -> int:
    """Run every action, at most ``concurrency`` at a time; returns how many failed."""
    slots = asyncio.Semaphore(concurrency)
    failed = 0

    async def one(action: Callable[[], Awaitable[None]]) -> None:
        nonlocal failed
        async with slots:
            try:
                await action()
            except Stuck as error:
                failed += 1
                stuck.append(str(error))

    await asyncio.gather(*(one(a) for a in actions))
    return failed


# --- the two runs ---------------------------------------------------------------------------------


async def intake_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    database_url = args.database_url or f"sqlite:///{workdir / 'bot.sqlite3'}"
    fake = FakeTelegram(latency=args.latency)
    await fake.start()
    observer = Observer(fake)
    result: dict[str, Any] = {}
    bot: BotProcess | Instances | None = None
    try:
        users = [fake.user(f"Citizen {i}", language_code="en") for i in range(args.citizens)]
        setup_crowd = Crowd(fake, observer, think=0.0 if args.setup == "seed" else 0.3, patience=args.patience * 4)
        citizens = {u.id: Citizen(setup_crowd, u, random.Random(rng.random())) for u in users}
        seed_time = 0.0
        if args.setup == "seed":
            log(f"seeding {args.citizens:,} users and open drafts through db.repositories …")
            started = time.perf_counter()
            await seed_database(database_url, users, rng)
            seed_time = time.perf_counter() - started
            log(f"seeded in {seed_time:.1f} s")

        env = bot_env(fake, DATABASE_URL=database_url, **dict(args.bot_env))
        if args.instances > 1 or args.webhook:
            bot = Instances(fake, env, args.instances, workdir)
            await bot.start()
            startup = await bot.wait_until_ready()
            log(f"{args.instances} instance(s) in webhook mode after {startup:.1f} s, behind a round-robin balancer")
        else:
            argv = [sys.executable, "run_bot.py"]
            if args.profile:
                argv = [sys.executable, "-m", "cProfile", "-o", str(Path(args.profile).resolve()), "run_bot.py"]
            bot = BotProcess(argv, env, workdir / "bot.log")
            await bot.start()
            startup = await bot.wait_until_polling(fake)
            log(f"bot polling after {startup:.1f} s (pid {bot.pid}, RSS {bot.rss() / MB:.0f} MB)")
        if args.server_cpu is not None:
            bot.server_cpu = args.server_cpu

        pool_ids = {u.id for u in rng.sample(users, min(args.active, len(users)))}
        openers = list(citizens.values())
        if args.open_chats == "active" and args.setup == "seed":
            # The others opened their chat earlier: mark it started in the fake's world, as /start would.
            openers = [c for c in openers if c.user.id in pool_ids]
            for citizen in citizens.values():
                if citizen.user.id not in pool_ids:
                    citizen.user.private_chat.bot_status = "member"
        recorder = observer.recorder = Recorder("setup")
        stuck: list[str] = []
        actions = [c.start_seeded if args.setup == "seed" else c.start_from_scratch for c in openers]
        log(f"setup: {len(openers):,} citizens open their chat ({args.setup}), {args.setup_concurrency} at a time …")
        started = time.perf_counter()
        failed = await run_all(actions, args.setup_concurrency, stuck)
        setup_time = time.perf_counter() - started
        observer.recorder = None
        latencies = sorted(recorder.latencies)
        result["setup"] = {
            "mode": args.setup,
            "citizens": args.citizens,
            "opened_by_start": len(openers),
            "seed_db_s": seed_time,
            "drive_s": setup_time,
            "updates": recorder.queued,
            "updates_per_s": recorder.queued / setup_time,
            "p50_s": percentile(latencies, 50),
            "p99_s": percentile(latencies, 99),
            "failed": failed,
            "failures": stuck[:5],
            "rss_after_mb": bot.rss() / MB,
        }
        log(
            f"setup done in {setup_time:.1f} s: {recorder.queued:,} updates, {recorder.queued / setup_time:.0f}/s, "
            f"RSS {bot.rss() / MB:.0f} MB, {failed} failed"
        )

        failed_ids = {_stuck_id(s) for s in stuck}
        pool = [citizens[i] for i in sorted(pool_ids) if i not in failed_ids]
        result["active"] = len(pool)
        crowd = Crowd(fake, observer, think=args.think, patience=args.patience)
        for citizen in pool:
            citizen.crowd = crowd
        log(
            f"measuring: {len(pool)} active citizens, think {args.think} s, "
            f"warm-up {args.warmup} s + {args.duration} s …"
        )
        window = await run_window(
            crowd,
            bot,
            [c.file_complaints for c in pool],
            warmup=args.warmup,
            duration=args.duration,
            drain=args.drain,
        )
        result["run"] = figures(window, bot, fake, startup)
        if isinstance(bot, Instances):
            result["run"]["updates_per_instance"] = bot.forwarded()
        code = await bot.stop()
        result["run"]["peak_rss_mb"] = bot.hwm / MB
        result["run"]["exit_code"] = code
        result["run"]["db"] = await db_counts(database_url)
        bot = None
    finally:
        if bot is not None:
            await bot.stop()
        await fake.stop()
    if args.profile:
        print_profile(args.profile)
    return result


def _stuck_id(message: str) -> int:
    match = re.match(r"user (\d+)", message)
    return int(match.group(1)) if match else 0


async def echo_run(args: argparse.Namespace, workdir: Path, active: int) -> dict[str, Any]:
    rng = random.Random(args.seed + 1)
    fake = FakeTelegram(latency=args.latency)
    await fake.start()
    observer = Observer(fake)
    crowd = Crowd(fake, observer, think=args.think, patience=3600.0)  # a saturated echo bot is slow, not stuck
    people = [
        EchoPerson(crowd, fake.user(f"Person {i}", language_code="en"), random.Random(rng.random()))
        for i in range(active)
    ]
    env = bot_env(fake, **dict(args.bot_env))
    if args.echo_concurrency:
        env["ECHO_CONCURRENT_UPDATES"] = str(args.echo_concurrency)
    bot = BotProcess([sys.executable, "bench/echo_bot.py"], env, workdir / "echo.log")
    try:
        await bot.start()
        startup = await bot.wait_until_polling(fake)
        log(f"echo bot polling after {startup:.1f} s (pid {bot.pid}); {len(people)} active people …")
        window = await run_window(
            crowd,
            bot,
            [p.chat for p in people],
            warmup=args.warmup,
            duration=args.echo_duration,
            drain=args.echo_drain,
        )
        result = figures(window, bot, fake, startup)
        result["exit_code"] = await bot.stop()
        result["peak_rss_mb"] = bot.hwm / MB
        result.pop("complaints_filed")
        return result
    finally:
        await bot.stop()
        await fake.stop()


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=10_000, help="citizens with an open draft (default 10000)")
    parser.add_argument("--active", type=int, default=600, help="citizens acting at once (default 600)")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds (default 60)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of activity before measuring (default 5)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to each Bot API call (default 0.1)")
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean seconds a person takes between reading an answer and acting (±50%%, default 2)",
    )
    parser.add_argument(
        "--setup",
        choices=("seed", "ui"),
        default="seed",
        help="seed: drafts written through db.repositories, then /start per citizen (default); "
        "ui: each citizen walks /start → language → menu → category → place",
    )
    parser.add_argument(
        "--open-chats",
        choices=("all", "active"),
        default="active",
        help="seed setup: only the active citizens send /start while the others' chats are marked started in the "
        "fake's world (active, default), or every citizen sends /start (all: about a minute longer)",
    )
    parser.add_argument("--setup-concurrency", type=int, default=500, help="citizens in setup at once (default 500)")
    parser.add_argument("--patience", type=float, default=30.0, help="seconds before a person counts as stuck")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for late answers (default 10)")
    parser.add_argument(
        "--echo-duration",
        type=float,
        default=None,
        help="measured seconds of the echo run (default: 20, or --duration if shorter)",
    )
    parser.add_argument("--echo-drain", type=float, default=5.0, help="seconds to wait for late echoes (default 5)")
    parser.add_argument(
        "--echo-concurrency",
        type=int,
        default=0,
        help="run the echo bot with concurrent_updates(N) instead of PTB's default (sequential)",
    )
    parser.add_argument("--no-echo", action="store_true", help="skip the echo baseline")
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        type=lambda s: tuple(s.split("=", 1)),
        metavar="KEY=VALUE",
        help="extra environment of both bots, e.g. MAX_CONCURRENT_UPDATES=512 (repeatable)",
    )
    parser.add_argument(
        "--database-url",
        help="the bot's database: an empty PostgreSQL database, postgresql://… (default: a fresh SQLite file); "
        "bench/engines.py starts a server and compares the engines",
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="bot instances in webhook mode behind a round-robin balancer (2 or more need PostgreSQL)",
    )
    parser.add_argument("--webhook", action="store_true", help="webhook mode even for one instance")
    parser.add_argument("--profile", metavar="FILE", help="run the bot under cProfile, write FILE, print the top")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout (table on stderr)")
    args = parser.parse_args(argv)
    if args.echo_duration is None:
        args.echo_duration = min(20.0, args.duration)
    if args.instances > 1 and not (args.database_url or "").startswith("postgresql"):
        parser.error("several instances share one PostgreSQL database: give --database-url postgresql://…")
    if args.profile and (args.instances > 1 or args.webhook):
        parser.error("--profile runs one polling bot")
    args.server_cpu = None  # bench/engines.py: a callable giving the PostgreSQL server's CPU seconds
    return args


def git_revision() -> str:
    """The commit the benchmark ran on (``+dirty`` if the working tree had changes)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    began = time.perf_counter()
    try:
        result: dict[str, Any] = {
            "config": {
                "citizens": args.citizens,
                "active": args.active,
                "duration_s": args.duration,
                "echo_duration_s": None if args.no_echo else args.echo_duration,
                "warmup_s": args.warmup,
                "latency_s": args.latency,
                "think_s": args.think,
                "setup": args.setup,
                "database": (args.database_url or "sqlite").split(":", 1)[0],
                "instances": args.instances,
                "mode": "webhook" if args.instances > 1 or args.webhook else "polling",
                "echo_concurrency": args.echo_concurrency or None,
                "cpus": os.cpu_count(),
                "git": git_revision(),
                "python": platform.python_version(),
                "bot_env": dict(args.bot_env),
                "workdir": str(workdir),
            },
        }
        result["intake"] = await intake_run(args, workdir)
        if not args.no_echo:
            result["echo"] = await echo_run(args, workdir, result["intake"]["active"])
        result["targets"] = check_targets(result["intake"]["run"])
        result["total_s"] = time.perf_counter() - began
        return result
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    result = asyncio.run(amain(args))
    text = table(result) + f"\n\ntotal run time {result['total_s']:.0f} s"
    if args.json:
        print(text, file=sys.stderr)
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(text)
    return 0 if all(ok for _, ok, _ in result["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
