"""Shared machinery of the benchmarks: simulated people, latency bookkeeping (the bot subprocess: process.py).

- :class:`bench.process.BotProcess` runs a bot (``run_bot.py`` or ``bench/echo_bot.py``) as a
  subprocess and reads its memory and CPU time from ``/proc`` (no psutil).
- :class:`Observer` listens to the fake's event stream and timestamps every update the moment the
  fake queues it, and every bot message or edit the moment the fake stores it. The latency of an
  update is the time from the first to the second, for the first bot message or edit in the same
  chat after the update. Each simulated person has at most one update outstanding.
- :class:`Person` is a simulated human: acts, waits for the bot's answer, thinks, acts again.
- :func:`run_window` drives a group of people for a warm-up and a measured window and returns
  :class:`Window`, the figures of that window.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.process import BotProcess, proc_cpu_seconds, system_cpu  # noqa: E402
from sandbox.fake_telegram import FakeTelegram  # noqa: E402
from sandbox.fake_telegram.actors import FakeUser  # noqa: E402
from sandbox.fake_telegram.limits import max_in_window  # noqa: E402
from sandbox.fake_telegram.models import Message  # noqa: E402

# --- latency bookkeeping --------------------------------------------------------------------------


@dataclass
class Recorder:
    """Updates queued while this recorder was current (``queued``), and the latencies of the updates
    answered while it was current; updates never answered are kept as ``censored`` ages."""

    name: str
    queued: int = 0
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    censored: list[float] = field(default_factory=list)  # still unanswered: their age when we gave up
    pickup: list[float] = field(default_factory=list)  # queued → handed to the bot by a getUpdates answer
    in_bot: list[float] = field(default_factory=list)  # handed to the bot → its first answer stored by the fake

    def answered(self, latency: float, kind: str) -> None:
        self.latencies.append(latency)
        self.by_kind.setdefault(kind, []).append(latency)


def _update_chat(update: dict[str, Any]) -> tuple[int | None, str]:
    """The chat an update belongs to, and its kind for the latency breakdown."""
    if "message" in update:
        message = update["message"]
        kind = "command" if (message.get("text") or "").startswith("/") else "text"
        return message["chat"]["id"], kind
    if "callback_query" in update:
        message = update["callback_query"].get("message") or {}
        return (message.get("chat") or {}).get("id"), "button"
    return None, "other"


class Pending:
    """An update waiting for its answer."""

    __slots__ = ("fetched_at", "kind", "queued_at", "recorder")

    def __init__(self, queued_at: float, kind: str, recorder: Recorder) -> None:
        self.queued_at = queued_at
        self.kind = kind
        self.recorder = recorder
        self.fetched_at: float | None = None


class ChatView:
    """One person's private chat as they see it: bot messages (and edits) arrive in a mailbox."""

    __slots__ = ("chat_id", "mailbox", "pending", "user", "wake")

    def __init__(self, user: FakeUser) -> None:
        self.user = user
        self.chat_id = user.chat_id
        self.pending: deque[Pending] = deque()
        self.mailbox: deque[int] = deque()  # ids of bot messages sent or edited, not yet looked at
        self.wake = asyncio.Event()

    async def wait_for(self, fake: FakeTelegram, predicate: Callable[[Message], bool], timeout: float) -> Message:
        """The next bot message (or edited message, in its current state) matching ``predicate``;
        earlier ones that do not match are skipped, as a reader scrolls past them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        messages = fake.world.chats[self.chat_id].messages
        while True:
            while self.mailbox:
                message = messages.get(self.mailbox.popleft())
                if message is not None and predicate(message):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), remaining)


class Observer:
    """Timestamps the fake's events as they happen.

    ``fake.subscribe()`` hands out the same events through a queue, but a queue entry carries no
    time and is read only when the consumer task next runs (late by the benchmark's own event-loop
    lag). A listener on the same event stream (``fake.world.listen``) runs synchronously inside
    ``emit``, so each timestamp is exact and no polling is involved.

    The end of each getUpdates (a ``polling`` event with ``active=False``) hands the oldest pending
    updates (at most 100, getUpdates' default limit) to the bot: that splits each latency into the
    pickup (waiting for a getUpdates) and the time inside the bot (which includes one Bot API call's
    added latency for the answer).
    """

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.chats: dict[int, ChatView] = {}
        self.recorder: Recorder | None = None  # counts updates as they are queued
        self.answers_to: Recorder | None = None  # receives latencies (else the recorder of the queuing time)
        self.counting = False
        self.answers_in_window = 0
        self._unfetched: deque[Pending | None] = deque()  # queued, not yet returned by a getUpdates
        fake.world.listen(self._on_event)

    def view(self, user: FakeUser) -> ChatView:
        chat = self.chats.get(user.chat_id)
        if chat is None:
            chat = self.chats[user.chat_id] = ChatView(user)
        return chat

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "update":
            chat_id, what = _update_chat(event["update"])
            chat = self.chats.get(chat_id) if chat_id is not None else None
            pending = None
            if chat is not None and self.recorder is not None:
                pending = Pending(time.perf_counter(), what, self.recorder)
                chat.pending.append(pending)
                self.recorder.queued += 1
            self._unfetched.append(pending)  # None for updates not measured: they still take a place
        elif kind == "polling" and not event["active"]:
            now = time.perf_counter()
            for _ in range(min(100, len(self._unfetched))):
                fetched = self._unfetched.popleft()
                if fetched is not None:
                    fetched.fetched_at = now
        elif (kind == "message" and event["outgoing"]) or kind == "edit":
            chat = self.chats.get(event["chat_id"])
            if chat is None:
                return
            if chat.pending:
                pending = chat.pending.popleft()
                now = time.perf_counter()
                recorder = self.answers_to or pending.recorder
                recorder.answered(now - pending.queued_at, pending.kind)
                if pending.fetched_at is not None:
                    recorder.pickup.append(pending.fetched_at - pending.queued_at)
                    recorder.in_bot.append(now - pending.fetched_at)
                if self.counting:
                    self.answers_in_window += 1
            chat.mailbox.append(event["message_id"])
            chat.wake.set()

    def pending_count(self) -> int:
        return sum(len(chat.pending) for chat in self.chats.values())

    def give_up(self, recorder: Recorder) -> None:
        """Record every update still unanswered in ``recorder``, with its age, as censored."""
        now = time.perf_counter()
        for chat in self.chats.values():
            recorder.censored.extend(now - pending.queued_at for pending in chat.pending)
            chat.pending.clear()
        self._unfetched.clear()


# --- simulated people -----------------------------------------------------------------------------


class Finished(Exception):
    """The measured window is over: the person does nothing more."""


class Stuck(Exception):
    """The bot did not answer as expected within the person's patience."""


@dataclass
class Crowd:
    """What a group of people share: the fake, their patience, pace and counters."""

    fake: FakeTelegram
    observer: Observer
    think: float  # mean seconds between reading an answer and acting again
    patience: float  # seconds to wait for an answer before counting the person as stuck
    stop_at: float = math.inf  # loop time after which nobody starts a new action
    counters: dict[str, int] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n


class Person:
    """A human at a phone: acts, waits for the bot's answer, reads it and thinks, acts again."""

    def __init__(self, crowd: Crowd, user: FakeUser, rng: random.Random) -> None:
        self.crowd = crowd
        self.user = user
        self.view = crowd.observer.view(user)
        self.rng = rng
        self.step = "start"

    async def pause(self) -> None:
        await asyncio.sleep(self.crowd.think * self.rng.uniform(0.5, 1.5))
        if asyncio.get_running_loop().time() >= self.crowd.stop_at:
            raise Finished

    async def _answer(self, expect: Callable[[Message], bool]) -> Message:
        try:
            return await self.view.wait_for(self.crowd.fake, expect, self.crowd.patience)
        except TimeoutError:
            shown = [m.plain_text[:60] for m in self.crowd.fake.bot_messages(self.view.chat_id)[-3:]]
            raise Stuck(f"user {self.user.id} at step {self.step!r}: no expected answer; last: {shown}") from None

    async def say(self, text: str, expect: Callable[[Message], bool], step: str) -> Message:
        await self.pause()
        self.step = step
        self.user.send(text)
        return await self._answer(expect)

    async def press(self, message: Message, data: str, expect: Callable[[Message], bool], step: str) -> Message:
        await self.pause()
        self.step = step
        self.user.press(message, data)
        return await self._answer(expect)


def contains(text: str) -> Callable[[Message], bool]:
    return lambda message: text in message.plain_text


def has_button(pattern: Callable[[str], bool]) -> Callable[[Message], bool]:
    return lambda message: any(data is not None and pattern(data) for _, data in message.buttons())


def any_message(message: Message) -> bool:
    return True


# --- a measured window ----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]


@dataclass
class Window:
    """What a measured window produced."""

    duration: float
    handled: int  # updates answered (first bot message or edit) inside the window
    recorder: Recorder
    bot_cpu: float  # CPU seconds the bot process used inside the window
    bot_main_thread_cpu: float  # … of which its main thread (the event loop)
    server_cpu: float  # CPU seconds of the database server (0 for SQLite, which runs in the bot)
    bench_cpu: float  # CPU seconds this process (fake server + simulated people) used
    system_busy: float  # fraction of all CPUs busy inside the window
    rss_max: int  # largest VmRSS of the bot sampled inside the window
    counters: dict[str, int]
    stuck: list[str]
    wall: tuple[float, float]  # time.time() at the start and the end (the fake logs calls with it)

    def latency_summary(self) -> dict[str, Any]:
        answered = sorted(self.recorder.latencies)
        values = sorted(answered + self.recorder.censored)
        floor = min(self.recorder.censored, default=math.inf)
        summary: dict[str, Any] = {}
        for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100)):
            value = percentile(values, q)
            summary[name] = value
            summary[f"{name}_is_lower_bound"] = value >= floor  # an unanswered update is at least that late
        for name, values in (("pickup", self.recorder.pickup), ("in_bot", self.recorder.in_bot)):
            ordered = sorted(values)
            summary[name] = {"p50": percentile(ordered, 50), "p99": percentile(ordered, 99)}
        summary["by_kind"] = {
            kind: {"count": len(v), "p50": percentile(sorted(v), 50), "p99": percentile(sorted(v), 99)}
            for kind, v in sorted(self.recorder.by_kind.items())
        }
        return summary


