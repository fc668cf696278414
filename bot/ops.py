"""The operations HTTP server: /healthz, /readyz and /metrics on OPS_LISTEN (off when unset).

It listens on a port of its own, separate from the webhook's (bot/webhook.py), so the public reverse
proxy never exposes it: the figures say how busy the ministry's units are, and /metrics is meant for
a Prometheus server on the internal network. Served in polling mode too.

- GET /healthz: 200 with a small JSON body when the database answers and the leader's sender and
  sweep ran recently (bot/health.py), 503 naming what is wrong otherwise. The body names this
  instance's role (leader or standby). For monitoring and alerts.
- GET /readyz: 200 when this instance can store updates (its database answers), 503 otherwise. For
  a load balancer deciding where to send webhook requests: a stuck sender is a reason to alert, not
  to stop receiving complaints on every instance at once (Telegram would hold them back).
- GET /metrics: Prometheus text format: this process's counters and latency histogram, then the
  gauges every instance reads from the shared database (aggregate those with max(), not sum()).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot import health, metrics
from db.database import Database

log = logging.getLogger(__name__)


class OpsServer:
    def __init__(
        self,
        db: Database,
        address: tuple[str, int],
        *,
        instance: str,
        leading: Callable[[], bool],
        sweep_interval_seconds: float,
    ) -> None:
        self._db = db
        self._address = address
        self._instance = instance
        self._leading = leading
        self._sweep_interval = sweep_interval_seconds
        self._runner: web.AppRunner | None = None
        self._scrape = asyncio.Lock()  # one scrape's queries at a time, however many scrapers
        self.port: int | None = None

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        metrics.count_logged_errors()
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        host, port = self._address
        await web.TCPSite(self._runner, host, port).start()
        self.port = self._runner.addresses[0][1]
        log.info("ops server (/healthz, /readyz, /metrics) listening on %s:%s", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def role(self) -> str:
        return "leader" if self._leading() else "standby"

    async def _state(self) -> health.DatabaseState:
        async with self._scrape:
            return await health.read_state(self._db)

    async def _healthz(self, request: web.Request) -> web.Response:
        status, body = health.verdict(
            await self._state(), role=self.role, instance=self._instance, sweep_interval_seconds=self._sweep_interval
        )
        return web.json_response(body, status=status, dumps=lambda b: json.dumps(b, ensure_ascii=False))

    async def _readyz(self, request: web.Request) -> web.Response:
        error = await health.database_answers(self._db)
        body = {"instance": self._instance, "role": self.role, "status": "ok" if error is None else "failing"}
        if error is not None:
            body["problems"] = [error]
        return web.json_response(body, status=200 if error is None else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        state = await self._state()
        heartbeats = {loop: age for loop, (_, age) in state.heartbeats.items()}
        text = metrics.render_process() + metrics.render_state(
            state.values, heartbeats, leader=self._leading(), database_up=state.error is None
        )
        return web.Response(body=text, headers={"Content-Type": CONTENT_TYPE_LATEST})
