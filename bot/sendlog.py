"""What the outbox sender did, written to the database in batches.

Two small transactions per message (handed to Telegram; accepted by Telegram) would queue every
sender slot behind the database lock. Instead the marks are collected and written together about
every 50 ms. A crash loses at most the last batch: those messages are sent again after the restart,
which is the duplicate the outbox already allows (Telegram accepted, the answer was not recorded),
and the restarted sender's rate windows miss at most that batch's few sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from db.database import Database
from db.repositories import outbox

log = logging.getLogger(__name__)


class SendLog:
    def __init__(self, db: Database, *, interval: float = 0.05, on_flushed: Callable[[list[int]], None]) -> None:
        self._db = db
        self._interval = interval
        self._on_flushed = on_flushed
        self._attempts: dict[int, float] = {}
        self._sent: dict[int, tuple[int | None, float]] = {}
        self._message_ids: dict[int, int | None] = {}  # sent but not yet written
        self._wake = asyncio.Event()
        self._stopping = False

    def attempted(self, row_id: int) -> None:
        self._attempts[row_id] = time.time()

    def sent(self, row_id: int, message_id: int | None) -> None:
        self._sent[row_id] = (message_id, time.time())
        self._message_ids[row_id] = message_id
        if len(self._sent) >= 200:
            self._wake.set()

    async def message_id_of(self, row_id: int) -> int | None:
        """The Telegram id of a message sent earlier (written yet or not)."""
        if row_id in self._message_ids:
            return self._message_ids[row_id]
        async with self._db.read() as tx:
            return await outbox.message_id_of(tx, row_id)

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
            await outbox.mark_attempts(tx, list(attempts.items()))
            await outbox.mark_sent_many(tx, [(row_id, mid, at) for row_id, (mid, at) in sent.items()])
        for row_id in attempts:
            if self._attempts.get(row_id) == attempts[row_id]:
                del self._attempts[row_id]
        for row_id in sent:
            self._sent.pop(row_id, None)
            self._message_ids.pop(row_id, None)
        self._on_flushed(list(sent))
