"""Many complaints written straight into a database: for tests of bursts and for bench/scale.py.

Rows are shaped exactly as the bot writes them (the same columns, codes and statuses), so the
bot's queries and sweeps treat them as their own.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.domain import tracking
from bot.domain.units import Level, Registry
from db.repositories import daily
from tests import dbaccess

CATEGORIES = (
    "drugs",
    "theft",
    "violence",
    "domestic_violence",
    "traffic",
    "gambling",
    "trafficking",
    "police_misconduct",
    "no_action",
    "other",
)


@dataclass(frozen=True)
class Shape:
    count: int
    start: float  # filed between start and end
    end: float
    open_share: float = 0.02  # the rest is resolved or rejected
    overdue_share: float = 0.3  # of the open ones
    citizen_base: int = 7_000_000_000


def _numbers(start: int) -> Iterator[str]:
    """Consecutive valid numbers: unique across calls that use different citizen bases."""
    body = 100_000_000 + start % 800_000_000
    while True:
        yield str(body) + str(tracking.damm_digit(str(body)))
        body += 1


def seed(
    db_path: Path | str,
    registry: Registry,
    shape: Shape,
    *,
    seed_value: int = 1,
    now: float | None = None,
    posts: list[str] | None = None,
) -> int:
    """Write `shape.count` complaints (and their users and open deadlines) into the database a test's
    path names, or the one a DATABASE_URL (a str) names; returns the count."""
    rng = random.Random(seed_value)
    now = now if now is not None else shape.end
    posts = posts or [u.code for u in registry.units.values() if u.level == Level.POST]
    # (a test's bot may be writing too: SQLite waits up to 60 s for its lock)
    conn = dbaccess.connect_url(db_path) if isinstance(db_path, str) else dbaccess.connect(db_path, timeout=60)
    try:
        numbers = _numbers(shape.citizen_base)
        batch, users, due_rows, events = [], [], [], []
        rollup: Counter[tuple[str, str, int, int]] = Counter()
        opened: Counter[tuple[str, str]] = Counter()
        first_id = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM complaints").fetchone()[0]) + 1
        for i in range(shape.count):
            post = rng.choice(posts)
            chain = {u.level: u.code for u in registry.ancestors(post)}
            created = rng.uniform(shape.start, shape.end)
            citizen = shape.citizen_base + i
            is_open = rng.random() < shape.open_share
            late = is_open and rng.random() < shape.overdue_share
            acknowledged = None if (is_open and rng.random() < 0.5) else created + rng.uniform(600, 3 * 86400)
            status = (
                ("acknowledged" if acknowledged else "submitted")
                if is_open
                else rng.choice(("resolved", "resolved", "resolved", "rejected"))
            )
            closed = None if is_open else (acknowledged or created) + rng.uniform(3600, 20 * 86400)
            due = (now - rng.uniform(60, 86400)) if late else (now + rng.uniform(3600, 10 * 86400))
            ack_due = due if status == "submitted" else created + 86400
            resolve_due = due if status == "acknowledged" else None
            users.append((citizen, "en", created, created))
            batch.append(
                (
                    next(numbers),
                    citizen,
                    1,
                    rng.choice(CATEGORIES),
                    post[:2],
                    post[:4],
                    post,
                    2025,
                    "Seeded complaint text for measurements.",
                    "anonymous",
                    "en",
                    status,
                    created,
                    closed or created,
                    post,
                    post,
                    "SEED",
                    ack_due,
                    resolve_due,
                    acknowledged,
                    closed,
                    chain.get(Level.DISTRICT),
                    chain.get(Level.PROVINCE),
                    due if is_open else None,
                )
            )
            scopes = daily.scopes_of(
                {
                    "unit_code": post,
                    "unit_district": chain.get(Level.DISTRICT),
                    "unit_province": chain.get(Level.PROVINCE),
                }
            )
            for measure, at in (("acknowledged", acknowledged), ("resolved", closed if status == "resolved" else None)):
                if at is not None:
                    for scope in scopes:
                        rollup[(scope, measure, daily.day_of(at), daily.bucket_of(at - created))] += 1
            events += _history(first_id + i, citizen, post, created, status, acknowledged, closed)
            if is_open:
                for scope in scopes:
                    opened[(scope, status)] += 1
                due_rows.append(
                    (first_id + i, "acknowledge" if status == "submitted" else "resolve", 0, post, due, created)
                )
        conn.executemany(
            "INSERT INTO users (user_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            users,
        )
        conn.executemany(
            "INSERT INTO complaints (tracking_no, citizen_id, draft_seq, category, province_code, district_code, "
            "commune_code, gazetteer_year, description, contact_mode, lang, status, created_at, updated_at, "
            "unit_code, responsible_code, pseudonym, ack_due_at, resolve_due_at, acknowledged_at, closed_at, "
            "unit_district, unit_province, due_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        conn.executemany(
            "INSERT INTO complaint_events (complaint_id, at, actor_kind, actor_id, unit_code, action, from_status, "
            "to_status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        conn.executemany(
            "INSERT INTO deadlines (complaint_id, kind, stage, unit_code, due_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            due_rows,
        )
        conn.executemany(
            "INSERT INTO daily_figures (scope, measure, day, bucket, count) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (scope, measure, day, bucket) DO UPDATE SET count = daily_figures.count + excluded.count",
            [(*key, n) for key, n in rollup.items()],
        )
        conn.executemany(
            "INSERT INTO open_counts (scope, status, count) VALUES (?, ?, ?) "
            "ON CONFLICT (scope, status) DO UPDATE SET count = open_counts.count + excluded.count",
            [(*key, n) for key, n in opened.items()],
        )
        conn.commit()
    finally:
        conn.close()
    return shape.count


def _history(
    complaint_id: int,
    citizen: int,
    post: str,
    created: float,
    status: str,
    acknowledged: float | None,
    closed: float | None,
) -> list[tuple]:
    """The history the bot itself would have written: the lifecycle replays it to the same state as
    the row (filed, sent to the post, acknowledged, resolved or rejected)."""
    rows = [
        (complaint_id, created, "citizen", citizen, None, "filed", "submitted", "submitted", "{}"),
        (
            complaint_id,
            created,
            "system",
            None,
            post,
            "routed",
            "submitted",
            "submitted",
            json.dumps({"unit": post, "responsible": post}),
        ),
    ]
    if acknowledged is not None:
        rows.append((complaint_id, acknowledged, "officer", 1, post, "acknowledged", "submitted", "acknowledged", "{}"))
    if status in ("resolved", "rejected") and closed is not None:
        before = "acknowledged" if acknowledged is not None else "submitted"
        detail = json.dumps({"note": "Seeded."} if status == "resolved" else {"reason": "duplicate", "note": "Seeded."})
        rows.append((complaint_id, closed, "officer", 1, post, status, before, status, detail))
    return rows
