"""Sliding-window limits for what the bot sends to Telegram.

Telegram's limits: about 30 messages a second for notifications overall, 20 a minute to one group,
about one a second sustained to one private chat (short bursts tolerated). A leaky bucket such as
python-telegram-bot's AIORateLimiter lets a full burst through on top of the refill (measured: 59
in one second, 30 to one group in 60 s), so these windows count exact timestamps instead: no window
of the given length ever holds more than the limit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


class SlidingWindow:
    def __init__(self, window: Window) -> None:
        self.window = window
        self._times: deque[float] = deque()

    def _forget(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window.seconds:
            self._times.popleft()

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0 if it fits now)."""
        self._forget(now)
        if len(self._times) < self.window.limit:
            return 0.0
        # Never 0 while full: float rounding can make the difference vanish (1e-158 + 1.0 - 1.0).
        return max(self._times[0] + self.window.seconds - now, 1e-6)

    def record(self, now: float) -> None:
        self._times.append(now)

    @property
    def idle(self) -> bool:
        return not self._times


class Limiter:
    """Several windows over one stream of events (e.g. 4 per second and 30 per 30 seconds)."""

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self._windows = [SlidingWindow(w) for w in windows]

    def wait(self, now: float) -> float:
        return max((w.wait(now) for w in self._windows), default=0.0)

    def record(self, now: float) -> None:
        for window in self._windows:
            window.record(now)

    def idle(self, now: float) -> bool:
        for window in self._windows:
            window.wait(now)  # drops expired timestamps
        return all(w.idle for w in self._windows)


@dataclass(frozen=True)
class TelegramLimits:
    """A little below Telegram's figures, and evenly spaced: Telegram counts when requests arrive,
    and network jitter would let a burst at the start of one second join the next second's."""

    # Notifications (anything not answering the chat's own message), all chats together: 30/s.
    overall_notify: tuple[Window, ...] = (Window(27, 1.0), Window(1, 0.03))
    # Every message to one group or supergroup: 20/min.
    group: tuple[Window, ...] = (Window(19, 60.0), Window(3, 1.0))
    # Every message to one private chat: a short burst, then about one a second.
    private: tuple[Window, ...] = (Window(4, 1.0), Window(28, 30.0))


class ChatLimiters:
    """One Limiter per chat, created on demand and forgotten when idle (there are ~1,650 posts and
    many thousands of citizens)."""

    def __init__(self, limits: TelegramLimits) -> None:
        self.limits = limits
        self.overall_notify = Limiter(limits.overall_notify)
        self._chats: dict[int, Limiter] = {}

    def _chat(self, chat_id: int) -> Limiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            # Telegram gives groups negative ids and private chats (users) positive ones.
            limiter = Limiter(self.limits.group if chat_id < 0 else self.limits.private)
            self._chats[chat_id] = limiter
        return limiter

    def wait(self, chat_id: int, notify: bool, now: float) -> float:
        wait = self._chat(chat_id).wait(now)
        if notify:
            wait = max(wait, self.overall_notify.wait(now))
        return wait

    def record(self, chat_id: int, notify: bool, now: float) -> None:
        self._chat(chat_id).record(now)
        if notify:
            self.overall_notify.record(now)

    @property
    def size(self) -> int:
        return len(self._chats)

    def forget_idle(self, now: float) -> None:
        for chat_id in [c for c, limiter in self._chats.items() if limiter.idle(now)]:
            del self._chats[chat_id]
