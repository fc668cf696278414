"""What-if (diagnosis only, not a fix to ship): the bot with httpcore's connection pool repaired.

    python bench/intake.py --bot-env PYTHONPATH=bench/whatif/httpcore_pool

Python imports ``sitecustomize`` at start-up from PYTHONPATH, so the bot runs unmodified except for
three patches of its libraries:

- ``sniffio`` made importable: httpcore 1.0.9 retries a failing ``import sniffio`` on every lock it
  creates since anyio stopped depending on sniffio (encode/httpcore#1103; no measurable gain here);
- keep-alive connections = pool size: PTB's HTTPXRequest leaves httpx's default of 20 beside a pool
  of 128, and httpcore's check compares the number of *all* connections with it;
- ``AsyncConnectionPool._assign_requests_to_connections`` in one linear pass instead of
  O(connections² + connections × queued requests) per request (encode/httpcore#1035), which also
  hands each free connection to one queued request only.
"""

from __future__ import annotations

import sys
import types

import httpx
from httpcore._async import connection_pool

sys.modules.setdefault("sniffio", types.SimpleNamespace(current_async_library=lambda: "asyncio"))

_Limits = httpx.Limits


class _KeepAllLimits(_Limits):
    def __init__(self, *, max_connections=None, max_keepalive_connections=None, keepalive_expiry=5.0):
        super().__init__(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections or max_connections,
            keepalive_expiry=keepalive_expiry,
        )


httpx.Limits = _KeepAllLimits


def _assign_requests_to_connections(self):
    closing = []
    kept = []
    reserved = {id(r.connection) for r in self._requests if r.connection is not None}
    for connection in self._connections:
        if connection.is_closed():
            continue
        if connection.has_expired():
            closing.append(connection)
            continue
        kept.append(connection)
    idle = [c for c in kept if c.is_idle() and id(c) not in reserved]
    surplus = len(idle) - self._max_keepalive_connections
    if surplus > 0:
        dropped = {id(c) for c in idle[:surplus]}
        closing.extend(idle[:surplus])
        kept = [c for c in kept if id(c) not in dropped]
        idle = idle[surplus:]
    self._connections = kept
    queued = [r for r in self._requests if r.is_queued()]
    if queued:
        available = [c for c in kept if c.is_available() and id(c) not in reserved]
        for request in queued:
            origin = request.request.url.origin
            connection = next((c for c in available if c.can_handle_request(origin)), None)
            if connection is not None:
                available.remove(connection)
                if connection in idle:
                    idle.remove(connection)
            elif len(self._connections) < self._max_connections:
                connection = self.create_connection(origin)
                self._connections.append(connection)
            elif idle:
                old = idle.pop(0)
                self._connections.remove(old)
                closing.append(old)
                connection = self.create_connection(origin)
                self._connections.append(connection)
            else:
                break
            request.assign_to_connection(connection)
    return closing


connection_pool.AsyncConnectionPool._assign_requests_to_connections = _assign_requests_to_connections
