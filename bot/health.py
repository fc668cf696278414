"""What the database says about the bot's health: the leader's heartbeats and the scrape-time gauges.

Several instances share one database; only the elected leader runs the outbox sender and the deadline
sweep (bot/instances.py), and each of them writes a heartbeat row ("sender", "sweep") as it runs. So
every instance, leader or standby, reports the same verdict on those loops: it reads who last wrote
them and when. An instance is healthy when

- the database answers (a query within READ_TIMEOUT),
- the "sender" heartbeat is at most SENDER_LIMIT seconds old, and
- the "sweep" heartbeat is at most 2 × SWEEP_INTERVAL old (never less than SWEEP_FLOOR: heartbeats are
  written at most every HEARTBEAT_EVERY seconds, so a short interval must not raise false alarms).

Every query reads a partial index and stops at COUNT_CAP rows, so a scrape costs about a millisecond
even with a large backlog; it runs in a read snapshot, never in a write transaction.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.instances import HEARTBEAT_EVERY
from bot.metrics import COUNT_CAP
from db.database import Database

READ_TIMEOUT = 2.0
SENDER_LIMIT = 30.0
SWEEP_FLOOR = 3 * HEARTBEAT_EVERY
RECENT_PARKED = 24 * 3600.0
LOOPS = ("sender", "sweep")


@dataclass
class DatabaseState:
    """One read of the shared state; `error` says why there is nothing else when the read failed."""

    values: dict[str, float] = field(default_factory=dict)
    heartbeats: dict[str, tuple[str, float]] = field(default_factory=dict)  # loop: (owner, age in seconds)
    error: str | None = None


async def read_state(
    db: Database, *, timeout: float = READ_TIMEOUT, query: Callable[[], Awaitable[Any]] | None = None
) -> DatabaseState:
    """The heartbeats and gauges (or the result of `query`), within `timeout`; never raises."""
    try:
        result = await asyncio.wait_for(query() if query else _read(db, time.time()), timeout)
        return result if isinstance(result, DatabaseState) else DatabaseState()
    except TimeoutError:
        return DatabaseState(error=f"the database did not answer within {timeout:g} s")
    except Exception as error:  # the database is gone, locked, or refuses the connection
        return DatabaseState(error=f"the database failed: {type(error).__name__}: {error}"[:300])


async def database_answers(db: Database, *, timeout: float = READ_TIMEOUT) -> str | None:
    """None when a trivial query answers within `timeout`, else what went wrong."""

    async def ask() -> None:
        async with db.read() as tx:
            await tx.fetchval("SELECT 1")

    state = await read_state(db, timeout=timeout, query=ask)
    return state.error


async def _read(db: Database, now: float) -> DatabaseState:
    state = DatabaseState()
    async with db.read() as tx:
        for name in LOOPS:
            row = await tx.fetchone("SELECT owner, at FROM heartbeats WHERE name = ?", (name,))
            if row is not None:
                state.heartbeats[name] = (str(row[0]), max(0.0, now - float(row[1])))
        values = state.values
        values["bot_outbox_pending"] = await _capped(tx, "outbox WHERE state = 'pending'")
        oldest = await tx.fetchval("SELECT created_at FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1")
        values["bot_outbox_oldest_pending_seconds"] = _age(now, oldest)
        values["bot_outbox_parked_recent"] = await _capped(
            tx, "outbox WHERE last_attempt_at > ? AND state = 'failed'", (now - RECENT_PARKED,)
        )
        values["bot_deadlines_overdue"] = await _capped(
            tx, "deadlines WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ?", (now,)
        )
        values["bot_complaints_overdue"] = await _capped(
            tx, "complaints WHERE status IN ('submitted', 'acknowledged') AND due_at < ?", (now,)
        )
        values["bot_inbox_backlog"] = await _capped(tx, "inbox WHERE processed_at IS NULL")
        oldest = await tx.fetchval("SELECT received_at FROM inbox WHERE processed_at IS NULL ORDER BY seq LIMIT 1")
        values["bot_inbox_oldest_seconds"] = _age(now, oldest)
    return state


async def _capped(tx: Any, where: str, params: tuple[Any, ...] = ()) -> float:
    """COUNT(*) that stops at COUNT_CAP rows (`where` is a constant of this module, never input)."""
    sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM {where} LIMIT ?) AS capped"
    return float(await tx.fetchval(sql, (*params, COUNT_CAP)) or 0)


def _age(now: float, at: Any) -> float:
    return 0.0 if at is None else max(0.0, now - float(at))


def sweep_limit(sweep_interval_seconds: float) -> float:
    return max(2 * sweep_interval_seconds, SWEEP_FLOOR)


def verdict(state: DatabaseState, *, role: str, instance: str, sweep_interval_seconds: float) -> tuple[int, dict]:
    """(HTTP status, JSON body) of /healthz: 200 when all is well, 503 with `problems` otherwise."""
    problems: list[str] = []
    body: dict[str, Any] = {"instance": instance, "role": role}
    if state.error is not None:
        problems.append(state.error)
        body["database"] = "failed"
    else:
        body["database"] = "ok"
        limits = {"sender": SENDER_LIMIT, "sweep": sweep_limit(sweep_interval_seconds)}
        for loop, limit in limits.items():
            beat = state.heartbeats.get(loop)
            if beat is None:
                problems.append(f"the {loop} has never reported (no instance has led yet)")
                body[loop] = None
                continue
            owner, age = beat
            body[loop] = {"owner": owner, "age_seconds": round(age, 1), "limit_seconds": limit}
            if age > limit:
                problems.append(f"the {loop} last reported {age:.0f} s ago (limit {limit:.0f} s), on {owner}")
    body["status"] = "ok" if not problems else "failing"
    if problems:
        body["problems"] = problems
    return (200 if not problems else 503), body
