"""The complaint lifecycle: its states, the moves between them, and what each move must cause.

Every change to a complaint is one of the commands below (`acknowledge`, `transfer`, `miss_deadline`,
…). A command checks the move against the complaint's current `Case` and either refuses it, with a
reason (`Refused`), or returns a `Transition`: the history entries it writes, the new `Case`, and the
effects the service must carry out (clocks to start or stop, cards to send or refresh, whom
to tell). The new Case is always the old one with the entries folded in by `apply`, the one place a
Case changes; replaying a complaint's stored history therefore gives its current state.

Who may act is decided elsewhere (bot.domain.access); this module decides what may happen.

States: submitted (waiting for the handling unit to acknowledge) → acknowledged → resolved or
rejected. A transfer or a reassignment starts again as submitted at the new unit; a take-over by a
level above counts as acknowledged there; an appeal (👎) or a supervisor's reopening starts again as
submitted one level up, or at the same unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.domain.case import SYSTEM, By, Case, Clock, ClockKind, Entry, EventKind, apply, replay
from bot.domain.complaint import Feedback, Status
from bot.domain.routing import Route

__all__ = ["SYSTEM", "By", "Case", "Clock", "ClockKind", "Entry", "EventKind", "apply", "replay"]


class Notice(StrEnum):
    """What the citizen is told."""

    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    TRANSFERRED = "transferred"
    REJECTED = "rejected"
    RESOLVED = "resolved"
    RATE_PLEASE = "rate_please"
    ESCALATED = "escalated"
    TAKEN_OVER = "taken_over"
    APPEALED = "appealed"
    REOPENED = "reopened"


class Refusal(StrEnum):
    CLOSED = "closed"  # the complaint is resolved or rejected
    NOT_WAITING = "not_waiting"  # already acknowledged (a double tap, or someone was faster)
    NO_UNIT = "no_unit"  # no unit handles it yet
    ROUTED = "routed"  # it is already with a unit: moving it is a transfer
    SAME_UNIT = "same_unit"  # a transfer to the unit that already has it
    NOT_ESCALATED_HERE = "not_escalated_here"  # that level holds no live escalation of it
    STALE_CLOCK = "stale_clock"  # the deadline that fell due is no longer the one running
    NOT_RESOLVED = "not_resolved"  # only a resolved complaint is rated
    ALREADY_RATED = "already_rated"
    STILL_OPEN = "still_open"  # only a closed complaint is reopened


class Refused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


# --- effects: what the service carries out, in the same transaction -------------------------


@dataclass(frozen=True)
class StartClock:
    clock: Clock


@dataclass(frozen=True)
class StopClock:
    pass


@dataclass(frozen=True)
class SendCard:
    unit: str  # a new card, with its buttons, in this unit's chat


@dataclass(frozen=True)
class AdoptCard:
    unit: str  # the escalation card in this unit's chat becomes the complaint's card


@dataclass(frozen=True)
class RefreshCards:
    """Every card of the complaint, in every chat, shows the new state with only the buttons that
    still apply there: the handling unit's card its actions, a former handler's card where the
    complaint went, a level's escalation card its actions only while that level holds it."""


@dataclass(frozen=True)
class SendEscalation:
    unit: str  # an escalation card for this level
    late: str  # the unit whose time ran out


@dataclass(frozen=True)
class RemindUnit:
    unit: str  # the handling unit is reminded, under its card
    by_level: str | None = None  # a level above asked for it (None: the deadline itself)


@dataclass(frozen=True)
class TellMinistry:
    late: str  # the ministry's group learns of the missed deadline


@dataclass(frozen=True)
class TellCitizen:
    notice: Notice


Effect = (
    StartClock
    | StopClock
    | SendCard
    | AdoptCard
    | RefreshCards
    | SendEscalation
    | RemindUnit
    | TellMinistry
    | TellCitizen
)


@dataclass(frozen=True)
class Transition:
    before: Case
    case: Case
    entries: tuple[Entry, ...]
    effects: tuple[Effect, ...]


def _move(before: Case, entries: Iterable[Entry], effects: Iterable[Effect]) -> Transition:
    entries = tuple(entries)
    return Transition(before, replay(entries, before), entries, tuple(effects))


# --- commands -----------------------------------------------------------------------------------


def file(by: By) -> Transition:
    return _move(Case(), [Entry(EventKind.FILED, by)], [])


