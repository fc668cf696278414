"""Outbound delivery benchmark: how fast the outbox drains, and how close it comes to Telegram's limits.

    python bench/delivery.py                       # 10,000 notifications to distinct groups + 1,000 to one
    python bench/delivery.py --duration 30 --distinct 2000 --one-group 300

A backlog of notifications is written to a fresh outbox (as routing writes complaint cards), then
the bot's own OutboxSender delivers it to the fake Telegram server (+100 ms per call) for a fixed
window. Printed: messages/s, the worst sliding-window counts the fake observed (what Telegram
would count: arrival times), and the time the whole backlog needs at that pace.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Bot

from bot.http import AiohttpRequest
from bot.outgoing import Screen
from bot.sender import OutboxSender
from db.database import Database
from db.migrate import migrate
from db.repositories import outbox
from sandbox.fake_telegram import FakeTelegram


async def seed(db: Database, distinct: list[int], busy: int, one_group: int) -> None:
    """The two kinds interleaved, as they would arrive (the sender serves the oldest first)."""
    every = max(1, len(distinct) // max(one_group, 1))
    busy_left = one_group
    async with db.transaction() as tx:
        for i, chat_id in enumerate(distinct):
            await outbox.add(tx, Screen(f"Card #{i}: complaint 482-913-0574").send(chat_id, priority="notify"))
            if i % every == 0 and busy_left:
                busy_left -= 1
                await outbox.add(tx, Screen(f"Escalation #{busy_left}: 482-913-0574").send(busy, priority="notify"))
        for i in range(busy_left):
            await outbox.add(tx, Screen(f"Escalation #{i}: complaint 482-913-0574").send(busy, priority="notify"))


async def run(args: argparse.Namespace) -> dict[str, float]:
    async with FakeTelegram(latency=args.latency) as fake:
        print(f"creating {args.distinct + 1:,} groups in the fake …", file=sys.stderr)
        distinct = [fake.group(f"Post {i}", supergroup=True).id for i in range(args.distinct)]
        busy = fake.group("Ministry working group", supergroup=True).id
        with tempfile.TemporaryDirectory() as tmp:
            db = await Database.open(Path(tmp) / "bench.sqlite3", synchronous="NORMAL")
            await migrate(db)
            await seed(db, distinct, busy, args.one_group)
            bot = Bot(
                fake.token,
                base_url=fake.base_url,
                base_file_url=fake.base_file_url,
                request=AiohttpRequest(pool_size=160),
                get_updates_request=AiohttpRequest(pool_size=2),
            )
            async with bot:
                sender = OutboxSender(bot, db, concurrency=128)
                started = time.monotonic()
                task = asyncio.create_task(sender.run())
                await asyncio.sleep(args.duration)
                await sender.stop()
                task.cancel()
                elapsed = time.monotonic() - started
            await db.close()
        report = fake.limit_report()
        to_distinct = sum(
            1
            for c in fake.calls
            if c.method == "sendMessage" and c.status == 200 and str(c.params.get("chat_id")) != str(busy)
        )
        to_busy = report.per_group_chat.get(busy, 0)
        busy_total = len(fake.bot_messages(busy))
    rate = (to_distinct + busy_total) / elapsed
    return {
        "window_s": elapsed,
        "sent": to_distinct + busy_total,
        "messages_per_s": rate,
        "to_distinct_groups": to_distinct,
        "to_the_busy_group": busy_total,
        "worst_1s_overall": report.max_per_second_overall,
        "worst_60s_one_group": to_busy,
        "worst_60s_any_group": report.max_per_minute_per_group,
        "distinct_drain_s": args.distinct / max(rate - busy_total / elapsed, 1e-9),
        "busy_group_drain_min": args.one_group / max(busy_total / elapsed * 60, 1e-9) if busy_total else float("inf"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--distinct", type=int, default=10_000, help="notifications, each to its own group")
    parser.add_argument("--one-group", type=int, default=1_000, help="notifications all to one group")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sending measured")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every Bot API call")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(
        f"Delivery benchmark: backlog {args.distinct:,} to distinct groups + {args.one_group:,} to one group, "
        f"+{args.latency * 1000:.0f} ms per call, {os.cpu_count()} CPUs"
    )
    print(f"  window                         {figures['window_s']:.1f} s")
    print(
        f"  delivered                      {figures['sent']:,} ({figures['to_distinct_groups']:,} distinct, "
        f"{figures['to_the_busy_group']:,} to the busy group)"
    )
    print(f"  messages/s                     {figures['messages_per_s']:.1f}   (Telegram: ~30/s for notifications)")
    print(f"  worst 1 s, all chats           {figures['worst_1s_overall']}   (limit 30)")
    print(f"  worst 60 s, the busy group     {figures['worst_60s_one_group']}   (limit 20)")
    print(f"  worst 60 s, any group          {figures['worst_60s_any_group']}   (limit 20)")
    print(f"  backlog to distinct groups     drains in {figures['distinct_drain_s']:.0f} s at this pace")
    print(
        f"  backlog to the busy group      drains in {figures['busy_group_drain_min']:.0f} min at 20/min: "
        "bursts to one chat need digests (issue 4)"
    )


if __name__ == "__main__":
    main()
