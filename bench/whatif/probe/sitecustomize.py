"""Probe (diagnosis only): times the bot's internal queues without changing what it does.

    python bench/intake.py --bot-env PYTHONPATH=bench/whatif/probe --bot-env PROBE_OUT=/tmp/probe.json

At exit the bot writes, per stage, count / mean / p50 / p99 in ms: waiting for the database lock
(``Database.transaction``/``read``), the transaction body and COMMIT, the update pump's wait and
handling time, and the outbox's wait from a row being due to its send, and the send itself.

Optional what-ifs (each changes behaviour, to test one explanation at a time):
PROBE_POOL=1                    also load bench/whatif/httpcore_pool
PROBE_SENDER_CONCURRENCY=N      OutboxSender(concurrency=N) instead of 64
PROBE_SKIP_MARK=1               no separate inbox.mark_processed transaction after a handler that
                                already marked its update processed in its own transaction
These patch private internals of bot/ and db/ as of this commit: adjust them when those change.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import runpy
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if os.environ.get("PROBE_POOL"):
    runpy.run_path(str(HERE.parent / "httpcore_pool" / "sitecustomize.py"))
sys.path.append(str(ROOT))

import bot.sender as sender  # noqa: E402
import bot.updates as updates  # noqa: E402
from db.database import Database, current_update_id  # noqa: E402
from db.repositories import inbox  # noqa: E402

_stats: dict[str, list[float]] = {}


def _record(name: str, seconds: float) -> None:
    _stats.setdefault(name, []).append(seconds)


_transaction, _read = Database.transaction, Database.read
_marked: set[int] = set()


@asynccontextmanager
async def _timed_transaction(self):
    t0 = time.perf_counter()
    async with _transaction(self) as tx:
        t1 = time.perf_counter()
        yield tx
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    _record("db transaction: waiting for the lock + BEGIN", t1 - t0)
    _record("db transaction: body", t2 - t1)
    _record("db transaction: COMMIT", t3 - t2)
    update_id = current_update_id.get()
    if update_id is not None:
        _marked.add(update_id)


@asynccontextmanager
async def _timed_read(self):
    t0 = time.perf_counter()
    async with _read(self) as tx:
        t1 = time.perf_counter()
        yield tx
    _record("db read: waiting for the lock + BEGIN", t1 - t0)
    _record("db read: body + ROLLBACK", time.perf_counter() - t1)


Database.transaction, Database.read = _timed_transaction, _timed_read

_enqueued: dict[int, float] = {}
_enqueue, _handle = updates.UpdatePump._enqueue, updates.UpdatePump._handle


def _timed_enqueue(self, item):
    _enqueued[item.update_id] = time.perf_counter()
    return _enqueue(self, item)


async def _handle_skipping_mark(self, item):
    """UpdatePump._handle without the second transaction when the handler marked the update."""
    from telegram import Update

    token = current_update_id.set(item.update_id)
    try:
        update = Update.de_json(json.loads(item.payload), self._app.bot)
        await self._app.process_update(update)
    except Exception:
        logging.getLogger("bot.updates").exception("update %s could not be handled", item.update_id)
    finally:
        current_update_id.reset(token)
    if item.update_id not in _marked:
        async with self._db.transaction() as tx:
            await inbox.mark_processed(tx, item.update_id)
    self.processed += 1


async def _timed_handle(self, item):
    t0 = time.perf_counter()
    if item.update_id in _enqueued:
        _record("pump: stored → handling starts", t0 - _enqueued.pop(item.update_id))
    if os.environ.get("PROBE_SKIP_MARK"):
        await _handle_skipping_mark(self, item)
    else:
        await _handle(self, item)
    _marked.discard(item.update_id)
    _record("pump: handling (handler + mark_processed)", time.perf_counter() - t0)


updates.UpdatePump._enqueue, updates.UpdatePump._handle = _timed_enqueue, _timed_handle

_send_head, _sender_init = sender.OutboxSender._send_head, sender.OutboxSender.__init__


async def _timed_send_head(self, chat_id):
    row = self._queues[chat_id][0]
    _record("outbox: row due → its send starts", time.time() - row.next_attempt_at)
    t0 = time.perf_counter()
    await _send_head(self, chat_id)
    _record("outbox: send (Bot API call + mark_sent)", time.perf_counter() - t0)


def _sender_with_concurrency(self, *args, **kwargs):
    kwargs["concurrency"] = int(os.environ["PROBE_SENDER_CONCURRENCY"])
    _sender_init(self, *args, **kwargs)


sender.OutboxSender._send_head = _timed_send_head
if os.environ.get("PROBE_SENDER_CONCURRENCY"):
    sender.OutboxSender.__init__ = _sender_with_concurrency


@atexit.register
def _dump() -> None:
    report = {}
    for name, values in _stats.items():
        values.sort()
        n = len(values)
        report[name] = {
            "n": n,
            "mean_ms": 1000 * sum(values) / n,
            "p50_ms": 1000 * values[n // 2],
            "p99_ms": 1000 * values[min(n - 1, int(n * 0.99))],
        }
    Path(os.environ.get("PROBE_OUT", "probe.json")).write_text(json.dumps(report, indent=1))
