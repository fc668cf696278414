"""The intake load on SQLite and on PostgreSQL with one and with two instances, side by side.

    python bench/engines.py                                 # the four runs below: ~9 minutes on 2 cores
    python bench/engines.py --duration 20 --citizens 2000   # a quick check: ~3 minutes
    python bench/engines.py --only sqlite,pg                # some of the runs

Runs (each on a fresh database, with bench/intake.py's crowd, seed and options; no echo baseline):
  sqlite       one bot, long polling, SQLite (what bench/intake.py measures)
  pg           one bot, long polling, PostgreSQL
  pg-webhook   one bot in webhook mode behind the round-robin balancer, PostgreSQL
  pg-2         two instances in webhook mode behind the balancer, one PostgreSQL database

PostgreSQL is a throw-away cluster started here with its durable defaults (fsync and synchronous
commits on; tools/pg_cluster.py), on the same machine. Its CPU is counted with the bot's: SQLite
runs inside the bot process, PostgreSQL in its own.

Targets (issue 10): PostgreSQL with one instance within 1.5× of SQLite's CPU per update (bot and
server together, both polling); two instances not slower than one (pg-2 against pg-webhook: as
many updates/s, within the 3 % that repeated runs of one configuration differ by, and a p99 no
more than 10 % higher). Exit code 0 when both are met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import intake
from bench.deployment import PostgresServer
from bench.intake_report import ms
from bench.process import ROOT, log

RUNS = {
    "sqlite": dict(database="sqlite", instances=1, webhook=False),
    "pg": dict(database="postgresql", instances=1, webhook=False),
    "pg-webhook": dict(database="postgresql", instances=1, webhook=True),
    "pg-2": dict(database="postgresql", instances=2, webhook=True),
}
CPU_RATIO = 1.5
SAME_THROUGHPUT = 0.97
P99_SLACK = 1.10


async def run_all(names: list[str], intake_argv: list[str]) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    server = PostgresServer() if any(RUNS[n]["database"] == "postgresql" for n in names) else None
    try:
        if server is not None:
            log(f"PostgreSQL (durable settings) at {server.start()}")
        for name in names:
            shape = RUNS[name]
            args = intake.parse_args([*intake_argv, "--no-echo"])
            args.instances, args.webhook = shape["instances"], shape["webhook"]
            if shape["database"] == "postgresql":
                assert server is not None
                args.database_url = await server.fresh_database(f"bench_{name.replace('-', '_')}")
                args.server_cpu = server.cpu_seconds
            workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            log(f"--- run {name}: {shape} ---")
            try:
                results[name] = (await intake.intake_run(args, workdir))["run"]
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    finally:
        if server is not None:
            server.stop()
    return results


def table(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    rows: list[list[str]] = [["", *names]]

    def add(label: str, value: Any) -> None:
        rows.append([label, *(value(results[n]) for n in names)])

    def lat(name: str) -> Any:
        return lambda r: ms(r["latency_s"][name], r["latency_s"][f"{name}_is_lower_bound"])

    add("updates/s (offered)", lambda r: f"{r['updates_per_s']:.1f} ({r['offered_updates_per_s']:.1f})")
    for name in ("p50", "p90", "p99", "max"):
        add(f"latency {name}", lat(name))
    add("bot CPU per update", lambda r: f"{r['bot_cpu_ms_per_update']:.2f} ms")
    add("PostgreSQL server CPU per update", lambda r: f"{r['server_cpu_ms_per_update']:.2f} ms")
    add("bot + server CPU per update", lambda r: f"{r['total_cpu_ms_per_update']:.2f} ms")
    add("bot CPU (one core = 100 %)", lambda r: f"{r['bot_cpu_percent_of_one_core']:.0f} %")
    add("machine busy (all cores)", lambda r: f"{r['machine_busy_percent']:.0f} %")
    add("peak RSS, largest instance", lambda r: f"{r['peak_rss_mb']:.0f} MB")
    add("updates per instance", lambda r: " + ".join(map(str, r.get("updates_per_instance", []))) or "-")
    add("complaints filed", lambda r: f"{r['complaints_filed']:,}")
    add("stuck people / fake errors", lambda r: f"{r['stuck_count']} / {len(r['fake_errors'])}")
    add("bot log errors / warnings", lambda r: f"{r['bot_log_errors']} / {r['bot_log_warnings']}")
    add(
        "worst 1 s / 30 s, one private chat",
        lambda r: f"{r['limits']['per_private_chat_1s']} / {r['limits']['per_private_chat_30s']}",
    )
    add(
        "unprocessed updates / pending outbox at end",
        lambda r: f"{r['db']['inbox_unprocessed']} / {r['db']['outbox_pending']}",
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in rows
    )


def targets(results: dict[str, dict[str, Any]]) -> list[tuple[str, bool, str]]:
    checks = []
    if "sqlite" in results and "pg" in results:
        sqlite, pg = results["sqlite"]["total_cpu_ms_per_update"], results["pg"]["total_cpu_ms_per_update"]
        bot_only = results["pg"]["bot_cpu_ms_per_update"] / results["sqlite"]["bot_cpu_ms_per_update"]
        checks.append(
            (
                f"PostgreSQL CPU per update ≤ {CPU_RATIO}× SQLite's",
                pg <= CPU_RATIO * sqlite,
                f"{pg:.2f} ms against {sqlite:.2f} ms: {pg / sqlite:.2f}× (bot process alone {bot_only:.2f}×)",
            )
        )
    if "pg-webhook" in results and "pg-2" in results:
        one, two = results["pg-webhook"], results["pg-2"]
        faster = two["updates_per_s"] >= SAME_THROUGHPUT * one["updates_per_s"]
        p99_one, p99_two = one["latency_s"]["p99"], two["latency_s"]["p99"]
        checks.append(
            (
                "two instances not slower than one",
                faster and p99_two <= P99_SLACK * p99_one and not two["latency_s"]["p99_is_lower_bound"],
                f"{two['updates_per_s']:.1f} against {one['updates_per_s']:.1f} updates/s, "
                f"p99 {ms(p99_two)} against {ms(p99_one)}",
            )
        )
    for name, run in results.items():
        clean = not (run["stuck_count"] or run["fake_errors"] or run["bot_log_errors"])
        found = f"{run['stuck_count']} stuck, {len(run['fake_errors'])} fake errors, {run['bot_log_errors']} log errors"
        checks.append((f"{name}: no errors", clean, found))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(RUNS), help=f"comma-separated runs (default {','.join(RUNS)})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout (table on stderr)")
    known, intake_argv = parser.parse_known_args(argv)  # the rest goes to bench/intake.py
    names = [n.strip() for n in known.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        parser.error(f"unknown runs {unknown}; choose from {list(RUNS)}")
    os.chdir(ROOT)
    results = asyncio.run(run_all(names, intake_argv))
    checks = targets(results)
    config = intake.parse_args(intake_argv)
    text = "\n".join(
        [
            f"Intake on each engine: {config.citizens:,} citizens mid-draft, {config.active} active, think "
            f"{config.think} s, {config.duration:.0f} s measured, +{config.latency * 1000:.0f} ms per Bot API call, "
            f"{os.cpu_count()} CPUs, git {intake.git_revision()}",
            "",
            table(results),
            "",
            *(f"target {name:<44} {'MET' if ok else 'MISSED'}  ({text})" for name, ok, text in checks),
        ]
    )
    if known.json:
        print(text, file=sys.stderr)
        print(json.dumps({"runs": results, "targets": checks}, indent=2, default=str))
    else:
        print(text)
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
