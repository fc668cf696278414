"""The sender's sliding windows never let more through than Telegram allows, whatever the clock."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ratelimit import ChatLimiters, SlidingWindow, TelegramLimits, Window


def test_a_window_counts_exactly_and_tells_how_long_to_wait():
    window = SlidingWindow(Window(3, 1.0))
    for t in (0.0, 0.1, 0.2):
        assert window.wait(t) == 0
        window.record(t)
    assert window.wait(0.5) == 0.5  # the event at 0.0 leaves the window at 1.0
    assert window.wait(1.0) == 0


def greedy_send(limiters: ChatLimiters, chats: list[int], notify: bool, until: float) -> dict[int, list[float]]:
    """Send as fast as the limiters allow, in random order, recording every send time. Time jumps to
    the next moment some chat may send (stepping 1 ms at a time made this test take 80 s)."""
    now, sent = 0.0, {c: [] for c in chats}
    rng = random.Random(7)
    while now < until:
        waits, sent_now = [], False
        for chat in rng.sample(chats, len(chats)):
            wait = limiters.wait(chat, notify, now)
            if wait == 0:
                limiters.record(chat, notify, now)
                sent[chat].append(now)
                sent_now = True
            else:
                waits.append(wait)
        if not sent_now:  # nobody may send now: on to the first moment somebody may
            now += min(waits)
    return sent


def max_in_window(times: list[float], seconds: float) -> int:
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_groups_get_at_most_20_a_minute_and_all_notifications_30_a_second():
    limiters = ChatLimiters(TelegramLimits())
    sent = greedy_send(limiters, [-(10**12) - i for i in range(200)], notify=True, until=70.0)
    everything = sorted(t for times in sent.values() for t in times)
    assert max_in_window(everything, 1.0) <= 30
    assert max(max_in_window(times, 60.0) for times in sent.values()) <= 20
    assert len(everything) >= 27 * 69  # and the limits are used, not wasted


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=40), min_size=1, max_size=200))
def test_a_private_chat_never_exceeds_its_windows(offsets):
    limiters = ChatLimiters(TelegramLimits())
    times = []
    for wanted in sorted(offsets):  # messages wanted at random moments, each sent as soon as allowed
        now = max([wanted, *times[-1:]])
        while (wait := limiters.wait(42, False, now)) > 0:
            now += wait
        limiters.record(42, False, now)
        times.append(now)
    assert max_in_window(times, 1.0) <= 4
    assert max_in_window(times, 30.0) <= 30
