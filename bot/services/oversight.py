"""What a level above a unit can do with an escalated complaint, and the citizen's appeal.

Escalation cards carry three actions for the officers of that level and their supervisors:
remind the unit, take the complaint over (their unit then handles it), or reassign it to another
unit with a reason. A 👎 after resolution reopens the complaint one level above the unit that
resolved it.
"""

from __future__ import annotations

from html import escape

from bot.callbacks import Press
from bot.domain import tracking
from bot.domain.complaint import Complaint, Status
from bot.domain.units import Level, Registry, Unit
from bot.outgoing import Screen
from bot.services import clocks, delivery
from bot.services.press_place import Place
from bot.services.prompts import ask_to_type, nothing_to_do
from bot.services.session import PressAnswer, Session, Work
from bot.views import escalation as views
from bot.views import notices
from db.repositories import complaints, outbox, users
from db.repositories.deadlines import Deadline


def level_here(registry: Registry, chat_id: int, handler: str) -> Unit | None:
    """The unit of this chat that sits above the handling unit (lowest first), if any. The handling
    unit itself never counts (ancestors()[0] is the unit), so its own group, or any chat bound to no
    level above it, gets None: escalation actions are refused there."""
    here = {u.code for u in registry.in_chat(chat_id)}
    return next((u for u in registry.ancestors(handler)[1:] if u.code in here), None)


async def on_press(s: Session, press: Press, message_id: int, place: Place) -> PressAnswer:
    """An escalation card's or digest's button: remind, take over and reassign only in the chat of a
    level above the handling unit; 🔎 open also where the unit's own reminders digest is."""
    complaint = await complaints.get(s.tx, press.target)
    registry = await s.registry()
    if complaint is None or complaint.unit_code is None:
        return PressAnswer(s.t("This button is no longer valid."), alert=True)
    handler = registry.get(complaint.unit_code)
    assert handler is not None
    actor = await s.actor()
    if press.action == "open":
        return await _open(s, complaint, handler, registry, place)
    level = level_here(registry, s.person.chat_id, handler.code)
    t = s.t_for(level.lang if level else None)
    if level is None or not actor.can_handle(level.code, registry):
        return PressAnswer(t("Only officers of a level above the unit, or their supervisors, can do this."), alert=True)
    if complaint.status not in (Status.SUBMITTED, Status.ACKNOWLEDGED):
        return nothing_to_do(t, complaint)
    if press.action == "remind":
        return await _remind(s, complaint, handler, level)
    if press.action == "take":
        return await _take_over(s, complaint, handler, level, message_id)
    return await ask_to_type(s, complaint, level, "transfer", message_id, as_unit=level.code)


async def _open(s: Session, complaint: Complaint, handler: Unit, registry: Registry, place: Place) -> PressAnswer:
    """🔎 in a digest: the full card, with the actions this chat may take. In the handling unit's own
    chat and topic (its reminders digest) the unit's card; in a level above, the escalation card;
    anywhere else nothing."""
    actor = await s.actor()
    level = level_here(registry, s.person.chat_id, handler.code)
    in_handler_chat = place.is_bound_place_of(handler, s.person.chat_id)
    if not (in_handler_chat and actor.can_handle(handler.code, registry)) and not (
        level and actor.can_handle(level.code, registry)
    ):
        return PressAnswer(
            s.t("Only officers of %(unit)s or their supervisors can do this.", unit=handler.name(s.t.lang)), alert=True
        )
    if in_handler_chat:
        screen = await delivery.render_card(s, complaint, registry, handler)
    else:
        assert level is not None
        deadline = Deadline(
            0,
            complaint.id,
            "resolve" if complaint.status == Status.ACKNOWLEDGED else "acknowledge",
            0,
            handler.code,
            complaint.resolve_due_at or complaint.ack_due_at or complaint.created_at,
        )
        screen = views.escalation_card(s.t_for(level.lang), views.Item("escalated", complaint, handler, deadline))
    await s.queue(
        screen.send(
            s.person.chat_id,
            priority="notify",
            complaint_id=complaint.id,
            thread_id=level.thread_id if level else handler.thread_id,
        )
    )
    return PressAnswer()


