"""The outbox sender: delivers queued Bot API calls, in order per chat, within Telegram's limits.

- Order: within a chat, the messages about one complaint go out in the order they were queued, and
  different complaints take turns (bot.sendqueue: a new card is never stuck behind another
  complaint's chatter); a message waiting for a retry holds back the later ones of its chat only.
- Coalescing (bot.sendqueue): only the newest of several waiting edits of one card is sent; a
  citizen's relayed texts waiting together for one group go out as one message.
- Limits: sliding windows per chat and for notifications overall (bot.ratelimit).
- Failures: 429 waits `retry_after` for that chat only; network errors, timeouts and 5xx retry with
  capped exponential backoff for as long as Telegram is down (and all chats resume as soon as one
  call goes through again); 400/403 are permanent: the message is parked with the reason and a hook
  lets the routing layer react; a group upgraded to a supergroup moves its queue to the new id.
- Crashes: a row is marked sent only after Telegram accepted it, so after a kill every message is
  delivered; one that Telegram accepted just before the kill is sent again (each notification
  names its tracking number, so a duplicate is recognisable).

Rows arrive in memory from the transactions that queued them (`push`), and from a scan of the
table every second (rows queued by another process, or left by an earlier run). Each row's stored
parameters become the call's in bot.sendparams; what was sent is recorded by bot.sendlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.domain.textsplit import TEXT_LIMIT
from bot.metrics import MESSAGES_PARKED, MESSAGES_SENT
from bot.ratelimit import ChatLimiters, TelegramLimits
from bot.sendlog import SendLog
from bot.sendparams import call_params
from bot.sendqueue import ChatQueue, for_telegram, merged
from db.database import Database, Tx
from db.repositories import outbox
from db.repositories.outbox import OutboxRow

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
# Rows queued by other instances (or processes) reach the sender only through this scan.
SCAN_INTERVAL = 0.5
# On PostgreSQL, ids are drawn when a row is inserted but become visible when its transaction commits,
# so a row can appear below ids already scanned: the scan looks again at the ids of the last seconds.
LATE_COMMIT_SECONDS = 10.0
# "Edit to the same content" after a double tap or a retry: the message already says it.
_HARMLESS = ("message is not modified",)

PermanentFailureHook = Callable[[Tx, OutboxRow, str], Awaitable[None]]
MigrationHook = Callable[[Tx, int, int], Awaitable[None]]


async def _no_failure_hook(tx: Tx, row: OutboxRow, error: str) -> None:
    return None


async def _no_migration_hook(tx: Tx, old: int, new: int) -> None:
    return None


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        *,
        limits: TelegramLimits | None = None,
        concurrency: int = 64,
        on_permanent_failure: PermanentFailureHook = _no_failure_hook,
        on_chat_migrated: MigrationHook = _no_migration_hook,
        heartbeat: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._db = db
        self._limiters = ChatLimiters(limits or TelegramLimits())
        self._concurrency = concurrency
        self._on_permanent_failure = on_permanent_failure
        self._on_chat_migrated = on_chat_migrated
        self._clock = clock
        self._heartbeat = heartbeat  # proof of life for the health check (bot/instances.py beat)
        self._log = SendLog(db, on_flushed=self._forget)
        self._wake = asyncio.Event()
        self._queues: dict[int, ChatQueue] = {}
        self._known: set[int] = set()  # row ids queued, in flight, or sent but not yet recorded
        self._finished: dict[int, float] = {}  # row ids recorded as sent or parked lately, in order
        # Chats with something to send, by the priority of their next message. `_waiting`: until when
        # (a retry, a per-chat window), entries (when, tiebreak, chat_id), superseded ones skipped;
        # `_ready`: oldest message first, entries (row id, chat_id). While the overall notification
        # window is full, no notification chat is even looked at.
        self._waiting: dict[str, list[tuple[float, int, int]]] = {"reply": [], "notify": []}
        self._ready: dict[str, list[tuple[int, int]]] = {"reply": [], "notify": []}
        self._due: dict[int, float] = {}  # chat_id -> when it is next looked at (its live heap entry)
        self._backing_off: set[int] = set()  # chats waiting after a network error or 5xx
        self._in_flight: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._scanned_up_to = 0
        self._scan_marks: deque[tuple[float, int]] = deque()  # (when, scanned_up_to): the late-commit look
        self._last_scan = float("-inf")
        self._counter = itertools.count()
        self._stopping = False

    def push(self, rows: list[OutboxRow]) -> None:
        """Rows a transaction just committed: send them now, without reading them back."""
        for row in rows:
            self._add(row)
        self._wake.set()

    def wake(self) -> None:
        """Rows were committed by code that did not push them: scan the table now."""
        self._last_scan = float("-inf")
        self._wake.set()

    async def run(self) -> None:
        await self._remember_recent_sends()
        log_task = asyncio.create_task(self._log.run(), name="sendlog")
        try:
            while not self._stopping:
                self._wake.clear()
                if self._clock() - self._last_scan >= SCAN_INTERVAL:
                    self._last_scan = self._clock()
                    await self._scan()
                    if self._heartbeat is not None:
                        await self._heartbeat()
                self._dispatch_due()
                await self._sleep_until_next()
        finally:
            log_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await log_task

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the calls in flight and record them (the rest stay queued in the database)."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)
        await self._log.stop()

    async def settle(self, timeout: float = 5.0) -> None:
        """Let the calls in flight finish and record them: a reply to one of the bot's messages can
        then be matched with it (its Telegram id is known only once Telegram has answered).
        Call it outside any transaction: recording needs the database."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        await self._log.flush()

    async def _remember_recent_sends(self) -> None:
        """Count what an earlier run, or the previous leader, handed to Telegram in the last minute,
        so a restart or a fail-over (even after kill -9 with requests in flight) cannot double a
        rate window. What the dead sender did in its last moments was perhaps not written yet (its
        SendLog writes every 50 ms): if it was still sending, every window is treated as a little
        fuller than recorded: the overall one full for a second, each group's by 3 messages."""
        wall, mono = time.time(), self._clock()
        async with self._db.read() as tx:
            recent = await outbox.attempted_since(tx, wall - 60.0)
        for chat_id, priority, at in recent:
            self._limiters.record(chat_id, priority == "notify", mono - (wall - at))
        if recent and wall - recent[-1][2] < 2.0:
            last = mono - (wall - recent[-1][2])
            for chat_id in {chat_id for chat_id, _, _ in recent if chat_id < 0}:
                for _ in range(3):
                    self._limiters.record(chat_id, False, last)
            for _ in range(self._limiters.limits.overall_notify[0].limit):
                self._limiters.overall_notify.record(max(last, mono - 0.9))

    # --- scheduling -------------------------------------------------------------------------------

    def _add(self, row: OutboxRow) -> None:
        if row.id in self._known or row.id in self._finished:
            return
        self._known.add(row.id)
        queue = self._queues.setdefault(row.chat_id, ChatQueue())
        superseded = queue.add(row, sending=row.chat_id in self._in_flight)
        if superseded is not None:  # recorded as sent without a call: the newer edit says it all
            self._log.sent(superseded, None)
        self._schedule(row.chat_id, 0.0)

    def _forget(self, row_ids: Iterable[int]) -> None:
        """Sent (or parked) rows are recorded: a scan can no longer mistake them for pending ones,
        except a late-commit scan whose snapshot began before they were recorded (PostgreSQL): it
        would still read them as pending, so they are remembered as finished for as long as that scan
        looks back, and never queued again."""
        now = self._clock()
        for row_id in row_ids:
            self._known.discard(row_id)
            self._finished[row_id] = now
        while self._finished:
            oldest = next(iter(self._finished))
            if self._finished[oldest] >= now - 2 * LATE_COMMIT_SECONDS:
                break
            del self._finished[oldest]

    async def _scan(self) -> None:
        while True:
            async with self._db.read() as tx:
                rows = await outbox.pending_after(tx, self._scanned_up_to)
            if not rows:
                break
            for row in rows:
                self._scanned_up_to = max(self._scanned_up_to, row.id)
                self._add(row)
            self._wake.set()
        if self._db.dialect != "sqlite":  # SQLite's single writer commits ids in order
            await self._scan_late_commits()

    async def _scan_late_commits(self) -> None:
        """Rows with ids below the scanned ones whose transactions committed later (several writers)."""
        now = self._clock()
        self._scan_marks.append((now, self._scanned_up_to))
        while len(self._scan_marks) > 1 and self._scan_marks[1][0] < now - LATE_COMMIT_SECONDS:
            self._scan_marks.popleft()
        after, up_to = self._scan_marks[0][1], self._scanned_up_to
        while after < up_to:
            async with self._db.read() as tx:
                rows = await outbox.pending_after(tx, after)
            rows = [row for row in rows if row.id <= up_to]
            if not rows:
                return
            for row in rows:
                after = row.id
                if row.id not in self._known and row.id not in self._finished:
                    self._add(row)
                    self._wake.set()

    def _schedule(self, chat_id: int, delay: float) -> None:
        """Look at the chat after `delay` (an earlier time replaces a later one)."""
        queue = self._queues.get(chat_id)
        if chat_id in self._in_flight or not queue:
            return
        when = self._clock() + delay
        if self._due.get(chat_id, float("inf")) <= when:
            return
        self._due[chat_id] = when
        heapq.heappush(self._waiting[queue.head().priority], (when, next(self._counter), chat_id))

    def _dispatch_due(self) -> None:
        now = self._clock()
        postponed = []
        for priority in ("reply", "notify"):
            self._promote(priority, now)
            ready, notify = self._ready[priority], priority == "notify"
            while ready and len(self._tasks) < self._concurrency:
                if notify and self._limiters.overall_notify.wait(now) > 0:
                    break  # the overall window is full: every notification waits
                _, chat_id = heapq.heappop(ready)
                queue = self._queues.get(chat_id)
                if not queue or chat_id in self._in_flight:
                    continue
                head = queue.head()
                wait = max(queue.not_before - time.time(), self._limiters.wait(chat_id, notify, now))
                if head.priority != priority or wait > 0:  # the chat's own window, or a merged queue
                    postponed.append((chat_id, max(wait, 0.0)))
                    continue
                self._limiters.record(chat_id, notify, now)
                self._in_flight.add(chat_id)
                task = asyncio.create_task(self._send_head(chat_id))
                self._tasks.add(task)
                task.add_done_callback(self._task_done)
        for chat_id, wait in postponed:
            self._schedule(chat_id, wait)
        if self._limiters.size > 20000:
            self._limiters.forget_idle(now)

    def _promote(self, priority: str, now: float) -> None:
        """Chats whose wait is over join the ready heap, ordered by the age of their next message."""
        waiting = self._waiting[priority]
        while waiting and waiting[0][0] <= now:
            when, _, chat_id = heapq.heappop(waiting)
            if self._due.get(chat_id) != when:
                continue  # superseded by an earlier schedule
            del self._due[chat_id]
            queue = self._queues.get(chat_id)
            if queue:
                heapq.heappush(self._ready[priority], (queue.head().id, chat_id))

    def _next_look(self) -> float | None:
        """Seconds until some chat may be dispatched (None: nothing waits)."""
        now = self._clock()
        times = []
        for priority in ("reply", "notify"):
            waiting, ready = self._waiting[priority], self._ready[priority]
            when = 0.0 if ready else (waiting[0][0] - now if waiting else None)
            if when is None:
                continue
            if priority == "notify":
                when = max(when, self._limiters.overall_notify.wait(now))
            times.append(when)
        return max(0.0, min(times)) if times else None

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception():
            log.error("outbox task failed", exc_info=task.exception())
        self._wake.set()

    async def _sleep_until_next(self) -> None:
        if self._stopping:
            return
        timeout = max(0.0, SCAN_INTERVAL - (self._clock() - self._last_scan))
        next_look = self._next_look()
        if next_look is not None and len(self._tasks) < self._concurrency:
            timeout = min(timeout, next_look)
        if timeout <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    # --- sending ------------------------------------------------------------------------------------

    async def _send_head(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        row = queue.head()
        run = queue.relay_run(TEXT_LIMIT)  # relayed texts that go out in one message with it
        sending = merged(row, run)
        retry_in: float | None = None
        try:
            params = await call_params(
                for_telegram(sending), bot=self._bot, db=self._db, message_id_of=self._log.message_id_of
            )
            self._log.attempted(row.id)
            # Bot API method names are case-insensitive; the lowercase form also tells PTB that this raw
            # call is deliberate (it warns when a method it wraps is called through do_api_request).
            result = await self._bot.do_api_request(row.method.lower(), api_kwargs=params)
        except ChatMigrated as error:
            await self._migrate(chat_id, int(error.new_chat_id))
            return
        except RetryAfter as error:
            retry_in = _seconds(error.retry_after)
            await self._retry_later(row, retry_in, f"429: {error.message}")
        except (BadRequest, Forbidden, InvalidToken) as error:  # BadRequest is a NetworkError: first
            if any(h in error.message.lower() for h in _HARMLESS):
                self._log.sent(row, None)
            else:
                await self._park(sending, f"{type(error).__name__}: {error.message}", also=run)
            queue.pop_head()
            queue.discard(run)
        except (NetworkError, TelegramError) as error:
            retry_in = min(MAX_BACKOFF, 2.0 ** min(row.attempts, 6)) * random.uniform(0.5, 1.0)
            await self._retry_later(row, retry_in, f"{type(error).__name__}: {error.message}")
            self._backing_off.add(chat_id)
        else:
            message_id = result.get("message_id") if isinstance(result, dict) else None
            for done in (row, *run):  # a merged relay: every part is in that one message
                self._log.sent(done, message_id)
            MESSAGES_SENT.labels(method=row.method).inc()
            queue.pop_head()
            queue.discard(run)
            self._backing_off.discard(chat_id)
            self._telegram_is_back()
        finally:
            self._in_flight.discard(chat_id)
        if queue:
            self._schedule(chat_id, retry_in or 0.0)
        else:
            self._queues.pop(chat_id, None)

    def _telegram_is_back(self) -> None:
        """A call went through: chats that were backing off after network errors need not wait out
        their backoff (up to a minute) now that Telegram answers again."""
        for chat_id in list(self._backing_off):
            queue = self._queues.get(chat_id)
            if queue and chat_id not in self._in_flight:
                queue.not_before = time.time()
                self._schedule(chat_id, 0.0)
        self._backing_off.clear()

    async def _retry_later(self, row: OutboxRow, delay: float, error: str) -> None:
        log.warning("outbox %s to %s: %s; retrying in %.1fs", row.id, row.chat_id, error, delay)
        next_at = time.time() + delay
        async with self._db.transaction() as tx:
            await outbox.mark_retry(tx, row.id, next_at, error)
        queue = self._queues[row.chat_id]
        queue.replace_head(replace(row, attempts=row.attempts + 1, next_attempt_at=next_at))
        queue.not_before = next_at  # the whole chat waits (a 429 is for the chat)

    async def _park(self, row: OutboxRow, error: str, *, also: Sequence[OutboxRow] = ()) -> None:
        """`row` as it was sent (a merged relay: with the texts of `also`, parked with it); the hook
        hears of it once, with everything it carried."""
        log.error("outbox %s to %s parked: %s", row.id, row.chat_id, error)
        MESSAGES_PARKED.labels(method=row.method).inc()
        async with self._db.transaction() as tx:
            for parked in (row, *also):
                await outbox.mark_failed(tx, parked.id, error)
            await self._on_permanent_failure(tx, row, error)
        self._forget(r.id for r in (row, *also))

    async def _migrate(self, old: int, new: int) -> None:
        log.warning("chat %s became supergroup %s: moving its queue", old, new)
        async with self._db.transaction() as tx:
            await outbox.move_chat(tx, old, new)
            await self._on_chat_migrated(tx, old, new)
        joined, superseded = ChatQueue.joined(self._queues.pop(old, None), self._queues.get(new), new)
        for row in superseded:
            self._log.sent(row, None)
        self._queues[new] = joined
        self._due.pop(old, None)
        self._in_flight.discard(old)
        self._schedule(new, 0.0)


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
