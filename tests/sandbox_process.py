"""`python run_bot.py sandbox` as a subprocess, for the sandbox's tests (HTTP and browser)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Seconds, so a test sees an escalation; the sandbox passes these on to the bot.
FAST_DEADLINES = {"ACK_DEADLINE": "6s", "RESOLVE_DEADLINE": "60s", "ESCALATION_STEP": "6s", "SWEEP_INTERVAL": "1s"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxProcess:
    def __init__(self, data: Path, *, reset: bool = True, **env: str) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.reset = reset
        self.env = {**os.environ, **FAST_DEADLINES, "POLL_TIMEOUT": "1", **env}
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []

    async def start(self, timeout: float = 90) -> None:
        args = ["run_bot.py", "sandbox", "--port", str(self.port), "--data", str(self.data)]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            *(["--reset"] if self.reset else []),
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        await asyncio.wait_for(self._read_until("Press Ctrl-C"), timeout)

    async def _read_until(self, needle: str) -> None:
        assert self.process is not None and self.process.stdout is not None
        while True:
            line = (await self.process.stdout.readline()).decode()
            if not line:
                raise RuntimeError("the sandbox stopped:\n" + "".join(self.output))
            self.output.append(line)
            if needle in line:
                return

    async def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, as a person stops it; returns the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        rest = await asyncio.wait_for(self.process.communicate(), timeout)
        self.output.append(rest[0].decode())
        return self.process.returncode

    # -- the page's HTTP API (blocking calls run in a thread) --------------------------------------
    async def get(self, path: str) -> Any:
        return await asyncio.to_thread(self._request, path, None)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await asyncio.to_thread(self._request, path, body)

    def _request(self, path: str, body: dict[str, Any] | None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method="GET" if body is None else "POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            raw, kind = error.read(), error.headers.get("Content-Type", "")
        return json.loads(raw) if "json" in kind else raw
