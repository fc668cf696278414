"""Notifications to police groups under 429 storms, 5xx bursts and an outage: all arrive, none early."""

from __future__ import annotations

from bot.outgoing import Screen
from db.repositories import outbox
from tests import dbaccess


async def queue(bot, groups, label: str) -> None:
    db = await dbaccess.open_db(bot.db_path)
    try:
        async with db.transaction() as tx:
            for i, group in enumerate(groups):
                await outbox.add(tx, Screen(f"{label} #{i} about 482-913-0574").send(group.id, priority="notify"))
    finally:
        await db.close()


async def all_delivered(fake, groups, label: str, timeout: float) -> None:
    def done() -> bool:
        return all(any(f"{label} #{i} " in m.plain_text for m in fake.bot_messages(g.id)) for i, g in enumerate(groups))

    await fake.wait_for(done, timeout=timeout, what=f"every {label}")


async def test_a_429_storm_is_waited_out_per_chat_and_nothing_is_sent_early(bot, fake):
    groups = [fake.group(f"Post {i}", supergroup=True) for i in range(30)]
    fake.inject("sendMessage", error_code=429, retry_after=1, times=30)
    await queue(bot, groups, "storm")
    await all_delivered(fake, groups, "storm", timeout=15)
    for group in groups:
        calls = [c for c in fake.calls if c.method == "sendMessage" and str(group.id) == str(c.params.get("chat_id"))]
        refused = [c.time for c in calls if c.status == 429]
        accepted = [c.time for c in calls if c.status == 200]
        if refused:
            assert accepted[0] - refused[0] >= 0.99  # not inside the retry_after window
    fake.errors[:] = [e for e in fake.errors if e.code != 429]


async def test_a_burst_of_server_errors_is_retried(bot, fake):
    groups = [fake.group(f"Post {i}", supergroup=True) for i in range(20)]
    fake.inject("sendMessage", error_code=502, description="Bad Gateway", times=25)
    await queue(bot, groups, "burst")
    await all_delivered(fake, groups, "burst", timeout=20)
    await fake.wait_for(lambda: bot.query("SELECT COUNT(*) AS n FROM outbox WHERE state != 'sent'")[0]["n"] == 0)


async def test_an_outage_is_waited_out_then_everything_drains(bot, fake):
    groups = [fake.group(f"Post {i}", supergroup=True) for i in range(20)]
    fake.set_down(True)
    await queue(bot, groups, "outage")
    await fake.wait_for(
        lambda: bot.query("SELECT COUNT(*) AS n FROM outbox WHERE attempts > 0")[0]["n"] > 0, timeout=10
    )
    fake.set_down(False)
    await all_delivered(fake, groups, "outage", timeout=40)
    assert bot.query("SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed'")[0]["n"] == 0
