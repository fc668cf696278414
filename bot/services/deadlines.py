"""Deadlines and escalation up the police hierarchy.

A complaint's clock is a row in `deadlines`: the unit handling it has `acknowledge` time (then
`resolve` time once acknowledged). When that passes, the sweep fires the row exactly once: the
card is marked overdue and the unit reminded, the ministry's working group is always told, and the
next bound level up (district, then province, as the policy lists them) gets an escalation card
and its own deadline; if that passes too, the complaint goes up again, up to the ministry. Each
level is asked once. What happens is bot.domain.lifecycle `miss_deadline`; many items for one chat
in one sweep are grouped into digests (bot/services/mailbag.py), so a burst fits Telegram's 20
messages a minute per group.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from bot.domain import lifecycle as lc
from bot.domain.case import Case, Clock, ClockKind
from bot.domain.deadlines import TIMEZONE
from bot.domain.units import MINISTRY, Registry, Unit
from bot.services import lifecycle, supervision
from bot.services.clocks import ladder
from bot.services.mailbag import Mailbag
from bot.services.session import Services, Work, work
from db.repositories import deadlines
from db.repositories.deadlines import Deadline

log = logging.getLogger(__name__)

BATCH = 200  # deadlines fired per transaction
DAILY_SUMMARY = "daily_summary"

# --- the sweep ----------------------------------------------------------------------------------


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
                # The complaint is locked before its clock, in the order every officer's action
                # takes them (the complaint, then its clocks): the other order could deadlock on
                # PostgreSQL with an acknowledgement cancelling this very clock.
                loaded = await lifecycle.load(w, deadline.complaint_id)
                if await deadlines.fire(w.tx, deadline.id, time.time()):
                    await _fire(w, loaded, deadline, registry, bag)
                    fired += 1
            await bag.post(w, registry)
    await daily_summary_if_due(services)
    return fired


async def _fire(w: Work, loaded: lifecycle.Loaded | None, deadline: Deadline, registry: Registry, bag: Mailbag) -> None:
    if loaded is None or loaded.case.handler is None:
        return
    handler = registry.get(loaded.case.handler)
    if handler is None:
        return
    nxt = _next_level(registry, handler, loaded.case, w.services.policy.escalation.levels)
    ministry = registry.get(MINISTRY)
    tell_ministry = ministry is not None and ministry.reachable and (nxt is None or nxt.code != MINISTRY)
    due = Clock(ClockKind(deadline.kind), deadline.unit_code, deadline.stage)
    try:
        move = lc.miss_deadline(loaded.case, due, nxt.code if nxt else None, tell_ministry=tell_ministry)
    except lc.Refused:
        return  # acted on in time: a cancelled clock that raced the sweep
    await lifecycle.carry_out(w, loaded, move, bag=bag, missed=(deadline.kind, deadline.due_at))


def _next_level(registry: Registry, handler: Unit, case: Case, levels: tuple[str, ...]) -> Unit | None:
    """The lowest level of the ladder above every level it was already escalated to (a level that
    was unreachable when its turn came is passed over, not asked later)."""
    order = [u.code for u in registry.ancestors(handler.code)]
    reached = max((order.index(code) for code in case.escalated_to if code in order), default=0)
    return next((u for u in ladder(registry, handler.code, levels) if order.index(u.code) > reached), None)


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
