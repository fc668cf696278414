"""getUpdates long polling and the webhook settings that interact with it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ..errors import GET_UPDATES_CONFLICT, WEBHOOK_CONFLICT, bad_request, conflict
from ..params import Params
from ..webhooks import WebhookDelivery
from ..world import World
from .common import Context, method


class Poller:
    """Long-poll coordination for ``getUpdates``.

    Like Telegram, a new ``getUpdates`` terminates the one still waiting, which then answers
    409 "Conflict: terminated by other getUpdates request...".  Waiting is woken by
    :meth:`notify` (called on every queued update), never by sleeping.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.webhooks = WebhookDelivery(world)  # FakeTelegram sets its options
        self.polled = asyncio.Event()  # set on the first getUpdates: the bot is polling
        self._wake = asyncio.Event()
        self._active: asyncio.Future[None] | None = None
        self._closed = False

    @property
    def active(self) -> bool:
        """Whether a getUpdates request is waiting right now."""
        return self._active is not None and not self._active.done()

    def notify(self) -> None:
        self._wake.set()
        self.webhooks.notify()

    def close(self) -> None:
        """Release every waiting long poll (server shutdown)."""
        self._closed = True
        self._wake.set()

    async def get_updates(self, offset: int | None, limit: int, timeout: float) -> list[dict[str, Any]]:
        if self._active is not None and not self._active.done():
            self._active.set_result(None)  # terminate the older request
        me: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._active = me
        self.polled.set()
        self.world.emit({"type": "polling", "active": True})
        try:
            if offset is not None:
                self.world.confirm_updates(offset)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                if me.done():
                    raise conflict(GET_UPDATES_CONFLICT)
                updates = self.world.updates[:limit]
                remaining = deadline - loop.time()
                if updates or remaining <= 0 or self._closed:
                    return updates
                self._wake.clear()
                wake = asyncio.ensure_future(self._wake.wait())
                try:
                    await asyncio.wait({wake, me}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    wake.cancel()
        finally:
            if self._active is me:
                self._active = None
                self.world.emit({"type": "polling", "active": False})


@method("getUpdates")
async def get_updates(ctx: Context, params: Params) -> list[dict[str, Any]]:
    if ctx.world.webhook is not None:
        raise conflict(WEBHOOK_CONFLICT)
    limit = min(max(params.int("limit") or 100, 1), 100)
    timeout = max(params.float("timeout") or 0.0, 0.0)
    allowed = params.json("allowed_updates")
    if allowed is not None:
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        ctx.world.set_allowed_updates(allowed)
    return await ctx.poller.get_updates(params.int("offset"), limit, timeout)


@method("setWebhook")
def set_webhook(ctx: Context, params: Params) -> bool:
    url = params.str("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.str("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.int("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if params.bool("drop_pending_updates"):
        ctx.world.drop_pending_updates()
    allowed = params.json("allowed_updates")
    if isinstance(allowed, list):
        ctx.world.set_allowed_updates(allowed)
    ctx.world.webhook = {"url": url, "secret_token": secret, "max_connections": max_connections} if url else None
    ctx.poller.webhooks.configure()
    ctx.world.emit({"type": "webhook", "url": url or None})  # wakes whoever waits for it (fake.wait_for)
    return True


@method("deleteWebhook")
def delete_webhook(ctx: Context, params: Params) -> bool:
    if params.bool("drop_pending_updates"):
        ctx.world.drop_pending_updates()
    ctx.world.webhook = None
    ctx.poller.webhooks.configure()
    ctx.world.emit({"type": "webhook", "url": None})
    return True


@method("getWebhookInfo")
def get_webhook_info(ctx: Context, params: Params) -> dict[str, Any]:
    webhook = ctx.world.webhook or {}
    info: dict[str, Any] = {
        "url": webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.world.updates),
    }
    if webhook:
        info["max_connections"] = webhook["max_connections"]
        info["allowed_updates"] = sorted(ctx.world.allowed_updates)
        delivery = ctx.poller.webhooks
        if delivery.last_error_date is not None:
            info["last_error_date"] = delivery.last_error_date
            info["last_error_message"] = delivery.last_error_message
    return info
