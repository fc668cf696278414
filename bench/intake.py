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
import math
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    MB,
    ROOT,
    BotProcess,
    Crowd,
    Observer,
    Person,
    Recorder,
    Stuck,
    Window,
    any_message,
    bot_env,
    contains,
    has_button,
    log,
    percentile,
    private_chat_windows,
    run_window,
)
from sandbox.fake_telegram import FakeTelegram
from sandbox.fake_telegram.actors import FakeUser
from sandbox.fake_telegram.models import Message

TARGETS = {"updates_per_s": 200.0, "p99_s": 1.0, "peak_rss_mb": 200.0}

SENTENCES = [
    "A man sells drugs near the school every night.",
    "The police at the checkpoint asked me for money to pass.",
    "My motorbike was stolen in front of the market yesterday evening.",
    "They play cards for money behind the pagoda until late.",
    "A truck blocks the road every morning and nobody does anything.",
    "Three young men beat my neighbour in front of his house.",
    "I reported this last month but nothing happened.",
    "មានគេលក់គ្រឿងញៀននៅជិតសាលារៀនរាល់យប់។",
    "ប៉ូលិសនៅប៉ុស្តិ៍ត្រួតពិនិត្យបានសុំលុយពីខ្ញុំ។",
    "It happens around nine o'clock, near the big tree by the river.",
]
TYPED_PLACE = "Svay Dankum"  # one commune in Siem Reap, matched exactly (as in tests/test_intake_flow.py)


def describe(rng: random.Random) -> str:
    return " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))


def is_description_prompt(message: Message) -> bool:
    """The typing steps show a reply keyboard [✅ Done] over [⬅️ Back, ✖️ Cancel] (as in the tests)."""
    return len((message.reply_markup or {}).get("keyboard", [])) == 2


def equals(data: str) -> Callable[[Message], bool]:
    return has_button(lambda d: d == data)


def place_codes(message: Message, seq: int, digits: int) -> list[str]:
    pattern = re.compile(rf"n:{seq}:place:\d{{{digits}}}")
    return [d for _, d in message.buttons() if d is not None and pattern.fullmatch(d)]


class Citizen(Person):
    """A citizen who files complaint after complaint, as tests/test_intake_flow.py does."""

    seq = 1

    async def start_seeded(self) -> None:
        """The citizen's draft is already in the database: /start opens the chat, the menu answers."""
        await self.say("/start", equals("m:new"), "start")

    async def start_from_scratch(self) -> None:
        """Through the interface: language, menu, category, place; ends at the description step."""
        picker = await self.say("/start", equals("lang:en"), "start")
        menu = await self.press(picker, "lang:en", equals("m:new"), "language")
        categories = await self.press(menu, "m:new", has_button(lambda d: ":cat:" in d), "menu")
        await self.to_description(categories)

    async def to_description(self, categories: Message) -> None:
        rng = self.rng
        seq = int(next(d for _, d in categories.buttons() if d and ":cat:" in d).split(":")[1])
        category = rng.choice([d for _, d in categories.buttons() if d and d.startswith(f"n:{seq}:cat:")])
        places = await self.press(categories, category, equals(f"n:{seq}:place:17"), "category")
        if rng.random() < 0.5:
            await self.say(TYPED_PLACE, is_description_prompt, "place typed")
        else:  # Siem Reap, then a district and a commune with the buttons (each press edits the message)
            same = places.message_id
            districts = await self.press(
                places, f"n:{seq}:place:17", lambda m: m.message_id == same and bool(place_codes(m, seq, 4)), "province"
            )
            communes = await self.press(
                districts,
                rng.choice(place_codes(districts, seq, 4)),
                lambda m: m.message_id == same and bool(place_codes(m, seq, 6)),
                "district",
            )
            await self.press(communes, rng.choice(place_codes(communes, seq, 6)), is_description_prompt, "commune")
        self.seq = seq

    async def file_complaints(self) -> None:
        """From the description step: describe, skip evidence, stay anonymous, submit; then a new one."""
        rng = self.rng
        while True:
            seq = self.seq
            for _ in range(rng.randint(1, 3)):
                await self.say(describe(rng), contains("Saved ("), "description")
            await self.say("✅ Done", contains("Evidence"), "done")
            await self.say("⏭ Skip", contains("How can the police reach you?"), "skip evidence")
            review = await self.say("🙈 Stay anonymous", equals(f"n:{seq}:submit"), "anonymous")
            receipt = await self.press(review, f"n:{seq}:submit", contains("Tracking number"), "submit")
            self.crowd.count("complaints")
            if rng.random() < 0.5:
                menu = await self.press(receipt, "m:home", equals("m:new"), "menu")
                categories = await self.press(menu, "m:new", has_button(lambda d: ":cat:" in d), "new")
            else:
                categories = await self.say("/new", has_button(lambda d: ":cat:" in d), "/new")
            await self.to_description(categories)


