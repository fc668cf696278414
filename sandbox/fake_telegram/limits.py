"""Observation (and optional enforcement) of Telegram's flood limits.

Telegram does not publish exact limits; the Bots FAQ gives the figures used here: about one
message per second per chat, 20 messages per minute to one group and 30 messages per second
overall.  Every message-producing call (send*, copy*, forward*, edit*) is timestamped per chat.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FloodLimits:
    """Limits enforced by ``FakeTelegram(enforce_limits=True)``; ``None`` disables one."""

    per_second_overall: int | None = 30
    per_minute_per_group: int | None = 20
    per_second_per_private_chat: int | None = None


@dataclass
class LimitReport:
    """Worst sliding-window counts seen so far."""

    total_messages: int
    max_per_second_overall: int
    max_per_minute_per_group: int
    max_per_second_per_private_chat: int
    per_group_chat: dict[int, int] = field(default_factory=dict)  # chat id -> worst 60 s count
    per_private_chat: dict[int, int] = field(default_factory=dict)  # chat id -> worst 1 s count

    def violations(self, limits: FloodLimits | None = None) -> list[str]:
        """Human-readable list of limits exceeded (empty if within all of them)."""
        limits = limits or FloodLimits(per_second_per_private_chat=1)
        problems = []
        if limits.per_second_overall is not None and self.max_per_second_overall > limits.per_second_overall:
            problems.append(f"{self.max_per_second_overall} messages in 1 s overall (> {limits.per_second_overall})")
        for chat_id, count in self.per_group_chat.items():
            if limits.per_minute_per_group is not None and count > limits.per_minute_per_group:
                problems.append(f"{count} messages in 60 s to group {chat_id} (> {limits.per_minute_per_group})")
        for chat_id, count in self.per_private_chat.items():
            limit = limits.per_second_per_private_chat
            if limit is not None and count > limit:
                problems.append(f"{count} messages in 1 s to private chat {chat_id} (> {limit})")
        return problems


def max_in_window(times: list[float], window: float) -> int:
    """Largest number of timestamps inside any half-open window ``[t, t + window)``."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class RateTracker:
    """Timestamps of message-producing calls, per chat and overall."""

    def __init__(self) -> None:
        self.overall: list[float] = []
        self.by_chat: dict[int, list[float]] = {}
        self.chat_types: dict[int, str] = {}

    def record(self, chat_id: int, chat_type: str, at: float, count: int = 1) -> None:
        self.chat_types[chat_id] = chat_type
        for _ in range(count):
            self.overall.append(at)
            self.by_chat.setdefault(chat_id, []).append(at)

    def retry_after(self, chat_id: int, chat_type: str, now: float, limits: FloodLimits) -> int | None:
        """Seconds to wait if one more message now would exceed ``limits``; else None."""
        waits = [
            _wait(self.overall, now, 1.0, limits.per_second_overall),
            _wait(
                self.by_chat.get(chat_id, []),
                now,
                60.0,
                limits.per_minute_per_group if chat_type != "private" else None,
            ),
            _wait(
                self.by_chat.get(chat_id, []),
                now,
                1.0,
                limits.per_second_per_private_chat if chat_type == "private" else None,
            ),
        ]
        worst = max((w for w in waits if w is not None), default=None)
        return None if worst is None else max(1, math.ceil(worst))

    def report(self) -> LimitReport:
        groups = {c: max_in_window(t, 60.0) for c, t in self.by_chat.items() if self.chat_types[c] != "private"}
        privates = {c: max_in_window(t, 1.0) for c, t in self.by_chat.items() if self.chat_types[c] == "private"}
        return LimitReport(
            total_messages=len(self.overall),
            max_per_second_overall=max_in_window(self.overall, 1.0),
            max_per_minute_per_group=max(groups.values(), default=0),
            max_per_second_per_private_chat=max(privates.values(), default=0),
            per_group_chat=groups,
            per_private_chat=privates,
        )


def _wait(times: list[float], now: float, window: float, limit: int | None) -> float | None:
    if limit is None:
        return None
    recent = times[bisect_left(times, now - window + 1e-9) :]
    if len(recent) < limit:
        return None
    return recent[len(recent) - limit] + window - now