async def run_window(
    crowd: Crowd,
    bot: BotProcess,  # or bench.deployment.Instances, which has the same surface
    people: Iterable[Callable[[], Awaitable[None]]],
    *,
    warmup: float,
    duration: float,
    drain: float,
) -> Window:
    """Let ``people`` act for ``warmup + duration`` seconds; measure the last ``duration``.

    Latencies are those of the updates answered inside the window, whenever they were queued, and
    of those still in flight at its end that are answered within ``drain`` seconds; updates never
    answered count with their age then, as lower bounds (``censored``).
    """
    loop = asyncio.get_running_loop()
    observer = crowd.observer
    warm = Recorder("warm-up")
    measured = Recorder("measured")
    observer.recorder = warm
    crowd.stop_at = loop.time() + warmup + duration
    crowd.counters.clear()

    async def guarded(act: Callable[[], Awaitable[None]]) -> None:
        try:
            await act()
        except Finished:
            pass
        except Stuck as error:
            crowd.stuck.append(str(error))
        except Exception as error:  # a person's mistake must not end the benchmark
            crowd.stuck.append(f"{type(error).__name__}: {error}")

    tasks = [asyncio.create_task(guarded(act)) for act in people]
    await asyncio.sleep(warmup)

    observer.recorder = measured
    observer.answers_to = measured
    observer.answers_in_window = 0
    observer.counting = True
    crowd.counters.clear()
    bot.mark()
    cpu0, bench0, (busy0, total0) = bot.cpu_seconds(), proc_cpu_seconds(), system_cpu()
    main0, server0 = bot.main_thread_cpu_seconds(), bot.server_cpu()
    started, wall_started = time.perf_counter(), time.time()
    await asyncio.sleep(max(0.0, crowd.stop_at - loop.time()))
    wall_ended = time.time()
    elapsed = time.perf_counter() - started
    observer.counting = False
    observer.recorder = None
    cpu1, bench1, (busy1, total1) = bot.cpu_seconds(), proc_cpu_seconds(), system_cpu()
    main1, server1 = bot.main_thread_cpu_seconds(), bot.server_cpu()
    handled = observer.answers_in_window
    counters = dict(crowd.counters)
    rss_max = bot.rss_max

    deadline = loop.time() + drain
    while observer.pending_count() and loop.time() < deadline:
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    observer.give_up(measured)
    observer.answers_to = None
    return Window(
        duration=elapsed,
        handled=handled,
        recorder=measured,
        bot_cpu=cpu1 - cpu0,
        bot_main_thread_cpu=main1 - main0,
        server_cpu=server1 - server0,
        bench_cpu=bench1 - bench0,
        system_busy=(busy1 - busy0) / max(1, total1 - total0),
        rss_max=rss_max,
        counters=counters,
        stuck=list(crowd.stuck),
        wall=(wall_started, wall_ended),
    )


def private_chat_windows(fake: FakeTelegram) -> dict[str, int]:
    """Worst counts of bot messages to one private chat in any 1 s and any 30 s (the bot's limits)."""
    rates = fake.server.rates
    private = [times for chat, times in rates.by_chat.items() if rates.chat_types.get(chat) == "private"]
    return {
        "per_private_chat_1s": max((max_in_window(t, 1.0) for t in private), default=0),
        "per_private_chat_30s": max((max_in_window(t, 30.0) for t in private), default=0),
    }
