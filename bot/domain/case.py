"""A complaint as the lifecycle sees it (`Case`), its history entries, and `apply`: the one place a
Case changes. Replaying a complaint's stored history with `replay` gives its current state.

The moves that produce entries, and what each must cause, are in bot.domain.lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.domain.complaint import OPEN_STATUSES, Status
from bot.domain.units import MINISTRY


class EventKind(StrEnum):
    """What a history entry records (the values are what complaint_events.action stores)."""

    FILED = "filed"
    ROUTED = "routed"  # a unit's chat received the card
    WAITING = "waiting"  # no unit up to the ministry has a reachable chat yet
    ACKNOWLEDGED = "acknowledged"
    REPLIED = "officer_message"
    CITIZEN_MESSAGE = "citizen_message"
    TRANSFERRED = "transferred"
    REJECTED = "rejected"
    RESOLVED = "resolved"
    RATED = "feedback"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    REMINDED = "reminded"
    TAKEN_OVER = "taken_over"
    REASSIGNED = "reassigned"
    APPEALED = "appealed"
    REOPENED = "reopened"


class ClockKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class Clock:
    """The deadline running now: whose time it is, and how far up it has gone."""

    kind: ClockKind
    unit: str
    stage: int = 0  # 0: the handling unit's own time; n: the n-th level above it


@dataclass(frozen=True)
class Case:
    """The lifecycle's view of a complaint."""

    status: Status = Status.SUBMITTED
    handler: str | None = None  # the one unit handling it (None: filed, or waiting for any unit)
    responsible: str | None = None  # the unit routing chose; differs when its chat is missing
    clock: Clock | None = None
    escalated_to: tuple[str, ...] = ()  # levels holding a live escalation of it, lowest first
    overdue: bool = False
    feedback: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class By:
    """Who acted, as the history names them."""

    kind: str  # citizen | officer | supervisor | system
    user_id: int | None = None
    name: str | None = None
    role: str | None = None  # officer | supervisor | admin, for staff


SYSTEM = By("system")


@dataclass(frozen=True)
class Entry:
    """One history line: what happened, concerning which unit, and what the line must show."""

    kind: EventKind
    by: By = SYSTEM
    unit: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)


# --- the one place a Case changes -------------------------------------------------------------


def apply(case: Case, entry: Entry) -> Case:
    kind, unit, detail = entry.kind, entry.unit, entry.detail
    if kind == EventKind.ROUTED:
        return replace(
            case,
            handler=unit,
            responsible=detail.get("responsible", unit),
            clock=Clock(ClockKind.ACKNOWLEDGE, unit or ""),
            escalated_to=(),
            overdue=False,
        )
    if kind == EventKind.WAITING:
        return replace(case, handler=None, responsible=detail.get("responsible"), clock=None, escalated_to=())
    if kind in (EventKind.ACKNOWLEDGED, EventKind.TAKEN_OVER):
        handler = unit if kind == EventKind.TAKEN_OVER else case.handler
        return replace(
            case,
            status=Status.ACKNOWLEDGED,
            handler=handler,
            responsible=handler if kind == EventKind.TAKEN_OVER else case.responsible,
            clock=Clock(ClockKind.RESOLVE, handler or ""),
            escalated_to=(),
            overdue=False,
        )
    if kind in (EventKind.TRANSFERRED, EventKind.REASSIGNED, EventKind.APPEALED, EventKind.REOPENED):
        # Submitted again; the ROUTED (or WAITING) entry that follows names the new handler.
        feedback = None if kind in (EventKind.APPEALED, EventKind.REOPENED) else case.feedback
        return replace(
            case, status=Status.SUBMITTED, handler=None, clock=None, escalated_to=(), overdue=False, feedback=feedback
        )
    if kind in (EventKind.RESOLVED, EventKind.REJECTED):
        status = Status.RESOLVED if kind == EventKind.RESOLVED else Status.REJECTED
        return replace(case, status=status, clock=None, escalated_to=(), overdue=False)
    if kind == EventKind.RATED:
        return replace(case, feedback=detail.get("rating"))
    if kind == EventKind.OVERDUE:
        return replace(case, overdue=True, clock=None)
    if kind == EventKind.ESCALATED:
        levels = (*case.escalated_to, unit or "")
        top = unit == MINISTRY  # nobody above the ministry: no further deadline
        clock = None if top else Clock(ClockKind(detail.get("kind", ClockKind.ACKNOWLEDGE)), unit or "", len(levels))
        return replace(case, escalated_to=levels, clock=clock)
    return case  # filed, messages, reminders: the history grows, the state does not change


def replay(entries: Iterable[Entry], start: Case | None = None) -> Case:
    case = start or Case()
    for entry in entries:
        case = apply(case, entry)
    return case
