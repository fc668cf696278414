"""A complaint's clock: the handling unit's time to acknowledge it, then to resolve it.

The time is a row in `deadlines` (bot.services.deadlines fires it); the due time is also kept on
the complaint, for its card and the supervisors' figures.
"""

from __future__ import annotations

import time

from bot.domain.complaint import Complaint
from bot.domain.deadlines import Duration, WorkCalendar
from bot.domain.units import MINISTRY, Registry, Unit
from bot.services.session import Work
from db.repositories import complaints, deadlines

ACKNOWLEDGE, RESOLVE = "acknowledge", "resolve"

_calendar = WorkCalendar()


def after(duration: Duration, start: float) -> float:
    return duration.after(start, _calendar)


async def start(w: Work, complaint: Complaint, kind: str) -> float:
    """The handling unit's own time to acknowledge (or resolve) starts now; earlier clocks stop."""
    policy, now = w.services.policy, time.time()
    duration = policy.acknowledge(complaint.category) if kind == ACKNOWLEDGE else policy.resolve(complaint.category)
    due = after(duration, now)
    await deadlines.cancel_open(w.tx, complaint.id)
    assert complaint.unit_code is not None
    await deadlines.add(w.tx, complaint.id, kind, 0, complaint.unit_code, due)
    if kind == ACKNOWLEDGE:
        await complaints.set_due(w.tx, complaint.id, ack_due_at=due, resolve_due_at=None)
    else:
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
