"""Getting updates from Telegram without losing any, and handling many chats at once.

python-telegram-bot's Updater confirms a batch of updates (by asking for the next offset) before
handling it: a crash then loses everything fetched but not yet handled. Here every batch, polled
(getUpdates) or received (webhook requests, bot/webhook.py), is first committed to the `inbox`
table (`UpdatePump.store`) and only then confirmed; after a restart the unprocessed rows are
handled first. The first write transaction of a handler marks its update processed atomically
with its effects (db.database UpdateMark), so a crash can neither lose nor repeat it.

Handling: updates of one chat strictly in order (a conversation), different chats concurrently (a
Bot API round trip takes ~100 ms; one at a time would cap the bot at ~10 updates a second). With
several instances (bot/instances.py) a chat is handled by the holder of its lease: the store takes
it in the same transaction; the holder, when its queue of the chat empties, handles what others
stored meanwhile or releases the lease; `attend` adopts chats left without a live lease.

Flooding: before anything is stored, each person's updates pass a token bucket (bot.domain.throttle,
sized in the policy's [limits]). What a script sends beyond it is confirmed to Telegram but neither
stored nor handled; the person is told once a minute, through the outbox, and the log counts the
dropped updates (never their content). The bucket is per instance: behind a balancer spreading one
person's updates over n instances, a person may send up to n times the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut
from telegram.ext import Application

from bot import metrics
from bot.domain.policy import Limits
from bot.domain.throttle import Throttle
from bot.i18n import N_
from bot.instances import ChatLeases
from bot.outgoing import OWN_LANE, Screen
from bot.services.session import Services, Work
from db.database import Database, Tx, UpdateMark, current_update
from db.repositories import inbox, leases, users
from db.repositories.inbox import InboxItem

log = logging.getLogger(__name__)

# chat_member: who joins and leaves units' groups (Telegram sends it only if asked, to administrators).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]
PRUNE_AFTER = 2 * 24 * 3600.0
# A handling rolled back by a write conflict (PostgreSQL's deadlock detector chose it) runs again.
CONFLICT_RETRIES = 3
SCAN_EVERY = 1.0  # how soon a chat left by a killed instance (once its lease ran out) is taken over


def chat_key(raw: dict[str, Any]) -> str:
    """Updates sharing a key are handled in arrival order: the chat, else the user.

    Read from the raw JSON: parsing each update into PTB objects twice (here and to handle it)
    was measured at 5% of the bot's CPU."""
    for body in raw.values():
        if not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if chat and "id" in chat:
            return f"c{chat['id']}"
        sender = body.get("from")
        if sender and "id" in sender:
            return f"u{sender['id']}"
    return "-"


# Service messages about the chat itself (an upgrade to a supergroup, members joining or leaving) are
# never dropped: they change where the bot must write, and nobody can send them in bulk.
_CHAT_EVENTS = frozenset(
    {"migrate_to_chat_id", "migrate_from_chat_id", "new_chat_members", "left_chat_member", "group_chat_created"}
)
TOO_FAST = N_(
    "⏳ You are sending messages too fast, so the last ones were not received. "
    "Please wait a minute, then send again what is missing."
)


def throttled_person(raw: dict[str, Any]) -> tuple[int, int | None] | None:
    """(user id, chat id to tell) of an update that counts against its sender's bucket; None for
    updates that are never dropped (the bot's own membership changes, chat events)."""
    for kind in ("message", "edited_message", "callback_query"):
        body = raw.get(kind)
        if not isinstance(body, dict):
            continue
        sender = body.get("from")
        if not isinstance(sender, dict) or "id" not in sender:
            return None
        if kind != "callback_query" and _CHAT_EVENTS.intersection(body):
            return None
        chat = body.get("chat") or (body.get("message") or {}).get("chat") or {}
        return int(sender["id"]), chat.get("id")
    return None


