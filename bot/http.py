"""python-telegram-bot's HTTP transport on aiohttp.

PTB's default transport is httpx. Under load (tens of requests in flight, as the outbox sender
keeps), httpcore 1.0's connection pool spends time growing with the square of its connections on
every request (encode/httpcore#1035), and it retries a failing `import sniffio` on each lock
(encode/httpcore#1103): measured at 40% of the bot's CPU at ~60 updates/s (bench/README.md).
aiohttp's connector does the same job in constant time per request. PTB supports replacing the
transport through its BaseRequest interface; error mapping follows PTB's own HTTPXRequest.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        pool_size: int = 100,
        read_timeout: float = 10.0,
        write_timeout: float = 20.0,
        connect_timeout: float = 5.0,
        pool_timeout: float = 5.0,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        write = _given(write_timeout, self._write_timeout)
        # aiohttp's connect timeout includes waiting for a free connection of the pool.
        timeout = aiohttp.ClientTimeout(
            total=None, connect=_sum(connect, pool), sock_read=_sum(read, write if request_data else None)
        )
        try:
            async with self._session.request(method, url, data=_body(request_data), timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _given(value: Any, default: float | None) -> float | None:
    """PTB passes BaseRequest.DEFAULT_NONE for "no timeout given for this call"."""
    return default if value is BaseRequest.DEFAULT_NONE else value


def _sum(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form-encoded parameters, or multipart when files are uploaded (as the Bot API expects)."""
    if request_data is None:
        return None
    parameters = request_data.json_parameters
    if not request_data.contains_files:
        return parameters
    form = aiohttp.FormData()
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, upload in (request_data.multipart_data or {}).items():
        filename, content, mimetype = upload[0], upload[1], upload[2] if len(upload) > 2 else None
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
