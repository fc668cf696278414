"""The one place a complaint changes: carries out a bot.domain.lifecycle Transition in the
transaction of the update (or sweep) that caused it.

    loaded = await lifecycle.load(w, complaint_id)           # the complaint and its Case
    move = lc.acknowledge(loaded.case, by)                   # pure: refused, or entries + effects
    complaint = await lifecycle.carry_out(w, loaded, move)   # history, state, clocks, cards, notices

The Case is replayed from the complaint's stored history, so the history is the truth; the
complaint's row is its projection for queries and figures (status, handling unit, due times). A new
kind of change is one command in the domain and one call here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import lifecycle as lc
from bot.domain.case import By, Case, Entry, EventKind, apply, replay
from bot.domain.complaint import Complaint, RejectReason
from bot.domain.units import MINISTRY, Level, Registry
from bot.outgoing import Screen
from bot.services import cards, clocks
from bot.services.mailbag import Mailbag
from bot.services.session import Session, Work
from bot.views import escalation as escalation_views
from bot.views import notices
from db.repositories import complaints, users
from db.repositories.complaints import Event


@dataclass(frozen=True)
class Loaded:
    complaint: Complaint
    case: Case


def entry_of(event: Event) -> Entry | None:
    """A stored history row as a lifecycle entry (None: a row the lifecycle does not read, e.g. the
    "revealed" rows older versions wrote)."""
    try:
        kind = EventKind(event.action)
    except ValueError:
        return None
    by = By(event.actor_kind, event.actor_id, event.detail.get("actor"), event.actor_role)
    return Entry(kind, by, event.unit_code, event.detail)


async def load(w: Work, complaint_id: int) -> Loaded | None:
    # Locked until the move is written: on PostgreSQL two officers pressing at once are serialised
    # here, and the second decides on what the first wrote (SQLite runs one transaction at a time).
    complaint = await complaints.get(w.tx, complaint_id, lock=True)
    if complaint is None:
        return None
    entries = [e for e in map(entry_of, await complaints.events(w.tx, complaint_id)) if e is not None]
    return Loaded(complaint, replay(entries))


def by_person(s: Session, role: str | None, kind: str = "officer") -> By:
    """The person acting in this session, as the history names them."""
    return By(kind, s.person.user_id, s.person.display_name, role)


async def carry_out(
    w: Work,
    loaded: Loaded,
    move: lc.Transition,
    *,
    bag: Mailbag | None = None,
    missed: tuple[str, float] | None = None,
) -> Complaint:
    """Write the move's history, project its Case onto the complaint, and carry out its effects.
    `bag`: where escalation cards and reminders go (the sweep groups them; otherwise they are sent
    at the end); `missed`: (kind, due time) of the deadline that fell due, for what they say."""
    complaint, registry = loaded.complaint, await w.registry()
    await _write_history(w, complaint, move)
    complaint = await _project(w, complaint, move, registry)
    own_bag = bag is None
    bag = bag or Mailbag()
    sent: set[int] = set()
    for effect in move.effects:
        complaint = await _effect(w, complaint, move, effect, registry, bag, sent, missed)
    if own_bag:
        await bag.post(w, registry)
    return complaint


async def _write_history(w: Work, complaint: Complaint, move: lc.Transition) -> None:
    case = move.before
    for entry in move.entries:
        after = apply(case, entry)
        detail = dict(entry.detail)
        if entry.by.name:
            detail["actor"] = entry.by.name
        await complaints.add_event(
            w.tx,
            complaint.id,
            entry.by.kind,
            entry.by.user_id,
            entry.kind.value,
            case.status,
            after.status,
            actor_role=entry.by.role,
            unit_code=entry.unit,
            detail=detail,
        )
        case = after


async def _project(w: Work, complaint: Complaint, move: lc.Transition, registry: Registry) -> Complaint:
    """The complaint's row follows the Case: handling unit (with its district and province, for
    supervisors' scopes), status (with the daily figures), live escalation, rating."""
    before, case = move.before, move.case
    if (case.handler, case.responsible) != (before.handler, before.responsible):
        above = {u.level: u.code for u in registry.ancestors(case.handler)} if case.handler else {}
        await complaints.assign(
            w.tx,
            complaint.id,
            case.handler,
            case.responsible or complaint.responsible_code or case.handler or "",
            district=above.get(Level.DISTRICT),
            province=above.get(Level.PROVINCE),
        )
    if case.status != before.status:
        await complaints.set_status(w.tx, complaint.id, case.status)
    if case.escalated_to != before.escalated_to:
        await complaints.set_escalated_to(w.tx, complaint.id, case.escalated_to[-1] if case.escalated_to else None)
    if case.feedback != before.feedback:
        await complaints.set_feedback(w.tx, complaint.id, case.feedback)
    return await _reload(w, complaint)


