"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL; this aiohttp server receives them.

Usually a reverse proxy terminates TLS at WEBHOOK_URL and forwards to WEBHOOK_LISTEN; the request
path is the URL's. What happens to a request:

- the X-Telegram-Bot-Api-Secret-Token header is compared with WEBHOOK_SECRET in constant time: a
  bad or missing one gets 403, and nothing is read or stored;
- a body that is not one update (JSON object with an integer update_id) gets 400;
- the update is stored in the inbox, the same durable inbox as polling (bot/updates.py
  UpdatePump.store: the per-person throttle, the chat's lease, its worker), and only then is the
  request answered 200, so a crash after the answer loses nothing; a redelivered update (same id)
  is stored once;
- if the database fails, 500: Telegram keeps the update and retries.

Requests arriving together are stored in one transaction (a group commit: Telegram sends up to
WEBHOOK_MAX_CONNECTIONS at once, and each transaction waits for the disk).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.config import Settings
from bot.metrics import WEBHOOK_REQUESTS
from bot.updates import ALLOWED_UPDATES, UpdatePump

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kilobytes; Telegram's largest are far below this


class _GroupCommit:
    """Stores the updates of requests that arrive while a store is running in the next store."""

    def __init__(self, pump: UpdatePump) -> None:
        self._pump = pump
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._running: asyncio.Task[None] | None = None

    async def store(self, update: dict[str, Any]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((update, done))
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._drain())
        await asyncio.shield(done)  # a client that hangs up does not cancel the others' store

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._pump.store([update for update, _ in batch])
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


class WebhookServer:
    def __init__(self, pump: UpdatePump, settings: Settings) -> None:
        assert settings.webhook_secret is not None  # Settings require it with WEBHOOK_URL
        self._secret = settings.webhook_secret.get_secret_value().encode()
        self._path = settings.webhook_path
        self._address = settings.webhook_address
        self._commit = _GroupCommit(pump)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self._path, self._receive)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        host, port = self._address
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("webhook server listening on %s:%s%s", host, self.port, self._path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        status = await self._status_of(request)
        WEBHOOK_REQUESTS.labels(status=str(status)).inc()
        return web.Response(status=status)

    async def _status_of(self, request: web.Request) -> int:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request with a wrong secret refused (from %s)", request.remote)
            return 403
        try:
            update = await request.json()
        except (ValueError, UnicodeDecodeError, web.HTTPException):
            return 400
        if not isinstance(update, dict) or type(update.get("update_id")) is not int:
            return 400
        try:
            await self._commit.store(update)
        except Exception:
            log.exception("webhook update %s could not be stored; Telegram will retry", update["update_id"])
            return 500
        return 200


async def set_webhook(app: Application, settings: Settings) -> None:
    """Tell Telegram where to send updates (with the secret it must send back)."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    await app.bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
        max_connections=settings.webhook_max_connections,
    )


async def delete_webhook(app: Application) -> None:
    """Polling: getUpdates is refused while a webhook is set (e.g. by an earlier webhook run)."""
    info = await app.bot.get_webhook_info()
    if info.url:
        log.info("removing the webhook %s: this instance polls", info.url)
        await app.bot.delete_webhook()