async def _remind(s: Session, complaint: Complaint, handler: Unit, level: Unit) -> PressAnswer:
    t = s.t_for(handler.lang)
    await complaints.add_event(
        s.tx,
        complaint.id,
        "officer",
        s.person.user_id,
        "reminded",
        complaint.status,
        complaint.status,
        unit_code=level.code,
        detail={"actor": s.person.display_name, "unit": level.code},
    )
    if handler.reachable:
        text = "🔔 " + t(
            "%(level)s reminds you: complaint %(number)s is overdue. Please act now.",
            level="<b>" + escape(level.name(t.lang)) + "</b>",
            number=tracking.display(complaint.tracking_no, t.lang),
        )
        await s.queue(
            Screen(text).send(
                handler.chat_id,
                priority="notify",
                complaint_id=complaint.id,
                thread_id=handler.thread_id,
                reply_to_outbox=complaint.card_outbox_id,
            )
        )
    return PressAnswer(s.t_for(level.lang)("Reminder sent to %(unit)s.", unit=handler.name(level.lang)))


async def _take_over(s: Session, complaint: Complaint, handler: Unit, level: Unit, message_id: int) -> PressAnswer:
    """The level takes the complaint: the escalation card becomes its card; it counts as acknowledged."""
    registry = await s.registry()
    moved_from = complaint
    await delivery.refresh_card(s, moved_from, moved_to=level)  # the old card's last state
    above = {u.level: u.code for u in registry.ancestors(level.code)}
    await complaints.assign(
        s.tx,
        complaint.id,
        level.code,
        level.code,
        district=above.get(Level.DISTRICT),
        province=above.get(Level.PROVINCE),
    )
    card_row = await outbox.row_of_message(s.tx, s.person.chat_id, message_id)
    await complaints.set_card(s.tx, complaint.id, card_row)
    await complaints.add_event(
        s.tx,
        complaint.id,
        "officer",
        s.person.user_id,
        "taken_over",
        complaint.status,
        Status.ACKNOWLEDGED,
        actor_role=(await s.actor()).role_at(level.code, registry),
        unit_code=level.code,
        detail={"actor": s.person.display_name, "unit": level.code, "from": handler.code},
    )
    await complaints.set_status(s.tx, complaint.id, Status.ACKNOWLEDGED)
    complaint = await _reload(s, complaint)
    await clocks.start(s, complaint, clocks.RESOLVE)
    await delivery.refresh_card(s, await _reload(s, complaint))
    citizen_t = s.t_for(await delivery.citizen_lang(s, complaint))
    await delivery.tell_citizen(s, complaint, notices.taken_over(citizen_t, complaint, level))
    return PressAnswer(s.t_for(level.lang)("Your unit now handles this complaint."))


async def appeal(w: Work, complaint: Complaint) -> Unit | None:
    """👎 after resolution: reopened one level above the unit that resolved it."""
    registry = await w.registry()
    resolver = registry.get(complaint.unit_code or "")
    parent = registry.parent(resolver.code) if resolver else None
    if parent is None:  # resolved by the ministry itself: it stays there, reopened
        parent = resolver
    if parent is None:
        return None
    await complaints.add_event(
        w.tx,
        complaint.id,
        "citizen",
        complaint.citizen_id,
        "appealed",
        complaint.status,
        Status.SUBMITTED,
        unit_code=parent.code,
        detail={"unit": parent.code, "from": complaint.unit_code or ""},
    )
    await complaints.set_status(w.tx, complaint.id, Status.SUBMITTED)
    reopened = await delivery.deliver(w, await _reload(w, complaint), parent.code, registry)
    handler = registry.get(reopened.unit_code or "")
    if handler is not None:
        await users.set_awaiting(w.tx, complaint.citizen_id, f"answer:{complaint.id}")
        citizen_t = w.t_for(await delivery.citizen_lang(w, reopened))
        await delivery.tell_citizen(w, reopened, notices.appealed(citizen_t, reopened, handler))
    return handler


async def _reload(w: Work, complaint: Complaint) -> Complaint:
    fresh = await complaints.get(w.tx, complaint.id)
    assert fresh is not None
    return fresh