class EchoPerson(Person):
    async def chat(self) -> None:
        await self.say("/start", any_message, "start")
        while True:
            await self.say(describe(self.rng), any_message, "text")


# --- setup ----------------------------------------------------------------------------------------


async def seed_database(db_path: Path, users: list[FakeUser], rng: random.Random) -> None:
    """Users with English chosen and one open draft each, at the description step, written through
    the project's own repositories and intake domain (one transaction)."""
    from bot.domain import intake
    from bot.domain.categories import load_categories
    from bot.domain.places import Gazetteer
    from db.database import Database
    from db.migrate import migrate
    from db.repositories import drafts
    from db.repositories import users as users_repo

    gazetteer = Gazetteer.load()
    commune = next(m.place.code for m in gazetteer.search(TYPED_PLACE) if m.exact)
    path = [p.code for p in gazetteer.path(commune)]
    valid = {c.key for c in load_categories(None).active()}
    db = await Database.open(db_path)
    try:
        await migrate(db)
        async with db.transaction() as tx:
            for user in users:
                draft = intake.choose_category(intake.Draft(), rng.choice(sorted(valid)), valid)
                draft = intake.choose_place(draft, commune, path)
                draft = intake.add_description(draft, describe(rng))
                await users_repo.touch(tx, user.id)
                await users_repo.set_lang(tx, user.id, "en")
                seq = await users_repo.next_draft_seq(tx, user.id)
                await drafts.create(tx, user.id, seq, draft)
    finally:
        await db.close()


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


# --- figures --------------------------------------------------------------------------------------


