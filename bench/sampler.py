"""A small sampling profiler for a bot subprocess (py-spy is not installed; cProfile inflates code
made of many small calls, such as httpcore's pool bookkeeping, several times over).

    python bench/sampler.py OUT.json run_bot.py [args…]

runs ``run_bot.py`` as ``__main__`` with a thread that, while sampling is on, records the main
thread's Python stack every few milliseconds. SIGUSR1 starts sampling, SIGUSR2 stops it and writes
OUT.json (bench/intake.py sends them at the start and the end of the measured window). The thread
needs the GIL to take a sample, so samples land where the main thread lets go of it (I/O, or the
interpreter's switch interval, lowered to 1 ms here); good enough to rank where the time goes.
"""

from __future__ import annotations

import json
import runpy
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

INTERVAL = 0.002

# A sample is attributed to the innermost frame that belongs to one of these, in this order of
# file-path fragments (the first fragment found in a frame's path names its area).
AREAS = [
    ("/selectors.py", "idle: waiting in epoll"),
    ("/httpcore/", "httpcore (HTTP client: pool, h11)"),
    ("/h11/", "httpcore (HTTP client: pool, h11)"),
    ("/httpx/", "httpx"),
    ("/anyio/", "anyio (httpcore's sockets, locks)"),
    ("/telegram/", "python-telegram-bot"),
    ("/aiosqlite/", "aiosqlite (main-thread side)"),
    ("/khmerspell/", "khmerspell (text normalisation)"),
    ("/babel/", "babel"),
    ("/gettext.py", "gettext"),
    ("/json/", "json"),
    ("/logging/", "logging"),
    ("/bot/", "bot/ (services, views, domain, sender, pump)"),
    ("/handlers/", "handlers/"),
    ("/db/", "db/ (repositories, database)"),
    ("/asyncio/", "asyncio (event loop, tasks, locks)"),
]


def _where(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_filename}:{code.co_firstlineno}({code.co_name})"


class Sampler:
    def __init__(self, main_ident: int) -> None:
        self.main_ident = main_ident
        self.on = threading.Event()
        self.samples = 0
        self.own: Counter[str] = Counter()  # innermost Python frame
        self.inclusive: Counter[str] = Counter()  # anywhere on the stack
        self.areas: Counter[str] = Counter()
        self.started = 0.0
        self.elapsed = 0.0

    def run(self) -> None:
        while True:
            self.on.wait()
            frame = sys._current_frames().get(self.main_ident)
            if frame is not None and self.on.is_set():
                self._record(frame)
            time.sleep(INTERVAL)

    def _record(self, frame: FrameType) -> None:
        self.samples += 1
        self.own[_where(frame)] += 1
        seen = set()
        area = None
        current: FrameType | None = frame
        while current is not None:
            where = _where(current)
            if where not in seen:
                seen.add(where)
                self.inclusive[where] += 1
            if area is None:
                path = current.f_code.co_filename
                area = next((name for fragment, name in AREAS if fragment in path), None)
            current = current.f_back
        self.areas[area or "other"] += 1

    def start(self, *_: object) -> None:
        self.started = time.perf_counter()
        self.on.set()

    def stop(self, out: Path) -> None:
        self.on.clear()
        self.elapsed += time.perf_counter() - self.started
        total = max(1, self.samples)
        report = {
            "samples": self.samples,
            "seconds": self.elapsed,
            "areas": {k: v / total for k, v in self.areas.most_common()},
            "own": [(k, v / total) for k, v in self.own.most_common(40)],
            "inclusive": [(k, v / total) for k, v in self.inclusive.most_common(60)],
        }
        out.write_text(json.dumps(report, indent=1))


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    script = sys.argv[2]
    sys.argv = sys.argv[2:]
    sys.path[0] = str(Path(script).resolve().parent)  # as if the script had been run directly
    sys.setswitchinterval(0.001)
    sampler = Sampler(threading.main_thread().ident or 0)
    threading.Thread(target=sampler.run, name="sampler", daemon=True).start()
    signal.signal(signal.SIGUSR1, sampler.start)
    signal.signal(signal.SIGUSR2, lambda *_: sampler.stop(out))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
