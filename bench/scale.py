"""Query times with a million complaints: the deadline sweep's due query and supervisors' /status.

    python bench/scale.py                        # SQLite, 1,000,000 complaints (about 2 minutes to generate)
    python bench/scale.py --count 100000         # quicker
    python bench/scale.py --engine postgresql    # the same on a PostgreSQL server started here (durable
                                                 # defaults, tools/pg_cluster.py; about 6 minutes to generate)
    python bench/scale.py --database-url postgresql://…/empty_db   # on a server of your own

Complaints are generated over 4.5 years (about what a 220,000-a-year national service stores),
2% of them open and a third of those overdue, handled by posts all over the country; then each
query runs many times through the bot's own repositories and aiosqlite, and p50/p99 are printed.
Target: ≤ 10 ms at p99 for each, on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.deployment import PostgresServer
from bot.domain.places import Gazetteer
from bot.domain.units import default_registry
from db.database import Database, is_postgres_url, open_database
from db.migrate import migrate
from db.repositories import daily, deadlines, figures, units
from db.repositories.figures import Scope
from tests.seeding import Shape, seed

YEAR = 365 * 86400.0


async def timed(label: str, runs: int, action: Callable[[], Awaitable[object]]) -> dict[str, float]:
    for _ in range(5):  # warm the page cache, as a running bot has it
        await action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    result = {
        "p50": statistics.median(samples),
        "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "max": samples[-1],
    }
    print(f"  {label:<44} p50 {result['p50']:6.2f} ms   p99 {result['p99']:6.2f} ms   max {result['max']:6.2f} ms")
    return result


async def run(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    registry = default_registry(Gazetteer.load())
    server = PostgresServer() if args.engine == "postgresql" and not args.database_url else None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if server is not None:
                server.start()
                url = await server.fresh_database("bench_scale")
            else:
                url = args.database_url or f"sqlite:///{args.database or Path(tmp) / 'scale.sqlite3'}"
            if args.database and args.database.exists():
                return await measure(url, registry, time.time(), args)
            return await generate_and_measure(url, registry, args)
        finally:
            if server is not None:
                server.stop()


async def generate_and_measure(url: str, registry, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    db = await open_database(url, synchronous="NORMAL")
    await migrate(db)
    async with db.transaction() as tx:
        await units.replace_all(tx, registry.units.values(), registry.commune_posts)
    await db.close()
    now = time.time()
    started = time.monotonic()
    done = 0
    while done < args.count:  # in slices, so memory stays small
        size = min(100_000, args.count - done)
        seed(
            url,
            registry,
            Shape(size, now - 4.5 * YEAR, now, citizen_base=9_000_000_000 + done),
            seed_value=done + 1,
            now=now,
        )
        done += size
        print(f"generated {done:,} complaints ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    db = await open_database(url)
    async with db.transaction() as tx:
        await tx.execute("ANALYZE")
    await db.close()
    return await measure(url, registry, now, args)


async def size_mb(db: Database, url: str) -> float:
    if is_postgres_url(url):
        async with db.read() as tx:
            return await tx.fetchval("SELECT pg_database_size(current_database())") / 1e6
    return Path(url.removeprefix("sqlite:///")).stat().st_size / 1e6


async def measure(url: str, registry, now: float, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    db = await open_database(url)
    engine = "PostgreSQL" if is_postgres_url(url) else "SQLite"
    async with db.read() as tx:
        total = await tx.fetchval("SELECT COUNT(*) FROM complaints")
        open_count = await tx.fetchval("SELECT COUNT(*) FROM complaints WHERE status IN ('submitted', 'acknowledged')")
        due_count = await tx.fetchval("SELECT COUNT(*) FROM deadlines WHERE fired_at IS NULL AND due_at <= ?", (now,))
    print(
        f"\nScale benchmark on {engine}: {total:,} complaints ({open_count:,} open, {due_count:,} deadlines due), "
        f"database {await size_mb(db, url):,.0f} MB"
    )
    results = {}

    async def read(action: Callable) -> object:
        async with db.read() as tx:
            return await action(tx)

    results["sweep due query"] = await timed(
        "sweep: due deadlines (200, oldest first)", args.runs, lambda: read(lambda tx: deadlines.due(tx, now, 200))
    )
    for code, label in (("KH", "ministry"), ("17", "province"), ("1710", "district"), ("171001", "post")):
        scope = Scope.of(registry.get(code))
        results[f"whole /status {label}"] = await timed(
            f"/status, {label} scope ({code}): all figures",
            args.runs,
            lambda scope=scope: read(lambda tx: figures.figures(tx, scope, now)),
        )
    # The ministry's /status is the heaviest: each of its queries on its own.
    scope, code = Scope.of(registry.get("KH")), daily.MINISTRY
    parts = {
        "open by state (kept counts)": lambda tx: daily.open_counts(tx, code),
        "overdue to acknowledge / resolve": lambda tx: figures.overdue_totals(tx, scope, now),
        "7/30-day counts and medians": lambda tx: daily.windows(tx, code, ("acknowledged", "resolved"), now),
        "units with the most overdue": lambda tx: figures.worst_units(tx, scope, now),
    }
    for label, query in parts.items():
        results[f"/status ministry: {label}"] = await timed(
            f"  KH query: {label}", args.runs, lambda query=query: read(query)
        )
    scope = Scope.of(registry.get("1710"))
    results["/status unit queue"] = await timed(
        "/status 1710: the unit's open queue",
        args.runs,
        lambda: read(lambda tx: figures.open_items(tx, scope, now, overdue_only=False, limit=15)),
    )
    scope = Scope.of(registry.get("KH"))
    results["/overdue"] = await timed(
        "/overdue, ministry scope: a page",
        args.runs,
        lambda: read(lambda tx: figures.open_items(tx, scope, now, overdue_only=True, limit=10)),
    )
    await db.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database", type=Path, help="SQLite: keep the generated database here (and reuse it if present)"
    )
    parser.add_argument("--database-url", help="an empty database to generate into (e.g. postgresql://…)")
    results = asyncio.run(run(parser.parse_args()))
    worst_query = max(r["p99"] for k, r in results.items() if not k.startswith("whole "))
    worst_status = max(r["p99"] for k, r in results.items() if k.startswith("whole "))
    verdict = {True: "MET", False: "MISSED"}
    print(f"\nworst p99 of a single query {worst_query:.2f} ms: target ≤ 10 ms {verdict[worst_query <= 10]}")
    print(f"worst p99 of a whole /status (all its queries) {worst_status:.2f} ms: {verdict[worst_status <= 10]}")
    return 0 if worst_query <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
