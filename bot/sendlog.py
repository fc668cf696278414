"""What the outbox sender did, written to the database in batches.

Two small transactions per message (handed to Telegram; accepted by Telegram) would queue every
sender slot behind the database lock. Instead the marks are collected and written together about
every 50 ms. A crash loses at most the last batch: those messages are sent again after the restart,
which is the duplicate the outbox already allows (Telegram accepted, the answer was not recorded),
and the restarted sender's rate windows miss at most that batch's few sends.

A message Telegram accepted is recorded in `messages` (its chat and Telegram id, under the handle
the bot knows it by) in the same transaction that marks its row sent, so a card edit, a thread or
a reply can always find it, also once the outbox row is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import NamedTuple

from db.database import Database
from db.repositories import messages, outbox
from db.repositories.outbox import OutboxRow

log = logging.getLogger(__name__)


class _Sent(NamedTuple):
    answered: int | None  # the message id Telegram answered (None: no call was needed)
    at: float
    new_message: int | None  # the id of the message the call made (None: an edit, or no call)


class SendLog:
    def __init__(self, db: Database, *, interval: float = 0.05, on_flushed: Callable[[list[int]], None]) -> None:
        self._db = db
        self._interval = interval
        self._on_flushed = on_flushed
        self._attempts: dict[int, float] = {}
        self._sent: dict[int, _Sent] = {}  # sent but not yet written
        self._wake = asyncio.Event()
        self._stopping = False

    def attempted(self, row_id: int) -> None:
        self._attempts[row_id] = time.time()

    def sent(self, row: OutboxRow, message_id: int | None) -> None:
        """Telegram accepted the row's call and answered `message_id` (None: the row needed no call)."""
        new_message = message_id if messages.makes_message(row.method) else None
        self._sent[row.id] = _Sent(message_id, time.time(), new_message)
        if len(self._sent) >= 200:
            self._wake.set()

    async def message_id_of(self, row_id: int) -> int | None:
        """The Telegram id of the message a row sent earlier (written yet or not)."""
        waiting = self._sent.get(row_id)
        if waiting is not None:
            return waiting.new_message
        async with self._db.read() as tx:
            return await messages.message_id_of(tx, row_id)

    async def run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # the next round retries: the marks are still here
                log.exception("could not record sends")
                await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        await self.flush()

    async def flush(self) -> None:
        if not self._attempts and not self._sent:
            return
        attempts, sent = dict(self._attempts), dict(self._sent)
        async with self._db.transaction() as tx:
            await outbox.lock(tx, [*attempts, *sent])
            await outbox.mark_attempts(tx, list(attempts.items()))
            await outbox.mark_sent_many(tx, [(row_id, s.answered, s.at) for row_id, s in sent.items()])
            new = [(row_id, s.new_message, s.at) for row_id, s in sent.items() if s.new_message is not None]
            await messages.record(tx, new)
        for row_id in attempts:
            if self._attempts.get(row_id) == attempts[row_id]:
                del self._attempts[row_id]
        for row_id in sent:
            if self._sent.get(row_id) is sent[row_id]:  # not marked again meanwhile
                del self._sent[row_id]
        self._on_flushed(list(sent))
