"""A complaint's clock: the time the handling unit has to acknowledge it, then to resolve it, and
the time each level above gets once it has been escalated there.

The time is a row in `deadlines` (bot/services/deadlines.py fires it); the handling unit's own due
time is also kept on the complaint, for its card and the supervisors' figures.
"""

from __future__ import annotations

import time

from bot.domain.case import Clock, ClockKind
from bot.domain.complaint import Complaint
from bot.domain.deadlines import Duration, WorkCalendar
from bot.domain.units import MINISTRY, Registry, Unit
from bot.services.session import Work
from db.repositories import complaints, deadlines

_calendar = WorkCalendar()


def after(duration: Duration, start: float) -> float:
    return duration.after(start, _calendar)


async def start(w: Work, complaint: Complaint, clock: Clock) -> float:
    """`clock` runs from now; earlier clocks of the complaint stop."""
    policy, now = w.services.policy, time.time()
    if clock.stage > 0:
        duration = policy.escalation_step
    elif clock.kind == ClockKind.ACKNOWLEDGE:
        duration = policy.acknowledge(complaint.category)
    else:
        duration = policy.resolve(complaint.category)
    due = after(duration, now)
    await deadlines.cancel_open(w.tx, complaint.id)
    await deadlines.add(w.tx, complaint.id, clock.kind.value, clock.stage, clock.unit, due)
    if clock.stage == 0 and clock.kind == ClockKind.ACKNOWLEDGE:
        await complaints.set_due(w.tx, complaint.id, ack_due_at=due, resolve_due_at=None)
    elif clock.stage == 0:
        await complaints.set_due(w.tx, complaint.id, ack_due_at=complaint.ack_due_at, resolve_due_at=due)
    return due


async def stop(w: Work, complaint: Complaint) -> None:
    await deadlines.cancel_open(w.tx, complaint.id)


def ladder(registry: Registry, handler: str, levels: tuple[str, ...]) -> list[Unit]:
    """The levels above the handling unit that get escalation cards, lowest first: those of the
    policy's levels whose group the bot can reach, then the ministry (always the top)."""
    above = registry.ancestors(handler)[1:]
    steps = [u for u in above if u.level in levels and u.reachable]
    ministry = registry.get(MINISTRY)
    if ministry is not None and ministry.reachable and handler != MINISTRY:
        steps.append(ministry)
    return steps
