"""The figures of the intake benchmark (bench/intake.py): what a measured window amounts to, the
table printed at the end, and the targets."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from bench.harness import Window, private_chat_windows
from bench.process import MB, BotProcess, log
from sandbox.fake_telegram import FakeTelegram

TARGETS = {"updates_per_s": 200.0, "p99_s": 1.0, "peak_rss_mb": 200.0}


# --- figures --------------------------------------------------------------------------------------


async def db_counts(database_url: str) -> dict[str, int]:
    """What the bot's database holds once the bot stopped (either engine)."""
    from db.database import open_database

    counts = {
        "users": "SELECT COUNT(*) FROM users",
        "open_drafts": "SELECT COUNT(*) FROM drafts",
        "complaints": "SELECT COUNT(*) FROM complaints",
        "inbox_unprocessed": "SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL",
        "outbox_pending": "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
        "outbox_failed": "SELECT COUNT(*) FROM outbox WHERE state = 'failed'",
    }
    db = await open_database(database_url)
    try:
        async with db.read() as tx:
            return {name: int(await tx.fetchval(sql)) for name, sql in counts.items()}
    finally:
        await db.close()


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
        "server_cpu_ms_per_update": 1000 * window.server_cpu / max(1, window.handled),
        "total_cpu_ms_per_update": 1000 * (window.bot_cpu + window.server_cpu) / max(1, window.handled),
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


def print_profile(path: str) -> None:
    import pstats

    if not Path(path).exists():
        log(f"no profile written to {path}")
        return
    print(f"\n--- cProfile of the bot ({path}): top 30 by own time ---", file=sys.stderr)
    pstats.Stats(path, stream=sys.stderr).sort_stats("tottime").print_stats(30)


# --- output ---------------------------------------------------------------------------------------


def ms(value: float, lower_bound: bool = False) -> str:
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
        f"database {config['database']}, {config['instances']} instance(s), {config['mode']}",
        f"setup ({setup['mode']}): seed DB {setup['seed_db_s']:.1f} s, {setup['opened_by_start']:,} citizens "
        f"opened their chat: {setup['updates']:,} updates in "
        f"{setup['drive_s']:.1f} s ({setup['updates_per_s']:.0f}/s, p50 {ms(setup['p50_s'])}, "
        f"p99 {ms(setup['p99_s'])}), {setup['failed']} failed; bot RSS after setup {setup['rss_after_mb']:.0f} MB",
        "",
    ]
    rows: list[tuple[str, str, str, str]] = [("", "intake bot", "echo bot" if echo else "", "ratio" if echo else "")]

    def add(label: str, ours: str, theirs: str = "", ratio: str = "") -> None:
        rows.append((label, ours, theirs if echo else "", ratio if echo else ""))

    def lat(fig: dict[str, Any], name: str) -> str:
        summary = fig["latency_s"]
        return ms(summary[name], summary[f"{name}_is_lower_bound"])

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
    if config["database"] == "postgresql":
        add("PostgreSQL server CPU per update", f"{run['server_cpu_ms_per_update']:.2f} ms")
        add("bot + server CPU per update", f"{run['total_cpu_ms_per_update']:.2f} ms")
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
                f"{label} latency split: waiting for getUpdates p50 {ms(pickup['p50'])} p99 {ms(pickup['p99'])}; "
                f"inside the bot (incl. the answer's own Bot API latency) p50 {ms(in_bot['p50'])} "
                f"p99 {ms(in_bot['p99'])}"
            )
    lines.append(
        "intake latency by kind: "
        + "; ".join(f"{k} n={v['count']:,} p50 {ms(v['p50'])} p99 {ms(v['p99'])}" for k, v in kinds.items())
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
        ("p99 ≤ 1 s", p99 <= TARGETS["p99_s"] and not run["latency_s"]["p99_is_lower_bound"], ms(p99)),
        ("peak RSS ≤ 200 MB", run["peak_rss_mb"] <= TARGETS["peak_rss_mb"], f"{run['peak_rss_mb']:.0f} MB"),
        (
            "no errors",
            not run["fake_errors"] and not run["stuck_count"] and not run["unanswered_callbacks"],
            f"{len(run['fake_errors'])} fake errors, {run['stuck_count']} stuck, "
            f"{run['unanswered_callbacks']} unanswered callbacks",
        ),
    ]