class UpdatePump:
    """Stores updates (from getUpdates here, or from webhook requests: bot/webhook.py) and hands
    them to per-chat workers, under the chat leases of bot/instances.py."""

    def __init__(
        self,
        app: Application,
        db: Database,
        leases: ChatLeases,
        *,
        poll_timeout: int = 25,
        max_concurrent: int = 256,
        throttle: Throttle | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._db = db
        self._leases = leases
        self._poll_timeout = poll_timeout
        self._services = app.bot_data.get("services")  # for the "too fast" notice (None: drop silently)
        self._throttle = throttle or _throttle_of(self._services)
        self._clock = clock
        self._slots = asyncio.Semaphore(max_concurrent)
        self._queues: dict[str, deque[InboxItem]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Poll until stopped (what an earlier run left is found by `attend`)."""
        offset: int | None = None
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self._get_updates(offset)
                failures = 0
            except InvalidToken:
                raise
            except Conflict as error:
                failures += 1
                log.error("another process is polling with this bot token (%s); only one may run", error.message)
                await self._pause(failures)
                continue
            except (NetworkError, TimedOut) as error:
                failures += 1
                log.warning("getUpdates failed (%s); retrying", error)
                await self._pause(failures)
                continue
            if updates:
                await self.store(updates)
                offset = max(u["update_id"] for u in updates) + 1

    async def attend(self) -> None:
        """Every SCAN_EVERY seconds (the first time at once: what an earlier run left), take the
        chats whose updates wait without a live lease (a killed instance's, or a lost race) and
        handle them."""
        while not self._stopping.is_set():
            try:
                await self._adopt_unattended()
            except Exception:
                log.exception("could not look for unattended chats")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), SCAN_EVERY)

    async def _adopt_unattended(self) -> None:
        async with self._db.read() as tx:
            keys = await leases.unattended_chats(tx, time.time(), self._leases.owner)
        for key in keys:
            if key in self._workers or self._stopping.is_set():
                continue
            async with self._db.transaction() as tx:
                if not await leases.take(tx, [key], self._leases.owner, time.time(), self._leases.until()):
                    continue
                waiting = await inbox.pending_of_chat(tx, key)
            if key not in self._workers:  # (a webhook request may have started one meanwhile)
                for item in waiting:
                    self._enqueue(item)

    async def _get_updates(self, offset: int | None) -> list[dict[str, Any]]:
        """The raw JSON, stored exactly as Telegram sent it (PTB's to_dict round trip drops e.g. an
        empty inline keyboard). The lowercase method name is Bot API-legal and tells PTB the raw call
        is deliberate."""
        params: dict[str, Any] = {"timeout": self._poll_timeout, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            params["offset"] = offset
        result = await self._app.bot.do_api_request(
            "getupdates", api_kwargs=params, read_timeout=self._poll_timeout + 10
        )
        return list(result)

    async def store(self, updates: list[dict[str, Any]]) -> None:
        """Store a batch durably (raises if the database fails: nothing may be confirmed then), take
        the leases of its chats, and hand the new updates of the chats this instance now holds to
        their workers (the holder of another chat finds them when its queue of it empties)."""
        items, too_fast = [], []
        now = self._clock()
        for raw in updates:
            person = throttled_person(raw)
            if person is not None:
                verdict = self._throttle.admit(person[0], now)
                if not verdict.admitted:
                    if verdict.notify:
                        log.warning("user %s sends too fast: %d updates dropped", person[0], verdict.dropped)
                        too_fast.append(person)
                    continue
            items.append(InboxItem(raw["update_id"], chat_key(raw), json.dumps(raw, ensure_ascii=False)))
        if not items and not too_fast:
            return
        async with self._db.transaction() as tx:
            fresh = await inbox.store(tx, items)
            held = await self._take(tx, {item.chat_key for item in fresh})
            for user_id, chat_id in too_fast:
                await self._tell_too_fast(tx, user_id, chat_id)
        for item in fresh:
            if item.chat_key in held:
                self._enqueue(item)

    async def _take(self, tx: Tx, keys: set[str]) -> set[str]:
        if not keys:
            return set()
        return await leases.take(tx, sorted(keys), self._leases.owner, time.time(), self._leases.until())

    async def _tell_too_fast(self, tx: Tx, user_id: int, chat_id: int | None) -> None:
        """The one notice of this period, in the chat the updates came from, queued like any answer."""
        if self._services is None or chat_id is None:
            return
        t = self._services.catalogs.get(await users.get_lang(tx, user_id))
        notice = Screen(t(TOO_FAST)).send(chat_id)
        notice.params[OWN_LANE] = "too_fast"  # not behind the answers to what was admitted
        await Work(self._services, tx).queue(notice)

    async def _pause(self, failures: int) -> None:
        delay = min(30.0, 0.5 * 2 ** min(failures, 6))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)

    def _enqueue(self, item: InboxItem) -> None:
        self._queues.setdefault(item.chat_key, deque()).append(item)
        if item.chat_key not in self._workers:
            self._workers[item.chat_key] = asyncio.create_task(self._work(item.chat_key))

    async def _work(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                while queue:
                    if not self._leases.trusted:  # renewals are late: another instance may hold it by now
                        log.warning("chat leases not renewed in time; leaving chat %s to the scanner", key)
                        queue.clear()
                        return
                    item = queue[0]
                    async with self._slots:
                        await self._handle(item)
                    queue.popleft()
                if not self._stopping.is_set():
                    rest = await self._rest_or_release(key)
                    queued = {item.update_id for item in queue}  # stored here meanwhile: already queued
                    queue.extend(item for item in rest if item.update_id not in queued)
        finally:
            self._workers.pop(key, None)
            if not queue:
                self._queues.pop(key, None)

    async def _rest_or_release(self, key: str) -> list[InboxItem]:
        """The queue of a chat is empty: updates another instance stored meanwhile (it could not
        take the lease from us), else the lease goes, so the next update's instance takes it."""
        try:
            async with self._db.transaction() as tx:
                rest = await inbox.pending_of_chat(tx, key)
                if rest:
                    await leases.take(tx, [key], self._leases.owner, time.time(), self._leases.until())
                else:
                    await leases.release(tx, key, self._leases.owner)
            return rest
        except Exception:  # the lease runs out by itself; the scanner then takes the chat
            log.exception("could not release the lease of chat %s", key)
            return []

    async def _handle(self, item: InboxItem) -> None:
        started, update = time.perf_counter(), None
        for attempt in range(1 + CONFLICT_RETRIES):
            mark = UpdateMark(item.update_id, retries_left=CONFLICT_RETRIES - attempt)
            token = current_update.set(mark)
            try:
                update = update or Update.de_json(json.loads(item.payload), self._app.bot)
                await self._app.process_update(update)  # handler errors go to the error handler
            except Exception:  # an update that cannot even be parsed must not block its chat forever
                log.exception("update %s could not be handled", item.update_id)
            finally:
                current_update.reset(token)
            if not mark.retry:
                break
            await asyncio.sleep(0.05 * (attempt + 1))  # the other transaction finishes meanwhile
        if not mark.marked:  # handlers that changed nothing (or failed) must not run again after a restart
            async with self._db.transaction() as tx:
                await inbox.mark_processed(tx, item.update_id)
        metrics.observe_update(update, started)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop polling; let the updates being handled finish (the rest wait in the inbox)."""
        self._stopping.set()
        for queue in self._queues.values():
            while len(queue) > 1:  # keep the one in progress
                queue.pop()
        if self._workers:
            await asyncio.wait(list(self._workers.values()), timeout=timeout)

    async def prune(self) -> int:
        async with self._db.transaction() as tx:
            return await inbox.prune(tx, time.time() - PRUNE_AFTER)

    @property
    def backlog(self) -> int:
        return sum(len(q) for q in self._queues.values())


def _throttle_of(services: Services | None) -> Throttle:
    """The bucket sized by the policy's [limits] (its defaults when the pump runs without services)."""
    limits = services.policy.limits if services is not None else Limits()
    return Throttle(limits.updates_burst, limits.updates_per_minute / 60.0)