async def _effect(
    w: Work,
    complaint: Complaint,
    move: lc.Transition,
    effect: lc.Effect,
    registry: Registry,
    bag: Mailbag,
    sent: set[int],
    missed: tuple[str, float] | None,
) -> Complaint:
    # Clocks and cards change the complaint's row (due times, its card): read it again after them.
    if isinstance(effect, lc.StartClock):
        await clocks.start(w, complaint, effect.clock)
    elif isinstance(effect, lc.StopClock):
        await clocks.stop(w, complaint)
    elif isinstance(effect, lc.SendCard) and (unit := registry.get(effect.unit)) and unit.chat_id is not None:
        sent.add(await cards.send(w, complaint, registry, unit))
    elif isinstance(effect, lc.AdoptCard) and (unit := registry.get(effect.unit)) and unit.chat_id is not None:
        sent.add(await cards.adopt(w, complaint, registry, unit))
    else:
        if isinstance(effect, lc.RefreshCards):
            await cards.refresh(w, complaint, move.case, registry, skip=sent)
        elif isinstance(effect, lc.SendEscalation | lc.TellMinistry | lc.RemindUnit):
            await _to_a_level(w, complaint, effect, registry, bag, missed)
        elif isinstance(effect, lc.TellCitizen):
            await _tell_citizen(w, complaint, move, effect.notice, registry)
        return complaint
    return await _reload(w, complaint)


async def _to_a_level(
    w: Work,
    complaint: Complaint,
    effect: lc.SendEscalation | lc.TellMinistry | lc.RemindUnit,
    registry: Registry,
    bag: Mailbag,
    missed: tuple[str, float] | None,
) -> None:
    handler = registry.get(complaint.unit_code or "")
    if handler is None:
        return
    kind, due = missed or ("acknowledge", complaint.ack_due_at or complaint.created_at)
    if isinstance(effect, lc.RemindUnit) and effect.by_level is not None:
        level = registry.get(effect.by_level)
        if handler.reachable and level is not None:
            screen = escalation_views.reminded_by(w.t_for(handler.lang), complaint, level)
            await w.queue(
                screen.send(
                    handler.chat_id,
                    priority="notify",
                    complaint_id=complaint.id,
                    thread_id=handler.thread_id,
                    reply_to_outbox=complaint.card_outbox_id,
                )
            )
        return
    if isinstance(effect, lc.RemindUnit):
        if handler.reachable and complaint.card_outbox_id:
            item = escalation_views.Item("reminder", complaint, handler, kind, due, None, complaint.card_outbox_id)
            bag.add(handler.chat_id, item)
        return
    target = registry.get(MINISTRY if isinstance(effect, lc.TellMinistry) else effect.unit)
    if target is None or not target.reachable:
        return
    late = registry.get(effect.late) or handler
    item_kind = "missed" if isinstance(effect, lc.TellMinistry) else "escalated"
    bag.add(target.chat_id, escalation_views.Item(item_kind, complaint, handler, kind, due, late))


async def _tell_citizen(
    w: Work, complaint: Complaint, move: lc.Transition, notice: lc.Notice, registry: Registry
) -> None:
    t = w.t_for(await citizen_lang(w, complaint))
    unit = registry.get(complaint.unit_code or "")

    def about(kind: EventKind) -> Entry:
        return next(e for e in move.entries if e.kind == kind)

    screen: Screen | None = None
    if notice == lc.Notice.ROUTED and unit:
        screen = notices.routed(t, complaint, unit)
    elif notice == lc.Notice.ACKNOWLEDGED and unit:
        screen = notices.acknowledged(t, complaint, unit)
    elif notice == lc.Notice.TRANSFERRED:
        entry = next(e for e in move.entries if e.kind in (EventKind.TRANSFERRED, EventKind.REASSIGNED))
        old, new = registry.get(entry.detail.get("from", "")), registry.get(entry.detail.get("unit", ""))
        if old and new:
            screen = notices.transferred(t, complaint, old, new, entry.detail.get("reason", ""))
    elif notice == lc.Notice.REJECTED and unit:
        entry = about(EventKind.REJECTED)
        reason = RejectReason(entry.detail.get("reason", RejectReason.NOT_POLICE))
        screen = notices.rejected(t, complaint, unit, reason, entry.detail.get("note", ""))
    elif notice == lc.Notice.RESOLVED and unit:
        screen = notices.resolved(t, complaint, unit, about(EventKind.RESOLVED).detail.get("note", ""))
    elif notice == lc.Notice.RATE_PLEASE:
        screen = notices.feedback_question(t, complaint)
    elif notice == lc.Notice.ESCALATED:
        level = registry.get(about(EventKind.ESCALATED).unit or "")
        screen = notices.escalated(t, complaint, level) if level else None
    elif notice == lc.Notice.TAKEN_OVER and unit:
        screen = notices.taken_over(t, complaint, unit)
    elif notice == lc.Notice.APPEALED and unit:
        # The citizen's next message goes to the unit that reopened it, as an answer.
        await users.set_awaiting(w.tx, complaint.citizen_id, f"answer:{complaint.id}")
        screen = notices.appealed(t, complaint, unit)
    elif notice == lc.Notice.REOPENED and unit:
        screen = notices.reopened(t, complaint, unit)
    if screen is not None:
        await tell_citizen(w, complaint, screen)


async def citizen_lang(w: Work, complaint: Complaint) -> str:
    """The language the citizen uses now (they may have switched since filing)."""
    return await users.get_lang(w.tx, complaint.citizen_id) or complaint.lang


async def tell_citizen(w: Work, complaint: Complaint, screen: Screen) -> int:
    return await w.queue(screen.send(complaint.citizen_id, priority="notify", complaint_id=complaint.id))


async def _reload(w: Work, complaint: Complaint) -> Complaint:
    fresh = await complaints.get(w.tx, complaint.id)
    assert fresh is not None
    return fresh
