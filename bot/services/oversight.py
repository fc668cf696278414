"""What a level above a unit can do with a complaint escalated to it.

Escalation cards carry three actions for the officers of that level and their supervisors: remind
the unit, take the complaint over (their unit then handles it), or reassign it to another unit with
a reason. They work only while that level holds the escalation (bot.domain.lifecycle refuses them
once another level took the complaint over or the unit acted, and every card then shows it).
"""

from __future__ import annotations

from bot.callbacks import Press
from bot.domain import lifecycle as lc
from bot.domain.case import Case
from bot.domain.complaint import Complaint, Status
from bot.domain.units import Registry, Unit
from bot.services import cards, lifecycle
from bot.services.mailbag import record_escalation_card
from bot.services.press_place import Place
from bot.services.prompts import ask_to_type, nothing_to_do
from bot.services.session import PressAnswer, Session
from bot.views import answers
from bot.views import card as card_views
from bot.views import escalation as views


def level_here(registry: Registry, chat_id: int, handler: str, case: Case | None = None) -> Unit | None:
    """The unit of this chat that sits above the handling unit: the one holding the escalation if
    several are bound here (forum topics), else the lowest. The handling unit itself never counts
    (ancestors()[0] is the unit), so its own group, or any chat bound to no level above it, gets
    None: escalation actions are refused there."""
    here = {u.code for u in registry.in_chat(chat_id)}
    above = [u for u in registry.ancestors(handler)[1:] if u.code in here]
    holding = [u for u in above if case is not None and u.code in case.escalated_to]
    return (holding or above or [None])[0]


async def on_press(s: Session, press: Press, message_id: int, place: Place) -> PressAnswer:
    """An escalation card's or digest's button: remind, take over and reassign only in the chat of a
    level above the handling unit; 🔎 open also where the unit's own reminders digest is."""
    loaded = await lifecycle.load(s, press.target)
    registry = await s.registry()
    if loaded is None or loaded.complaint.unit_code is None:
        return PressAnswer(answers.no_longer_valid(s.t), alert=True)
    complaint = loaded.complaint
    handler = registry.get(complaint.unit_code or "")
    assert handler is not None
    if press.action == "open":
        return await _open(s, loaded, handler, registry, place)
    actor = await s.actor()
    level = level_here(registry, s.person.chat_id, handler.code, loaded.case)
    t = s.t_for(level.lang if level else None)
    if level is None or not actor.can_handle(level.code, registry):
        return PressAnswer(answers.only_levels_above(t), alert=True)
    if not loaded.case.is_open:
        return nothing_to_do(t, complaint)
    if level.code not in loaded.case.escalated_to:  # a stale card: another level or the unit acted
        return PressAnswer(card_views.not_escalated_here(t, complaint, handler), alert=True)
    by = lifecycle.by_person(s, actor.role_at(level.code, registry))
    if press.action == "remind":
        await lifecycle.carry_out(s, loaded, lc.remind(loaded.case, by, level.code))
        return PressAnswer(answers.reminder_sent(t, handler))
    if press.action == "take":
        await lifecycle.carry_out(s, loaded, lc.take_over(loaded.case, by, level.code))
        return PressAnswer(answers.now_yours(t))
    return await ask_to_type(s, complaint, level, "transfer", message_id, as_unit=level.code)


async def _open(s: Session, loaded: lifecycle.Loaded, handler: Unit, registry: Registry, place: Place) -> PressAnswer:
    """🔎 in a digest: the full card, with the actions this chat may take. In the handling unit's own
    chat and topic (its reminders digest) the unit's card; in a level above, the escalation card (live
    only while that level holds the escalation); anywhere else nothing. Either is recorded as one of
    the complaint's cards, so it stays true."""
    complaint, actor = loaded.complaint, await s.actor()
    level = level_here(registry, s.person.chat_id, handler.code, loaded.case)
    in_handler_chat = place.is_bound_place_of(handler, s.person.chat_id)
    if not (in_handler_chat and actor.can_handle(handler.code, registry)) and not (
        level and actor.can_handle(level.code, registry)
    ):
        return PressAnswer(answers.only_officers_of(s.t, handler), alert=True)
    if in_handler_chat:
        await cards.send(s, complaint, registry, handler)
        return PressAnswer()
    assert level is not None
    await _send_escalation_card(s, complaint, loaded.case, handler, level)
    return PressAnswer()


async def _send_escalation_card(s: Session, complaint: Complaint, case: Case, handler: Unit, level: Unit) -> None:
    assert level.chat_id is not None
    t = s.t_for(level.lang)
    kind = "resolve" if complaint.status == Status.ACKNOWLEDGED else "acknowledge"
    due = complaint.resolve_due_at or complaint.ack_due_at or complaint.created_at
    item = views.Item("escalated", complaint, handler, kind, due)
    live = case.is_open and level.code in case.escalated_to
    screen = views.escalation_card(t, item, live=live, now=None if live else views.standing(t, complaint, handler))
    row = await s.queue(
        screen.send(level.chat_id, priority="notify", complaint_id=complaint.id, thread_id=level.thread_id)
    )
    await record_escalation_card(s, item, screen, row, level.chat_id, level.code, level.thread_id)