def db_counts(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        one = lambda sql: int(conn.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "users": one("SELECT COUNT(*) FROM users"),
            "open_drafts": one("SELECT COUNT(*) FROM drafts"),
            "complaints": one("SELECT COUNT(*) FROM complaints"),
            "inbox_unprocessed": one("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL"),
            "outbox_pending": one("SELECT COUNT(*) FROM outbox WHERE state = 'pending'"),
            "outbox_failed": one("SELECT COUNT(*) FROM outbox WHERE state = 'failed'"),
        }
    finally:
        conn.close()


def figures(window: Window, bot: BotProcess, fake: FakeTelegram, startup: float) -> dict[str, Any]:
    report = fake.limit_report()
    log_lines = bot.log_text().splitlines()
    duration = window.duration
    start, end = window.wall
    calls: dict[str, int] = {}
    for call in fake.calls:
        if start <= call.time < end:
            calls[call.method] = calls.get(call.method, 0) + 1
    return {
        "duration_s": duration,
        "bot_api_calls_per_update": {
            m: n / max(1, window.handled) for m, n in sorted(calls.items(), key=lambda kv: -kv[1])
        },
        "updates_handled": window.handled,
        "updates_per_s": window.handled / duration,
        "offered_updates_per_s": window.recorder.queued / duration,
        "latency_s": window.latency_summary(),
        "unanswered_at_end": len(window.recorder.censored),
        "peak_rss_mb": bot.hwm / MB,
        "window_rss_max_mb": window.rss_max / MB,
        "bot_cpu_percent_of_one_core": 100 * window.bot_cpu / duration,
        "bot_main_thread_cpu_percent": 100 * window.bot_main_thread_cpu / duration,
        "bot_cpu_ms_per_update": 1000 * window.bot_cpu / max(1, window.handled),
        "bench_cpu_percent_of_one_core": 100 * window.bench_cpu / duration,
        "machine_busy_percent": 100 * window.system_busy,
        "startup_s": startup,
        "complaints_filed": window.counters.get("complaints", 0),
        "fake_errors": [f"{e.code} {e.method}: {e.description}" for e in fake.errors],
        "unknown_methods": list(fake.unknown_methods),
        "unanswered_callbacks": len(fake.unanswered_callbacks()),
        "stuck_people": window.stuck[:20],
        "stuck_count": len(window.stuck),
        "bot_log_errors": sum(" ERROR " in line or "Traceback" in line for line in log_lines),
        "bot_log_warnings": sum(" WARNING " in line for line in log_lines),
        "limits": {
            "messages_total": report.total_messages,
            "max_per_second_overall": report.max_per_second_overall,
            **private_chat_windows(fake),
        },
    }


# --- the two runs ---------------------------------------------------------------------------------


async def intake_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    db_path = workdir / "bot.sqlite3"
    fake = FakeTelegram(latency=args.latency)
    await fake.start()
    observer = Observer(fake)
    result: dict[str, Any] = {}
    bot: BotProcess | None = None
    try:
        users = [fake.user(f"Citizen {i}", language_code="en") for i in range(args.citizens)]
        setup_crowd = Crowd(fake, observer, think=0.0 if args.setup == "seed" else 0.3, patience=args.patience * 4)
        citizens = {u.id: Citizen(setup_crowd, u, random.Random(rng.random())) for u in users}
        seed_time = 0.0
        if args.setup == "seed":
            log(f"seeding {args.citizens:,} users and open drafts through db.repositories …")
            started = time.perf_counter()
            await seed_database(db_path, users, rng)
            seed_time = time.perf_counter() - started
            log(f"seeded in {seed_time:.1f} s")

        env = bot_env(fake, DATABASE_URL=f"sqlite:///{db_path}", **dict(args.bot_env))
        argv = [sys.executable, "run_bot.py"]
        if args.profile:
            argv = [sys.executable, "-m", "cProfile", "-o", str(Path(args.profile).resolve()), "run_bot.py"]
        bot = BotProcess(argv, env, workdir / "bot.log")
        await bot.start()
        startup = await bot.wait_until_polling(fake)
        log(f"bot polling after {startup:.1f} s (pid {bot.pid}, RSS {bot.rss() / MB:.0f} MB)")

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
        code = await bot.stop()
        result["run"]["peak_rss_mb"] = bot.hwm / MB
        result["run"]["exit_code"] = code
        result["run"]["db"] = db_counts(db_path)
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


def print_profile(path: str) -> None:
    import pstats

    if not Path(path).exists():
        log(f"no profile written to {path}")
        return
    print(f"\n--- cProfile of the bot ({path}): top 30 by own time ---", file=sys.stderr)
    pstats.Stats(path, stream=sys.stderr).sort_stats("tottime").print_stats(30)


# --- output ---------------------------------------------------------------------------------------


def _ms(value: float, lower_bound: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return ("≥" if lower_bound else "") + (f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s")


def table(result: dict[str, Any]) -> str:
    config, setup, run = result["config"], result["intake"]["setup"], result["intake"]["run"]
    echo = result.get("echo")
    lines = [
        f"Intake benchmark: {config['citizens']:,} citizens mid-draft, {result['intake']['active']} active, "
        f"think {config['think_s']} s, +{config['latency_s'] * 1000:.0f} ms per Bot API call, "
        f"{config['cpus']} CPUs, Python {config['python']}, git {config['git']}",
        f"setup ({setup['mode']}): seed DB {setup['seed_db_s']:.1f} s, {setup['opened_by_start']:,} citizens "
        f"opened their chat: {setup['updates']:,} updates in "
        f"{setup['drive_s']:.1f} s ({setup['updates_per_s']:.0f}/s, p50 {_ms(setup['p50_s'])}, "
        f"p99 {_ms(setup['p99_s'])}), {setup['failed']} failed; bot RSS after setup {setup['rss_after_mb']:.0f} MB",
        "",
    ]
    rows: list[tuple[str, str, str, str]] = [("", "intake bot", "echo bot" if echo else "", "ratio" if echo else "")]

    def add(label: str, ours: str, theirs: str = "", ratio: str = "") -> None:
        rows.append((label, ours, theirs if echo else "", ratio if echo else ""))

    def lat(fig: dict[str, Any], name: str) -> str:
        summary = fig["latency_s"]
        return _ms(summary[name], summary[f"{name}_is_lower_bound"])

    e = echo or {}
    add("measured window", f"{run['duration_s']:.1f} s", f"{e.get('duration_s', 0):.1f} s")
    add("updates handled", f"{run['updates_handled']:,}", f"{e.get('updates_handled', 0):,}")
    add(
        "updates/s (offered)",
        f"{run['updates_per_s']:.1f} ({run['offered_updates_per_s']:.1f})",
        f"{e.get('updates_per_s', 0):.1f} ({e.get('offered_updates_per_s', 0):.1f})",
        f"{run['updates_per_s'] / e['updates_per_s']:.1f}×" if e.get("updates_per_s") else "",
    )
    for name in ("p50", "p90", "p99", "max"):
        ratio = ""
        if echo and e["latency_s"][name] > 0:
            ours_low, theirs_low = run["latency_s"][f"{name}_is_lower_bound"], e["latency_s"][f"{name}_is_lower_bound"]
            bound = "" if ours_low == theirs_low else ("≤" if theirs_low else "≥")
            ratio = f"{bound}{run['latency_s'][name] / e['latency_s'][name]:.3f}×"
        add(f"latency {name}", lat(run, name), lat(e, name) if echo else "", ratio)
    add("unanswered at end", f"{run['unanswered_at_end']}", f"{e.get('unanswered_at_end', 0)}")
    add(
        "peak RSS (VmHWM)",
        f"{run['peak_rss_mb']:.0f} MB",
        f"{e.get('peak_rss_mb', 0):.0f} MB",
        f"{run['peak_rss_mb'] / e['peak_rss_mb']:.1f}×" if e.get("peak_rss_mb") else "",
    )
    add("RSS max in window", f"{run['window_rss_max_mb']:.0f} MB", f"{e.get('window_rss_max_mb', 0):.0f} MB")
    add(
        "bot CPU (one core = 100%)",
        f"{run['bot_cpu_percent_of_one_core']:.0f}%",
        f"{e.get('bot_cpu_percent_of_one_core', 0):.0f}%",
    )
    add(
        "… of which main thread",
        f"{run['bot_main_thread_cpu_percent']:.0f}%",
        f"{e.get('bot_main_thread_cpu_percent', 0):.0f}%",
    )
    add(
        "bot CPU per update",
        f"{run['bot_cpu_ms_per_update']:.2f} ms",
        f"{e.get('bot_cpu_ms_per_update', 0):.2f} ms",
        f"{run['bot_cpu_ms_per_update'] / e['bot_cpu_ms_per_update']:.1f}×" if e.get("bot_cpu_ms_per_update") else "",
    )
    add(
        "fake + people CPU",
        f"{run['bench_cpu_percent_of_one_core']:.0f}%",
        f"{e.get('bench_cpu_percent_of_one_core', 0):.0f}%",
    )
    add(
        f"machine busy (of {config['cpus']} CPUs)",
        f"{run['machine_busy_percent']:.0f}%",
        f"{e.get('machine_busy_percent', 0):.0f}%",
    )
    add("complaints filed", f"{run['complaints_filed']:,}", "-")
    add("fake.errors", f"{len(run['fake_errors'])}", f"{len(e.get('fake_errors', []))}")
    add("stuck people", f"{run['stuck_count']}", f"{e.get('stuck_count', 0)}")
    add("unanswered callbacks", f"{run['unanswered_callbacks']}", f"{e.get('unanswered_callbacks', 0)}")
    add(
        "bot log errors / warnings",
        f"{run['bot_log_errors']} / {run['bot_log_warnings']}",
        f"{e.get('bot_log_errors', 0)} / {e.get('bot_log_warnings', 0)}",
    )
    limits, elimits = run["limits"], e.get("limits", {})
    add(
        "worst 1 s, one private chat",
        f"{limits['per_private_chat_1s']} msgs (≤ 4)",
        f"{elimits.get('per_private_chat_1s', 0)} msgs",
    )
    add(
        "worst 30 s, one private chat",
        f"{limits['per_private_chat_30s']} msgs (≤ 30)",
        f"{elimits.get('per_private_chat_30s', 0)} msgs",
    )
    add(
        "worst 1 s, all chats",
        f"{limits['max_per_second_overall']} msgs",
        f"{elimits.get('max_per_second_overall', 0)} msgs",
    )
    add("bot startup", f"{run['startup_s']:.1f} s", f"{e.get('startup_s', 0):.1f} s")

    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for label, ours, theirs, ratio in rows:
        lines.append(f"{label:<{widths[0]}}  {ours:>{widths[1]}}  {theirs:>{widths[2]}}  {ratio:>{widths[3]}}".rstrip())
    kinds = run["latency_s"]["by_kind"]
    lines.append("")
    for label, fig in (("intake", run), ("echo", e)):
        if fig:
            pickup, in_bot = fig["latency_s"]["pickup"], fig["latency_s"]["in_bot"]
            lines.append(
                f"{label} latency split: waiting for getUpdates p50 {_ms(pickup['p50'])} p99 {_ms(pickup['p99'])}; "
                f"inside the bot (incl. the answer's own Bot API latency) p50 {_ms(in_bot['p50'])} "
                f"p99 {_ms(in_bot['p99'])}"
            )
    lines.append(
        "intake latency by kind: "
        + "; ".join(f"{k} n={v['count']:,} p50 {_ms(v['p50'])} p99 {_ms(v['p99'])}" for k, v in kinds.items())
    )
    db = run["db"]
    lines.append(
        "intake Bot API calls per update: "
        + ", ".join(f"{m} {n:.2f}" for m, n in run["bot_api_calls_per_update"].items())
        + f" (total {sum(run['bot_api_calls_per_update'].values()):.2f})"
    )
    lines.append(
        f"bot database at the end: {db['users']:,} users, {db['open_drafts']:,} open drafts, "
        f"{db['complaints']:,} complaints, {db['inbox_unprocessed']} unprocessed updates, "
        f"{db['outbox_pending']} pending / {db['outbox_failed']} failed outbox messages"
    )
    lines.append("")
    for name, ok, text in result["targets"]:
        lines.append(f"target {name:<24} {'MET' if ok else 'MISSED'}  ({text})")
    problems = run["fake_errors"][:5] + run["stuck_people"][:5] + e.get("fake_errors", [])[:5]
    if problems:
        lines.append("")
        lines.append("problems (first few):")
        lines.extend(f"  {p}" for p in problems)
    return "\n".join(lines)


def check_targets(run: dict[str, Any]) -> list[tuple[str, bool, str]]:
    p99 = run["latency_s"]["p99"]
    return [
        ("updates/s ≥ 200", run["updates_per_s"] >= TARGETS["updates_per_s"], f"{run['updates_per_s']:.1f}/s"),
        ("p99 ≤ 1 s", p99 <= TARGETS["p99_s"] and not run["latency_s"]["p99_is_lower_bound"], _ms(p99)),
        ("peak RSS ≤ 200 MB", run["peak_rss_mb"] <= TARGETS["peak_rss_mb"], f"{run['peak_rss_mb']:.0f} MB"),
        (
            "no errors",
            not run["fake_errors"] and not run["stuck_count"] and not run["unanswered_callbacks"],
            f"{len(run['fake_errors'])} fake errors, {run['stuck_count']} stuck, "
            f"{run['unanswered_callbacks']} unanswered callbacks",
        ),
    ]


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
    parser.add_argument("--profile", metavar="FILE", help="run the bot under cProfile, write FILE, print the top")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout (table on stderr)")
    args = parser.parse_args(argv)
    if args.echo_duration is None:
        args.echo_duration = min(20.0, args.duration)
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
