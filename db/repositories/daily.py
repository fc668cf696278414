"""Daily figures per scope: how many complaints were acknowledged or resolved each day, and how
long they took (in buckets 25% wide, enough for a median read to within about 12%)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from db.database import Tx

MINISTRY = "KH"
DAY = 86400.0
TZ_OFFSET = 7 * 3600.0  # Phnom Penh: UTC+7, no daylight saving
GROWTH = 1.25


def day_of(timestamp: float) -> int:
    return int((timestamp + TZ_OFFSET) // DAY)


def bucket_of(seconds: float) -> int:
    return 0 if seconds < 60 else int(math.log(seconds / 60) / math.log(GROWTH)) + 1


def bucket_middle(bucket: int) -> float:
    """A duration representing the bucket (its geometric middle), in seconds."""
    return 30.0 if bucket == 0 else 60 * GROWTH ** (bucket - 0.5)


def scopes_of(row: Mapping[str, Any]) -> list[str]:
    """Every scope a complaint counts in: its unit, that unit's district and province, the country."""
    codes = [row["unit_code"], row["unit_district"], row["unit_province"], MINISTRY]
    return list(dict.fromkeys(c for c in codes if c))


async def count(tx: Tx, scopes: Iterable[str], measure: str, at: float, seconds: float) -> None:
    day, bucket = day_of(at), bucket_of(max(seconds, 0.0))
    await tx.executemany(
        "INSERT INTO daily_figures (scope, measure, day, bucket, count) VALUES (?, ?, ?, ?, 1) "
        "ON CONFLICT (scope, measure, day, bucket) DO UPDATE SET count = daily_figures.count + 1",
        [(scope, measure, day, bucket) for scope in scopes],
    )


Window = tuple[int, int, float | None]  # count in the last 7 days, in the last 30, median seconds


async def windows(
    tx: Tx, scope: str, measures: tuple[str, ...], now: float, median_days: int = 30
) -> dict[str, Window]:
    """For each measure: (count in the last 7 days, count in the last 30 days, median seconds over
    the last `median_days`, e.g. 7 for a week's chart). One read for all measures: /status of the
    whole country sums ~2,000 rows."""
    today = day_of(now)
    marks = ", ".join("?" for _ in measures)
    rows = await tx.fetchall(
        "SELECT measure, bucket, SUM(CASE WHEN day > ? THEN count ELSE 0 END), "
        "SUM(CASE WHEN day > ? THEN count ELSE 0 END), SUM(CASE WHEN day > ? THEN count ELSE 0 END) "
        f"FROM daily_figures WHERE scope = ? AND measure IN ({marks}) AND day > ? GROUP BY measure, bucket",
        (today - 7, today - 30, today - median_days, scope, *measures, today - max(30, median_days)),
    )
    return {m: _window([(r[1], r[2], r[3], r[4]) for r in rows if r[0] == m]) for m in measures}


def _window(rows: list[tuple[int, int, int, int]]) -> Window:
    """rows: (bucket, count in 7 days, in 30 days, in the median's days)."""
    last_7, last_30 = sum(r[1] for r in rows), sum(r[2] for r in rows)
    buckets = {r[0]: r[3] for r in rows if r[3]}
    total = sum(buckets.values())
    seen = 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        if seen * 2 >= total:
            return last_7, last_30, bucket_middle(bucket)
    return last_7, last_30, None  # no times in that span


OPEN = ("submitted", "acknowledged")


async def move_open(
    tx: Tx, scopes_before: list[str], status_before: str | None, scopes_after: list[str], status_after: str | None
) -> None:
    """Keep `open_counts` right when a complaint's status or handling unit changes."""
    changes: dict[tuple[str, str], int] = {}
    if status_before in OPEN:
        for scope in scopes_before:
            changes[(scope, status_before)] = changes.get((scope, status_before), 0) - 1
    if status_after in OPEN:
        for scope in scopes_after:
            changes[(scope, status_after)] = changes.get((scope, status_after), 0) + 1
    rows = [(scope, status, delta) for (scope, status), delta in changes.items() if delta]
    if rows:
        await tx.executemany(
            "INSERT INTO open_counts (scope, status, count) VALUES (?, ?, ?) "
            "ON CONFLICT (scope, status) DO UPDATE SET count = open_counts.count + excluded.count",
            rows,
        )


async def open_counts(tx: Tx, scope: str) -> dict[str, int]:
    rows = await tx.fetchall("SELECT status, count FROM open_counts WHERE scope = ?", (scope,))
    return {r[0]: r[1] for r in rows}