def route(case: Case, to: Route, *, announce: bool = False) -> Transition:
    """Put a new or waiting complaint in front of a unit (or record that none can be reached yet).
    `announce`: the citizen is told who received it (a complaint that waited for a unit's group;
    a new one's receipt already says it)."""
    if case.status != Status.SUBMITTED:
        raise Refused(Refusal.NOT_WAITING)
    if case.handler is not None:
        raise Refused(Refusal.ROUTED)
    entries, effects = _routing(to)
    if announce and to.handler is not None:
        effects.append(TellCitizen(Notice.ROUTED))
    return _move(case, entries, effects)


def reroute(case: Case, to: Route) -> Transition:
    """The handling unit's card could not be delivered (its group is gone): the complaint, not yet
    acknowledged by anyone, goes to the nearest unit above that can be reached."""
    handler = _open(case)
    if case.status != Status.SUBMITTED:
        raise Refused(Refusal.NOT_WAITING)
    if to.handler == handler:
        raise Refused(Refusal.SAME_UNIT)
    entries, effects = _routing(to)
    return _move(case, entries, [*effects, RefreshCards()])


def then(first: Transition, second: Transition) -> Transition:
    """Two moves made together, in one transaction (e.g. filed, then routed)."""
    assert second.before == first.case
    return Transition(first.before, second.case, first.entries + second.entries, first.effects + second.effects)


def _routing(to: Route) -> tuple[list[Entry], list[Effect]]:
    if to.handler is None:
        return [Entry(EventKind.WAITING, detail={"responsible": to.responsible})], [StopClock()]
    detail = {"unit": to.handler, "responsible": to.responsible, "skipped": " ".join(to.skipped)}
    return (
        [Entry(EventKind.ROUTED, unit=to.handler, detail=detail)],
        [StartClock(Clock(ClockKind.ACKNOWLEDGE, to.handler)), SendCard(to.handler)],
    )


def _open(case: Case) -> str:
    """The handling unit of an open complaint; refuses closed ones and ones no unit has."""
    if not case.is_open:
        raise Refused(Refusal.CLOSED)
    if case.handler is None:
        raise Refused(Refusal.NO_UNIT)
    return case.handler


def acknowledge(case: Case, by: By) -> Transition:
    handler = _open(case)
    if case.status != Status.SUBMITTED:
        raise Refused(Refusal.NOT_WAITING)
    return _move(
        case,
        [Entry(EventKind.ACKNOWLEDGED, by, handler)],
        [StartClock(Clock(ClockKind.RESOLVE, handler)), RefreshCards(), TellCitizen(Notice.ACKNOWLEDGED)],
    )


def reply(case: Case, by: By, snippet: str) -> Transition:
    """An officer's message to the citizen (the relay itself is the service's)."""
    handler = _open(case)
    return _move(case, [Entry(EventKind.REPLIED, by, handler, {"snippet": snippet})], [RefreshCards()])


def citizen_message(case: Case, by: By, snippet: str) -> Transition:
    handler = _open(case)
    return _move(case, [Entry(EventKind.CITIZEN_MESSAGE, by, handler, {"snippet": snippet})], [RefreshCards()])


def transfer(case: Case, by: By, target: str, to: Route, reason: str) -> Transition:
    """The handling unit sends the complaint to another unit (`to`: where its card can go)."""
    handler = _open(case)
    if target == handler:
        raise Refused(Refusal.SAME_UNIT)
    detail = {"unit": target, "from": handler, "reason": reason}
    entries, effects = _routing(to)
    return _move(
        case,
        [Entry(EventKind.TRANSFERRED, by, handler, detail), *entries],
        [*effects, RefreshCards(), TellCitizen(Notice.TRANSFERRED)],
    )


def resolve(case: Case, by: By, note: str) -> Transition:
    handler = _open(case)
    return _move(
        case,
        [Entry(EventKind.RESOLVED, by, handler, {"note": note})],
        [StopClock(), RefreshCards(), TellCitizen(Notice.RESOLVED), TellCitizen(Notice.RATE_PLEASE)],
    )


def reject(case: Case, by: By, reason: str, note: str) -> Transition:
    handler = _open(case)
    return _move(
        case,
        [Entry(EventKind.REJECTED, by, handler, {"reason": reason, "note": note})],
        [StopClock(), RefreshCards(), TellCitizen(Notice.REJECTED)],
    )


