"""Webhook delivery, as Telegram does it after ``setWebhook``.

- Each pending update is POSTed as JSON to the webhook URL, with the ``X-Telegram-Bot-Api-Secret-Token``
  header when a secret was set. A 2xx answer confirms it; anything else (or no answer) keeps it
  pending and it is tried again after a backoff that doubles (``retry_min`` … ``retry_max``; Telegram's
  own is longer), and ``getWebhookInfo`` reports ``last_error_date`` / ``last_error_message``.
- Up to ``max_connections`` requests at once, but one chat's updates one at a time and in order (the
  Bot API server queues updates per chat), so a later update of a chat waits for the earlier one.
- Telegram only calls https URLs. Tests have no certificates: ``FakeTelegram(webhook_via=...)``
  names the plain-http address of the TLS-terminating proxy that would sit at the URL's host
  (``http://127.0.0.1:PORT``); the URL's path is kept. Without it the URL itself is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .world import World

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def queue_of(update: dict[str, Any]) -> Any:
    """The chat (else the user) an update belongs to: its updates are delivered in order."""
    for body in update.values():
        if not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if chat and "id" in chat:
            return ("chat", chat["id"])
        sender = body.get("from")
        if sender and "id" in sender:
            return ("user", sender["id"])
    return ("update", update.get("update_id"))


class WebhookDelivery:
    def __init__(
        self,
        world: World,
        *,
        via: str | None = None,
        retry_min: float = 0.1,
        retry_max: float = 2.0,
        timeout: float = 10.0,
    ) -> None:
        self.world = world
        self.via = via.rstrip("/") if via else None
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.timeout = timeout
        self.delivered: list[tuple[int, int]] = []  # (update_id, HTTP status or 0) of every attempt
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[int] = set()
        self._failures: dict[int, int] = {}  # update_id -> failed attempts
        self._not_before: dict[int, float] = {}  # update_id -> loop time of its next attempt
        self._requests: set[asyncio.Task[None]] = set()

    def target(self, url: str) -> str:
        if self.via is None:
            return url
        parts = urlsplit(url)
        return f"{self.via}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"

    def notify(self) -> None:
        self._wake.set()

    def configure(self) -> None:
        """The webhook was set or deleted (world.webhook): start or stop delivering."""
        self.last_error_date = self.last_error_message = None
        if self.world.webhook is not None and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run())
        self._wake.set()

    async def close(self) -> None:
        for task in [self._task, *self._requests]:
            if task is not None:
                task.cancel()
        for task in [self._task, *self._requests]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
            while self.world.webhook is not None:
                self._wake.clear()
                next_try = self._start_due(session, loop.time())
                wait = None if next_try is None else max(0.0, next_try - loop.time())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    def _start_due(self, session: aiohttp.ClientSession, now: float) -> float | None:
        """Start every request that may go now; returns when the next retry is due (None: none)."""
        webhook = self.world.webhook
        assert webhook is not None
        blocked, next_try = set(), None
        for update in list(self.world.updates):
            queue, update_id = queue_of(update), update["update_id"]
            if queue in blocked:
                continue
            blocked.add(queue)  # the chat's later updates wait for this one
            if update_id in self._in_flight:
                continue
            due = self._not_before.get(update_id, 0.0)
            if due > now:
                next_try = due if next_try is None else min(next_try, due)
                continue
            if len(self._in_flight) >= webhook["max_connections"]:
                break
            self._in_flight.add(update_id)
            task = asyncio.get_running_loop().create_task(self._post(session, webhook, update))
            self._requests.add(task)
            task.add_done_callback(self._requests.discard)
        return next_try

    async def _post(self, session: aiohttp.ClientSession, webhook: dict[str, Any], update: dict[str, Any]) -> None:
        update_id = update["update_id"]
        headers = {SECRET_HEADER: webhook["secret_token"]} if webhook.get("secret_token") else {}
        status, error = 0, None
        try:
            async with session.post(self.target(webhook["url"]), json=update, headers=headers) as response:
                status = response.status
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason or ''}".rstrip()
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = "Connection refused" if isinstance(exc, aiohttp.ClientConnectorError) else "Read timeout expired"
        finally:
            self._in_flight.discard(update_id)
        self.delivered.append((update_id, status))
        if error is None:
            self.world.updates = [u for u in self.world.updates if u["update_id"] != update_id]
            self._failures.pop(update_id, None)
            self._not_before.pop(update_id, None)
        else:
            failures = self._failures[update_id] = self._failures.get(update_id, 0) + 1
            delay = min(self.retry_max, self.retry_min * 2 ** (failures - 1))
            self._not_before[update_id] = asyncio.get_running_loop().time() + delay
            self.last_error_date, self.last_error_message = self.world.now(), error
        self._wake.set()
