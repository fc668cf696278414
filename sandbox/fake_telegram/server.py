"""HTTP side of the fake: an aiohttp app serving ``/bot<token>/<method>`` and file downloads.

Each request goes through :meth:`BotApiServer.call`: latency, method lookup, injected faults,
flood-limit enforcement, the method itself, "accepted but the answer was lost" faults, and the
call/error logs.  The server binds to loopback only.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from aiohttp import web

from .errors import ApiError, not_found, too_many_requests, unauthorized
from .faults import Fault, FaultPlan
from .limits import FloodLimits, RateTracker
from .methods import REGISTRY, Context, MethodSpec
from .params import Params, Upload

logger = logging.getLogger(__name__)
MAX_BODY = 60 * 1024 * 1024


class Call(NamedTuple):
    """One request the bot made: ``status`` is the HTTP status (0 = connection dropped)."""

    time: float
    method: str
    params: dict[str, Any]
    status: int


class ErrorRecord(NamedTuple):
    """A 4xx answer the fake gave; ``injected`` marks failures made by :meth:`FakeTelegram.inject`."""

    method: str
    params: dict[str, Any]
    code: int
    description: str
    injected: bool = False


class _DropConnection(Exception):
    """Internal: close the connection instead of answering."""


class BotApiServer:
    """Bot API over HTTP on top of a method :class:`~.methods.Context`."""

    def __init__(
        self,
        ctx: Context,
        token: str,
        *,
        clock: Callable[[], float],
        latency: float = 0.0,
        enforce_limits: bool = False,
        limits: FloodLimits | None = None,
    ) -> None:
        self.ctx = ctx
        self.token = token
        self.clock = clock
        self.latency = latency
        self.enforce_limits = enforce_limits
        self.limits = limits or FloodLimits()
        self.faults = FaultPlan()
        self.rates = RateTracker()
        self.calls: list[Call] = []
        self.errors: list[ErrorRecord] = []
        self.unknown_methods: list[str] = []
        self.down = False
        self.down_status: int | None = None  # None: drop connections; else answer with this status
        self.url = ""
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.make_app(), shutdown_timeout=1.0, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        self.ctx.poller.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- request handling ------------------------------------------------------------------------
    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        try:
            params = await _read_params(request)
        except ValueError:
            params = Params({})
        if self.down:
            self.calls.append(Call(self.clock(), method, params.loggable(), self.down_status or 0))
            return self._fail_connection(request, self.down_status)
        if request.match_info["token"] != self.token:
            status, body = self._record(method, params, unauthorized())
            return web.json_response(body, status=status)
        try:
            status, body = await self.call(method, params)
        except _DropConnection:
            return self._fail_connection(request, None)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if self.down:
            return self._fail_connection(request, self.down_status)
        stored = self.ctx.world.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(not_found().to_json(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    @staticmethod
    def _fail_connection(request: web.Request, status: int | None) -> web.StreamResponse:
        if status is not None:
            return web.Response(status=status, text=f"<html><body>{status}</body></html>", content_type="text/html")
        if request.transport is not None:
            request.transport.abort()
        # Ending the handler as cancelled makes aiohttp close the (aborted) connection without
        # trying to write a response; the client sees "server disconnected".
        raise asyncio.CancelledError

    async def call(self, method: str, params: Params) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call through the whole pipeline; returns (HTTP status, JSON body)."""
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        spec = REGISTRY.get(method.lower())
        if spec is None:
            self.unknown_methods.append(method)
            return self._record(method, params, not_found())
        chat_ref = params.str("chat_id")
        fault = self.faults.take(spec.name, chat_ref, after_accept=False)
        if fault is not None:
            return self._record(spec.name, params, fault.error(), injected=True)
        try:
            self._check_flood(spec, chat_ref)
            result = spec.fn(self.ctx, params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return self._record(spec.name, params, error)
        self._count_messages(spec, chat_ref, result)
        late = self.faults.take(spec.name, chat_ref, after_accept=True)
        if late is not None:
            return self._late_failure(spec.name, params, late)
        self.calls.append(Call(self.clock(), spec.name, params.loggable(), 200))
        return 200, {"ok": True, "result": result}

    def _late_failure(self, method: str, params: Params, fault: Fault) -> tuple[int, dict[str, Any]]:
        if fault.drop_connection:
            self.calls.append(Call(self.clock(), method, params.loggable(), 0))
            raise _DropConnection
        return self._record(method, params, fault.error(), injected=True)

    def _record(
        self, method: str, params: Params, error: ApiError, *, injected: bool = False
    ) -> tuple[int, dict[str, Any]]:
        logged = params.loggable()
        self.calls.append(Call(self.clock(), method, logged, error.code))
        if 400 <= error.code < 500:
            self.errors.append(ErrorRecord(method, logged, error.code, error.description, injected))
            self.ctx.world.emit(
                {
                    "type": "api_error",
                    "method": method,
                    "params": logged,
                    "code": error.code,
                    "description": error.description,
                    "injected": injected,
                }
            )
        return error.code, error.to_json()

    # -- flood limits ----------------------------------------------------------------------------
    def _chat_type(self, chat_ref: str | None) -> tuple[int, str] | None:
        chat = self.ctx.world.find_chat(chat_ref) if chat_ref else None
        return (chat.id, chat.type) if chat is not None else None

    def _check_flood(self, spec: MethodSpec, chat_ref: str | None) -> None:
        if not (self.enforce_limits and spec.produces_messages):
            return
        target = self._chat_type(chat_ref)
        if target is not None:
            wait = self.rates.retry_after(target[0], target[1], self.clock(), self.limits)
            if wait is not None:
                raise too_many_requests(wait)

    def _count_messages(self, spec: MethodSpec, chat_ref: str | None, result: Any) -> None:
        target = self._chat_type(chat_ref) if spec.produces_messages else None
        if target is not None:
            count = len(result) if isinstance(result, list) else 1
            self.rates.record(target[0], target[1], self.clock(), count)


async def _read_params(request: web.Request) -> Params:
    """Form, multipart or JSON body (plus query string) as :class:`Params`."""
    values: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            values.update(body)
        return Params(values)
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                values[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                values[key] = value
    return Params(values)
