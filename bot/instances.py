"""Several instances of the bot sharing one database, behind any HTTP load balancer.

Every instance receives updates (webhook requests, or one instance polling) and stores them in the
inbox. Two things are then shared out:

- **A chat's updates** are handled by one instance at a time, in order: the holder of the chat's
  lease (table chat_leases). The instance that stores a chat's updates takes or renews the lease in
  the same transaction; if another instance holds it, that one finds the new rows when its queue
  of the chat empties (bot/updates.py). Leases run out `LEASE_SECONDS` (6 s) after their last renewal, so
  a killed instance's chats are taken over by the scanner of another within seconds. Handling twice
  is harmless: an update's first write transaction marks it processed atomically with its effects.
- **The loops that must run once** (the outbox sender, the deadline sweep, housekeeping) run on the
  elected leader only: the instance holding `db.try_hold("leader")` (a PostgreSQL advisory lock on a
  connection of its own, released by the server when the instance dies). The others try again every
  `LEADER_RETRY` seconds. One sender means Telegram's rate windows hold across instances.
- **Wake-ups** reach the leader from the others through `Bell`: what another instance queues in
  the outbox goes out at once, not at the sender's next scan (a notification on PostgreSQL).

On SQLite (one process per database file) the same code runs with one instance, which always wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.sender import OutboxSender
from db.database import Database, Held
from db.repositories import leases
from db.repositories.outbox import OutboxRow

log = logging.getLogger(__name__)

LEASE_SECONDS = 6.0  # how long a killed instance's chats wait before another takes them
RENEW_EVERY = 1.5
LEADER_RETRY = 2.0
HEARTBEAT_EVERY = 5.0
OTHER_LEADERS_RECORDING = 0.2


def new_instance_id(configured: str | None) -> str:
    """INSTANCE_ID when set (must differ between instances running at once), else one no other
    process can have."""
    return configured or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def try_hold(db: Database, name: str) -> Held | None:
    """The database's leadership lock `name` (db.database: an advisory lock on PostgreSQL, a
    process-local hold on SQLite), or None if another holds it."""
    return await db.try_hold(name)


class ChatLeases:
    """This instance's leases: taken by the inbox writer and the scanner, renewed here for every
    chat at once, trusted only while the last renewal is recent."""

    def __init__(self, db: Database, owner: str, *, seconds: float = LEASE_SECONDS) -> None:
        self.db = db
        self.owner = owner
        self.seconds = seconds
        # Until when (monotonic clock) this instance may act on the leases it believes it holds: a
        # stalled instance (renewal late) stops handling before another may have taken its chats.
        self._trusted_until = time.monotonic() + seconds / 2

    def until(self) -> float:
        return time.time() + self.seconds

    @property
    def trusted(self) -> bool:
        return time.monotonic() < self._trusted_until

    def renewed(self, started: float) -> None:
        # A margin of half a lease: clocks of different machines differ a little.
        self._trusted_until = started + self.seconds / 2

    async def start(self) -> None:
        """Forget what a previous run of this instance held: on SQLite everything (one process per
        database file), elsewhere only what this INSTANCE_ID held (a random id held nothing)."""
        async with self.db.transaction() as tx:
            if self.db.dialect == "sqlite":
                await leases.forget_all(tx)
            else:
                await leases.release_all(tx, self.owner)

    async def renew_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                async with self.db.transaction() as tx:
                    await leases.renew_all(tx, self.owner, self.until())
                self.renewed(started)
            except Exception:
                log.exception("could not renew the chat leases")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RENEW_EVERY)

    async def release_all(self) -> None:
        with contextlib.suppress(Exception):
            async with self.db.transaction() as tx:
                await leases.release_all(tx, self.owner)


Duty = Callable[[asyncio.Event], Awaitable[Any]]


class Leadership:
    """Run `duties` (each a coroutine function taking a stop event) while this instance holds the
    "leader" lock; try to take it every LEADER_RETRY seconds otherwise."""

    def __init__(
        self,
        db: Database,
        owner: str,
        duties: Callable[[], Sequence[tuple[str, Duty]]],
        *,
        bell: Bell | None = None,
        answers: dict[str, Callable[[], None]] | None = None,
    ) -> None:
        self._db = db
        self._owner = owner
        self._duties = duties
        self._bell = bell or Bell(db)
        self._answers = answers or {}
        self.leading = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Returns (or raises) only when stopped or when a duty ended by itself (which stops the
        bot, as a crashed loop always has: e.g. Telegram refusing the token)."""
        while not stop.is_set():
            held = None
            try:
                held = await try_hold(self._db, "leader")
            except Exception:
                log.exception("could not try the leadership lock")
            if held is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), LEADER_RETRY)
                continue
            try:
                if await self._lead(held, stop):
                    return
            finally:
                with contextlib.suppress(Exception):
                    await held.release()

    async def _lead(self, held: Held, stop: asyncio.Event) -> bool:
        """Run the duties until stopped (True), a duty ends (True, or its error raised) or the lock
        is lost (False: try to lead again)."""
        log.info("instance %s leads: it sends, sweeps deadlines and keeps house", self._owner)
        self.leading.set()
        await self._bell.answer(held, self._answers)
        term_over = asyncio.Event()
        tasks = [asyncio.create_task(duty(term_over), name=name) for name, duty in self._duties()]
        ended = True
        try:
            while not stop.is_set():
                stopped = asyncio.create_task(stop.wait())
                await asyncio.wait([stopped, *tasks], timeout=LEADER_RETRY, return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                if stop.is_set() or any(task.done() for task in tasks):
                    break
                if not await _still_held(held):
                    log.error("instance %s lost the leadership lock; it stops sending", self._owner)
                    ended = False
                    break
        finally:
            self.leading.clear()
            self._bell.term_over()
            term_over.set()
            _, pending = await asyncio.wait(tasks, timeout=15.0)
            for task in pending:
                task.cancel()
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        return ended


OUTBOX = "outbox"  # the Bell's channels: rows wait in the outbox; a deadline sweep is due now
SWEEP = "sweep"


class Bell:
    """Wakes the leader's loops from any instance: directly while this instance leads (`answer`),
    otherwise by Database.ring, which the leader hears on its lock's connection (Held.listen: a
    PostgreSQL LISTEN). Only a shortcut: the leader's loops look at the database on their own every
    SCAN_INTERVAL (the outbox) and SWEEP_INTERVAL (deadlines), so a lost ring only delays."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._answers: dict[str, Callable[[], None]] = {}
        self._rung: set[str] = set()
        self._ringing: asyncio.Task[None] | None = None

    async def answer(self, held: Held, answers: dict[str, Callable[[], None]]) -> None:
        """For this leadership term: rings here call `answers` directly, rings elsewhere reach them."""
        self._answers = answers
        for channel, callback in answers.items():
            try:
                await held.listen(channel, callback)
            except Exception:
                log.exception("could not listen for %s wake-ups; the leader's own scans find the work", channel)

    def term_over(self) -> None:
        self._answers = {}

    def ring(self, channel: str) -> None:
        answer = self._answers.get(channel)
        if answer is not None:
            answer()
            return
        self._rung.add(channel)
        if self._ringing is None or self._ringing.done():
            self._ringing = asyncio.create_task(self._ring_all(), name="bell")

    async def _ring_all(self) -> None:
        # Rings while one is on its way are sent after it: their rows committed after it was sent.
        while self._rung:
            channels = sorted(self._rung)
            self._rung.clear()
            try:
                await self._db.ring(channels)
            except Exception:
                log.warning("could not wake the leader (%s); its next scan finds the work", channels, exc_info=True)
                return


class SenderRelay:
    """What the services hand the outbox sender reaches the sender of this instance's leadership
    term, if it leads; otherwise the rows wait in the outbox and the bell tells the leader."""

    def __init__(self, bell: Bell) -> None:
        self.current: OutboxSender | None = None
        self._bell = bell

    def push(self, rows: list[OutboxRow]) -> None:
        if self.current is not None:
            self.current.push(rows)
        elif rows:
            self._bell.ring(OUTBOX)

    def wake(self) -> None:
        """Another instance queued rows: the sender of this term scans the outbox now."""
        if self.current is not None:
            self.current.wake()

    async def settle(self) -> None:
        """Before matching a press or a reply with the bot's message: on the leader, let its calls in
        flight finish and be recorded; elsewhere, give the leader's SendLog (it writes every 50 ms)
        time to record the message the person just saw (its Telegram id is known only then)."""
        if self.current is not None:
            await self.current.settle()
        else:
            await asyncio.sleep(OTHER_LEADERS_RECORDING)


async def send_while_leading(sender: OutboxSender, relay: SenderRelay, term_over: asyncio.Event) -> None:
    """The outbox sender of one leadership term: a new one each term (its rate windows start from
    what the database says was sent, whoever sent it)."""
    relay.current = sender
    running = asyncio.create_task(sender.run(), name="outbox")
    over = asyncio.create_task(term_over.wait())
    try:
        await asyncio.wait([running, over], return_when=asyncio.FIRST_COMPLETED)
    finally:
        over.cancel()
        relay.current = None
        await sender.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(running), 5.0)
        running.cancel()
    await running  # its error, if it failed (e.g. Telegram refused the token)


async def _still_held(held: Held) -> bool:
    try:
        return await held.alive()
    except Exception:
        log.exception("could not check the leadership lock")
        return False


async def beat(db: Database, name: str, owner: str, last: list[float]) -> None:
    """Write the heartbeat `name` at most every HEARTBEAT_EVERY seconds (`last` keeps the time)."""
    now = time.monotonic()
    if last and now - last[0] < HEARTBEAT_EVERY:
        return
    try:
        async with db.transaction() as tx:
            await leases.beat(tx, name, owner, time.time())
    except Exception:
        log.exception("could not write the %s heartbeat", name)
        return
    last[:] = [now]
