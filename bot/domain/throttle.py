"""A token bucket per person, so that one script cannot fill the bot's inbox and its outbox.

Each person has a bucket of `capacity` tokens that refills at `per_second`; every update they send
takes one token. Sized so that people never meet it (an album of 10 photos or 50 forwarded messages
arrives at once; nobody types or taps faster than the refill for long), while a script sending
hundreds is cut off after the first `capacity`. An update that finds the bucket empty is dropped,
and the person is told once per `notice_every` seconds, not once per dropped update.

Pure: the caller passes the time (monotonic seconds), so tests need no clock.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    notify: bool = False  # dropped, and the person has not been told in this period
    dropped: int = 0  # with `notify`: updates dropped since the previous notice, this one included


class _Bucket:
    __slots__ = ("at", "dropped", "tokens", "told_at")

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at
        self.told_at = float("-inf")
        self.dropped = 0


class Throttle:
    def __init__(
        self, capacity: float, per_second: float, *, notice_every: float = 60.0, max_people: int = 50_000
    ) -> None:
        if capacity < 1 or per_second <= 0:
            raise ValueError("a bucket holds at least one update and refills")
        self.capacity = float(capacity)
        self.per_second = float(per_second)
        self.notice_every = notice_every
        self._max_people = max_people
        self._buckets: dict[int, _Bucket] = {}

    def admit(self, person: int, now: float) -> Verdict:
        bucket = self._buckets.get(person)
        if bucket is None:
            if len(self._buckets) >= self._max_people:
                self._forget_idle(now)
            bucket = self._buckets[person] = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.per_second)
            bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict(True)
        bucket.dropped += 1
        if now - bucket.told_at < self.notice_every:
            return Verdict(False)
        dropped, bucket.dropped, bucket.told_at = bucket.dropped, 0, now
        return Verdict(False, notify=True, dropped=dropped)

    def _forget_idle(self, now: float) -> None:
        """People whose bucket is full again and who are not in a notice period are like new ones:
        forgetting them changes nothing, and keeps memory bounded."""
        for person in [p for p, b in self._buckets.items() if self._idle(b, now)]:
            del self._buckets[person]

    def _idle(self, bucket: _Bucket, now: float) -> bool:
        full = bucket.tokens + (now - bucket.at) * self.per_second >= self.capacity
        return full and now - bucket.told_at >= self.notice_every

    @property
    def size(self) -> int:
        return len(self._buckets)