def rate(case: Case, by: By, rating: Feedback, appeal_to: Route | None = None) -> Transition:
    """The citizen's 👍/👎 on a resolution. A 👎 with `appeal_to` reopens it there (an appeal)."""
    if case.status != Status.RESOLVED:
        raise Refused(Refusal.NOT_RESOLVED)
    if case.feedback is not None:
        raise Refused(Refusal.ALREADY_RATED)
    entries: list[Entry] = [Entry(EventKind.RATED, by, case.handler, {"rating": rating.value})]
    effects: list[Effect] = [RefreshCards()]
    if rating == Feedback.UNSATISFIED and appeal_to is not None:
        detail = {"unit": appeal_to.responsible, "from": case.handler or ""}
        routed, routing_effects = _routing(appeal_to)
        entries += [Entry(EventKind.APPEALED, by, appeal_to.responsible, detail), *routed]
        effects += [*routing_effects, TellCitizen(Notice.APPEALED)]
    return _move(case, entries, effects)


def miss_deadline(case: Case, due: Clock, next_level: str | None, *, tell_ministry: bool) -> Transition:
    """A deadline fell due. `next_level`: the next level up to escalate to (None: nobody left);
    `tell_ministry`: the ministry's group hears of the miss besides (when it is not that level)."""
    if not case.is_open or case.clock != due:
        raise Refused(Refusal.STALE_CLOCK)  # acted on in time, or an older clock that raced the sweep
    handler = case.handler or ""
    if next_level is not None and (next_level == handler or next_level in case.escalated_to):
        raise ValueError(f"{next_level} cannot be the next level of a complaint at {handler}")
    detail = {"unit": due.unit, "kind": due.kind.value, "stage": str(due.stage)}
    entries = [Entry(EventKind.OVERDUE, unit=due.unit, detail=detail)]
    effects: list[Effect] = []
    if due.stage == 0:
        effects.append(RemindUnit(handler))
        if tell_ministry:
            effects.append(TellMinistry(late=due.unit))
    if next_level is not None:
        detail = {"unit": next_level, "from": due.unit, "kind": due.kind.value}
        entries.append(Entry(EventKind.ESCALATED, unit=next_level, detail=detail))
        effects.append(SendEscalation(next_level, late=due.unit))
    transition = _move(case, entries, effects)
    extra: list[Effect] = [StartClock(transition.case.clock)] if transition.case.clock else []
    if next_level is not None:
        extra.append(TellCitizen(Notice.ESCALATED))
    return replace(transition, effects=(*transition.effects, *extra, RefreshCards()))


def _escalated_here(case: Case, level: str) -> str:
    handler = _open(case)
    if level not in case.escalated_to:
        raise Refused(Refusal.NOT_ESCALATED_HERE)  # e.g. a lower level took it over meanwhile
    return handler


def remind(case: Case, by: By, level: str) -> Transition:
    handler = _escalated_here(case, level)
    return _move(case, [Entry(EventKind.REMINDED, by, level, {"unit": level})], [RemindUnit(handler, by_level=level)])


def take_over(case: Case, by: By, level: str) -> Transition:
    """A level holding an escalation takes the complaint: its escalation card becomes the card."""
    handler = _escalated_here(case, level)
    return _move(
        case,
        [Entry(EventKind.TAKEN_OVER, by, level, {"unit": level, "from": handler})],
        [
            AdoptCard(level),
            StartClock(Clock(ClockKind.RESOLVE, level)),
            RefreshCards(),
            TellCitizen(Notice.TAKEN_OVER),
        ],
    )


def reassign(case: Case, by: By, level: str, target: str, to: Route, reason: str) -> Transition:
    """A level holding an escalation sends the complaint to another unit."""
    handler = _escalated_here(case, level)
    if target == handler:
        raise Refused(Refusal.SAME_UNIT)
    detail = {"unit": target, "from": handler, "by_unit": level, "reason": reason}
    entries, effects = _routing(to)
    return _move(
        case,
        [Entry(EventKind.REASSIGNED, by, level, detail), *entries],
        [*effects, RefreshCards(), TellCitizen(Notice.TRANSFERRED)],
    )


def reopen(case: Case, by: By, to: Route, reason: str) -> Transition:
    """A supervisor reopens a closed complaint (e.g. wrongly rejected), at `to`."""
    if case.is_open:
        raise Refused(Refusal.STILL_OPEN)
    entries, effects = _routing(to)
    return _move(
        case,
        [Entry(EventKind.REOPENED, by, to.responsible, {"unit": to.responsible, "reason": reason}), *entries],
        [*effects, RefreshCards(), TellCitizen(Notice.REOPENED)],
    )
