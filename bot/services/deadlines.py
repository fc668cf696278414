"""Deadlines and escalation up the police hierarchy.

A complaint's clock is a row in `deadlines`: the unit handling it has `acknowledge` time (then
`resolve` time once acknowledged). When that passes, the sweep fires the row exactly once: the
card is marked overdue and the unit reminded, the ministry's working group is always told, and the
next bound level up (district, then province, as the policy lists them) gets an escalation card
and its own deadline; if that passes too, the complaint goes up again, up to the ministry. Each
level is asked once. Many items for one chat in one sweep are grouped into digests, so a burst
fits Telegram's 20 messages a minute per group.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain.complaint import Complaint, Status
from bot.domain.deadlines import TIMEZONE
from bot.domain.units import MINISTRY, Registry
from bot.services import delivery, supervision
from bot.services.clocks import ACKNOWLEDGE, after, ladder
from bot.services.session import Services, Work, work
from bot.views import escalation as views
from bot.views import notices
from db.repositories import complaints, deadlines
from db.repositories.deadlines import Deadline

log = logging.getLogger(__name__)

BATCH = 200  # deadlines fired per transaction
DIGEST_FROM = 4  # this many items or more for one chat in one sweep: a digest instead
DAILY_SUMMARY = "daily_summary"

# --- the sweep ----------------------------------------------------------------------------------


@dataclass
class Mailbag:
    """What one sweep batch sends, by chat: few items go out one by one, many as digests."""

    items: dict[int, list[views.Item]] = field(default_factory=dict)

    def add(self, chat_id: int, item: views.Item) -> None:
        self.items.setdefault(chat_id, []).append(item)

    async def post(self, w: Work, registry: Registry) -> None:
        for chat_id, items in self.items.items():
            unit = next(iter(registry.in_chat(chat_id)), None)
            t = w.t_for(unit.lang if unit else None)
            thread = unit.thread_id if unit else None
            if len(items) < DIGEST_FROM:
                for item in items:
                    await w.queue(
                        item.single(t).send(
                            chat_id,
                            priority="notify",
                            complaint_id=item.complaint.id,
                            thread_id=thread,
                            reply_to_outbox=item.reply_to_outbox,
                        )
                    )
            else:
                for screen in views.digests(t, items):
                    await w.queue(screen.send(chat_id, priority="notify", thread_id=thread))


async def sweep(services: Services, now: float | None = None) -> int:
    """Fire every deadline that has passed (in batches), then the daily summary if due."""
    fired = 0
    while True:
        async with work(services) as w:
            due = await deadlines.due(w.tx, now or time.time(), BATCH)
            if not due:
                break
            registry = await w.registry()
            bag = Mailbag()
            for deadline in due:
                if await deadlines.fire(w.tx, deadline.id, time.time()):
                    await _fire(w, deadline, registry, bag)
                    fired += 1
            await bag.post(w, registry)
    await daily_summary_if_due(services)
    return fired


async def _fire(w: Work, deadline: Deadline, registry: Registry, bag: Mailbag) -> None:
    complaint = await complaints.get(w.tx, deadline.complaint_id)
    if complaint is None or complaint.unit_code is None:
        return
    expected = Status.SUBMITTED if deadline.kind == ACKNOWLEDGE else Status.ACKNOWLEDGED
    if complaint.status != expected:
        return  # acted on in time: a cancelled clock that raced the sweep
    handler = registry.get(complaint.unit_code)
    if handler is None:
        return
    steps = ladder(registry, handler.code, w.services.policy.escalation.levels)
    late_unit = registry.get(deadline.unit_code) or handler
    await complaints.add_event(
        w.tx,
        complaint.id,
        "system",
        None,
        "overdue",
        complaint.status,
        complaint.status,
        unit_code=late_unit.code,
        detail={"unit": late_unit.code, "kind": deadline.kind, "due": deadline.due_at},
    )
    complaint = await _reload(w, complaint)
    next_step = steps[deadline.stage] if deadline.stage < len(steps) else None
    if deadline.stage == 0:
        if handler.reachable and complaint.card_outbox_id:
            bag.add(handler.chat_id, views.Item("reminder", complaint, handler, deadline, complaint.card_outbox_id))
        ministry = registry.get(MINISTRY)
        # The ministry learns of every miss; when it is itself the next level, its card says it.
        if ministry and ministry.reachable and (next_step is None or next_step.code != MINISTRY):
            bag.add(ministry.chat_id, views.Item("missed", complaint, handler, deadline))
    if next_step is None:
        await delivery.refresh_card(w, complaint)  # shows it overdue
        return
    await complaints.add_event(
        w.tx,
        complaint.id,
        "system",
        None,
        "escalated",
        complaint.status,
        complaint.status,
        unit_code=next_step.code,
        detail={"unit": next_step.code, "from": late_unit.code, "kind": deadline.kind},
    )
    await complaints.set_escalated_to(w.tx, complaint.id, next_step.code)
    complaint = await _reload(w, complaint)
    await delivery.refresh_card(w, complaint)  # overdue, and where it went
    bag.add(next_step.chat_id, views.Item("escalated", complaint, handler, deadline, late=late_unit))
    if next_step.code != MINISTRY:
        await deadlines.add(
            w.tx,
            complaint.id,
            deadline.kind,
            deadline.stage + 1,
            next_step.code,
            after(w.services.policy.escalation_step, time.time()),
        )
    lang = await delivery.citizen_lang(w, complaint)
    await delivery.tell_citizen(w, complaint, notices.escalated(w.t_for(lang), complaint, next_step))


async def _reload(w: Work, complaint: Complaint) -> Complaint:
    fresh = await complaints.get(w.tx, complaint.id)
    assert fresh is not None
    return fresh


# --- the daily summary --------------------------------------------------------------------------


def next_summary_time(hour: int, now: float) -> float:
    """The next `hour`:00 in Phnom Penh after `now`."""
    local = datetime.fromtimestamp(now, UTC).astimezone(TIMEZONE)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return target.timestamp()


async def daily_summary_if_due(services: Services) -> bool:
    summary = services.policy.daily_summary
    if summary is None:
        return False
    now = time.time()
    async with work(services) as w:
        due = await deadlines.schedule_due(w.tx, DAILY_SUMMARY)
        if due is None:
            await deadlines.set_schedule(w.tx, DAILY_SUMMARY, next_summary_time(summary.hour, now))
            return False
        if due > now or not await deadlines.claim_schedule(
            w.tx, DAILY_SUMMARY, due, next_summary_time(summary.hour, now)
        ):
            return False
        await supervision.send_daily_summaries(w)
    return True
