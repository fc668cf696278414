"""Officers act on complaints from their group; citizen and officer talk through the bot.

Every action checks that the person may act on that complaint (an officer of the unit holding it,
a supervisor above it, or an administrator), changes the complaint, appends to its history, edits
the card in place and tells the citizen, all in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from bot.callbacks import Press
from bot.domain import tracking
from bot.domain.complaint import Action, Complaint, Feedback, RejectReason, Status, allowed
from bot.domain.textnorm import strip_invisible, to_latin_digits
from bot.domain.units import Unit
from bot.i18n import N_
from bot.outgoing import Outgoing, Screen, inline_keyboard
from bot.services import clocks, delivery, oversight, relay
from bot.services.press_place import Place
from bot.services.prompts import ask_to_type, nothing_to_do
from bot.services.session import PressAnswer, Session
from bot.views import card as views
from bot.views import notices
from db.repositories import complaints, pending, users

SNIPPET = 80  # characters of a message kept in the history
AWAITING_ANSWER = "answer:"  # users.awaiting while a citizen types an answer to the police
_TRANSFER = re.compile(r"^\s*([0-9០-៩]{2,8}|KH)\b[\s:,.\-–]*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Incoming:
    """A message someone sent: its text (or caption) and, for media, where to copy it from."""

    chat_id: int
    message_id: int
    text: str | None
    has_media: bool
    # A file sent as a document: re-sent cleaned and renamed, never copied (it can carry a name and
    # a location, see bot/evidence_upload.py); None for any other message.
    document_file_id: str | None = None
    document_name: str | None = None


def _snippet(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


# --- card buttons -----------------------------------------------------------------------------


async def on_card_press(s: Session, press: Press, message_id: int, place: Place) -> PressAnswer:
    """A button of a complaint's card: only on the card's own ground (the chat and topic its unit is
    bound to), and only by those who may act for that unit."""
    complaint = await complaints.get(s.tx, press.target)
    if complaint is None or complaint.unit_code is None:
        return PressAnswer(s.t("This button is no longer valid."), alert=True)
    registry = await s.registry()
    unit = registry.get(complaint.unit_code)
    assert unit is not None
    if not place.is_bound_place_of(unit, s.person.chat_id):  # a copy elsewhere: the same answer as forged data
        return PressAnswer(s.t("This button is no longer valid."), alert=True)
    t = s.t_for(unit.lang)
    if not (await s.actor()).can_handle(unit.code, registry):
        return PressAnswer(
            t("Only officers of %(unit)s or their supervisors can do this.", unit=unit.name(t.lang)), alert=True
        )
    if press.action == "ack":
        return await _acknowledge(s, complaint, unit)
    if press.action in ("back", "reject"):
        return await _reject_menu(s, complaint, unit, message_id, show=press.action == "reject")
    if press.action == "rr":
        reason = press.args[0] if press.args else ""
        if reason not in RejectReason._value2member_map_:
            return PressAnswer(s.t("This button is no longer valid."), alert=True)
        return await ask_to_type(s, complaint, unit, "reject", message_id, reason=reason)
    return await ask_to_type(s, complaint, unit, press.action, message_id)


async def _acknowledge(s: Session, complaint: Complaint, unit: Unit) -> PressAnswer:
    t = s.t_for(unit.lang)
    if not allowed(complaint.status, Action.ACKNOWLEDGE):
        return nothing_to_do(t, complaint)  # a double tap, or someone was faster: nothing happens twice
    await _change(s, complaint, unit, Status.ACKNOWLEDGED, "acknowledged")
    complaint = await _reload(s, complaint)
    lang = await delivery.citizen_lang(s, complaint)
    await delivery.tell_citizen(s, complaint, notices.acknowledged(s.t_for(lang), complaint, unit))
    return PressAnswer(t("Acknowledged"))


async def _reject_menu(s: Session, complaint: Complaint, unit: Unit, message_id: int, *, show: bool) -> PressAnswer:
    t = s.t_for(unit.lang)
    if show and not allowed(complaint.status, Action.REJECT):
        return nothing_to_do(t, complaint)
    buttons = views.reject_reasons(t, complaint) if show else views.card_buttons(t, complaint)
    await s.queue(
        Outgoing(
            s.person.chat_id,
            "editMessageReplyMarkup",
            {"message_id": message_id, "reply_markup": inline_keyboard(buttons)},
            "notify",
        )
    )
    return PressAnswer(t("Why is it rejected?") if show else None)


# --- what officers type in their group --------------------------------------------------------


async def on_group_reply(s: Session, message: Incoming, replied_to: int) -> bool:
    """A reply to one of the bot's messages in a group: an answer to a prompt, or a message for
    the citizen (a reply to the card or to a citizen's message). False if it concerns no complaint."""
    waiting = await pending.for_prompt(s.tx, message.chat_id, replied_to)
    complaint = await complaints.get(s.tx, waiting.complaint_id) if waiting else None
    complaint = complaint or await complaints.by_bot_message(s.tx, message.chat_id, replied_to)
    if complaint is None or complaint.unit_code is None:
        return False
    registry = await s.registry()
    unit = registry.get(complaint.unit_code)
    assert unit is not None
    t = s.t_for(unit.lang)
    # A reassignment asked from an escalation card is authorized at that level, not the unit's.
    acting_for = registry.get(waiting.detail.get("as_unit", "")) if waiting else None
    if not (await s.actor()).can_handle((acting_for or unit).code, registry):
        refusal = t("Only officers of %(unit)s or their supervisors can do this.", unit=escape(unit.name(t.lang)))
        await s.queue(Screen(refusal).send(message.chat_id, reply_to_message=message.message_id))
        return True
    action = waiting.action if waiting else "reply"
    if not allowed(complaint.status, Action(action)):
        await s.queue(
            Screen(nothing_to_do(t, complaint).text or "").send(message.chat_id, reply_to_message=message.message_id)
        )
        return True
    handled = await _ACTIONS[action](s, complaint, unit, message, waiting.detail if waiting else {})
    if handled and waiting:
        await pending.done(s.tx, waiting.id)
    return True


async def _send_reply(s: Session, complaint: Complaint, unit: Unit, message: Incoming, detail: dict) -> bool:
    if not message.text and not message.has_media:
        return False
    await relay.to_citizen(s, complaint, unit, message)  # the group is told if it cannot be delivered
    await _event(s, complaint, unit, "officer_message", snippet=_snippet(message.text))
    t = s.t_for(unit.lang)
    await s.queue(
        views.done(t, t("Sent to %(citizen)s.", citizen=views.citizen_label(t, complaint))).send(
            message.chat_id, priority="notify", thread_id=unit.thread_id, reply_to_message=message.message_id
        )
    )
    await delivery.refresh_card(s, await _reload(s, complaint))
    return True


async def _resolve(s: Session, complaint: Complaint, unit: Unit, message: Incoming, detail: dict) -> bool:
    note = (message.text or "").strip()
    if not note:
        return await _retry(s, unit, message, N_("Please write the outcome in words."))
    await _change(s, complaint, unit, Status.RESOLVED, "resolved", note=note)
    complaint = await _reload(s, complaint)
    citizen_t = s.t_for(await delivery.citizen_lang(s, complaint))
    await delivery.tell_citizen(s, complaint, notices.resolved(citizen_t, complaint, unit, note))
    await delivery.tell_citizen(s, complaint, notices.feedback_question(citizen_t, complaint))
    return True


async def _reject(s: Session, complaint: Complaint, unit: Unit, message: Incoming, detail: dict) -> bool:
    note = (message.text or "").strip()
    if not note:
        return await _retry(s, unit, message, N_("Please write the explanation in words."))
    reason = RejectReason(detail.get("reason", RejectReason.NOT_POLICE))
    await _change(s, complaint, unit, Status.REJECTED, "rejected", reason=reason.value, note=note)
    complaint = await _reload(s, complaint)
    citizen_t = s.t_for(await delivery.citizen_lang(s, complaint))
    await delivery.tell_citizen(s, complaint, notices.rejected(citizen_t, complaint, unit, reason, note))
    return True


async def _transfer(s: Session, complaint: Complaint, unit: Unit, message: Incoming, detail: dict) -> bool:
    match = _TRANSFER.match(to_latin_digits(strip_invisible(message.text or "")))
    registry = await s.registry()
    target = registry.get(match.group(1).upper()) if match else None
    reason = match.group(2).strip() if match else ""
    if target is None or not reason:
        return await _retry(
            s, unit, message, N_("Please reply with a unit code and the reason, e.g. 0102 wrong district.")
        )
    if target.code == unit.code:
        return await _retry(s, unit, message, N_("The complaint is already with this unit."))
    actor = s.person.display_name
    await complaints.add_event(
        s.tx,
        complaint.id,
        "officer",
        s.person.user_id,
        "transferred",
        complaint.status,
        Status.SUBMITTED,
        actor_role=(await s.actor()).role_at(unit.code, registry),
        unit_code=unit.code,
        detail={"actor": actor, "unit": target.code, "reason": reason, "from": unit.code},
    )
    await complaints.set_status(s.tx, complaint.id, Status.SUBMITTED)
    await delivery.refresh_card(s, await _reload(s, complaint), moved_to=target)  # the old card's last state
    moved = await delivery.deliver(s, await _reload(s, complaint), target.code, registry)
    citizen_t = s.t_for(await delivery.citizen_lang(s, moved))
    await delivery.tell_citizen(s, moved, notices.transferred(citizen_t, moved, unit, target, reason))
    return True


_ACTIONS = {"reply": _send_reply, "resolve": _resolve, "reject": _reject, "transfer": _transfer}


async def _retry(s: Session, unit: Unit, message: Incoming, problem: str) -> bool:
    """The answer cannot be used: say why; the prompt stays open for another reply."""
    t = s.t_for(unit.lang)
    await s.queue(
        Screen("⚠️ " + t(problem)).send(
            message.chat_id, priority="notify", thread_id=unit.thread_id, reply_to_message=message.message_id
        )
    )
    return False


async def _change(s: Session, complaint: Complaint, unit: Unit, status: Status, action: str, **detail: str) -> None:
    """A new status, in the history, on the card, and on the clock: acknowledging starts the time to
    resolve; closing stops the clock."""
    await _event(s, complaint, unit, action, to_status=status, **detail)
    await complaints.set_status(s.tx, complaint.id, status)
    if status == Status.ACKNOWLEDGED:
        await clocks.start(s, await _reload(s, complaint), clocks.RESOLVE)
    elif status in (Status.RESOLVED, Status.REJECTED):
        await clocks.stop(s, complaint)
    await delivery.refresh_card(s, await _reload(s, complaint))


async def _event(
    s: Session, complaint: Complaint, unit: Unit, action: str, *, to_status: Status | None = None, **detail: str
) -> None:
    registry = await s.registry()
    await complaints.add_event(
        s.tx,
        complaint.id,
        "officer",
        s.person.user_id,
        action,
        complaint.status,
        to_status or complaint.status,
        actor_role=(await s.actor()).role_at(unit.code, registry),
        unit_code=unit.code,
        detail={"actor": s.person.display_name, **detail},
    )


async def _reload(s: Session, complaint: Complaint) -> Complaint:
    fresh = await complaints.get(s.tx, complaint.id)
    assert fresh is not None
    return fresh


# --- the citizen's side -----------------------------------------------------------------------


async def citizen_answer_target(s: Session, replied_to: int | None) -> Complaint | None:
    """The complaint a citizen's message answers: a reply to one of the bot's messages about it, or
    the complaint whose ↩️ Answer button they pressed."""
    if replied_to is not None:
        complaint = await complaints.by_bot_message(s.tx, s.person.chat_id, replied_to)
        if complaint and complaint.citizen_id == s.user.user_id:
            return complaint
    awaiting = s.user.awaiting or ""
    if awaiting.startswith(AWAITING_ANSWER):
        complaint = await complaints.get(s.tx, int(awaiting.removeprefix(AWAITING_ANSWER)))
        if complaint and complaint.citizen_id == s.user.user_id:
            return complaint
    return None


async def start_answer(s: Session, complaint_id: int) -> str | None:
    complaint = await complaints.get(s.tx, complaint_id)
    if complaint is None or complaint.citizen_id != s.user.user_id:
        return s.t("This button is no longer valid.")
    await users.set_awaiting(s.tx, s.user.user_id, f"{AWAITING_ANSWER}{complaint.id}")
    await s.say(notices.ask_answer(s.t, complaint))
    return None


async def relay_from_citizen(s: Session, complaint: Complaint, message: Incoming) -> None:
    await users.set_awaiting(s.tx, s.user.user_id, None)
    if complaint.status not in (Status.SUBMITTED, Status.ACKNOWLEDGED):
        await s.say(
            Screen(
                s.t(
                    "Complaint %(number)s is closed. To report something new, file a new complaint with /new.",
                    number=tracking.display(complaint.tracking_no, s.t.lang),
                )
            )
        )
        return
    await complaints.add_event(
        s.tx,
        complaint.id,
        "citizen",
        s.user.user_id,
        "citizen_message",
        complaint.status,
        complaint.status,
        detail={"snippet": _snippet(message.text)},
    )
    # To the unit handling it, or the nearest reachable one above; the citizen is told which, or that
    # no unit can be reached (never "sent" for a message that went nowhere).
    target = await relay.to_police(s, complaint, message)
    if target is None:
        await s.say(relay.not_passed_on(s.t, complaint))
    elif target.code == complaint.unit_code:
        await delivery.refresh_card(s, await _reload(s, complaint))
        await s.say(notices.answer_sent(s.t, complaint))
    else:
        await s.say(relay.passed_up_notice(s.t, complaint, target))


async def feedback(s: Session, complaint_id: int, rating: str) -> str | None:
    complaint = await complaints.get(s.tx, complaint_id)
    if complaint is None or complaint.citizen_id != s.user.user_id or complaint.status != Status.RESOLVED:
        return s.t("This button is no longer valid.")
    if complaint.feedback:
        return s.t("Your answer was already recorded.")
    await complaints.set_feedback(s.tx, complaint.id, rating)
    await complaints.add_event(
        s.tx,
        complaint.id,
        "citizen",
        s.user.user_id,
        "feedback",
        complaint.status,
        complaint.status,
        detail={"rating": rating},
    )
    await s.say(notices.feedback_thanks(s.t, complaint, rating == Feedback.SATISFIED))
    await delivery.refresh_card(s, await _reload(s, complaint))
    if rating == Feedback.UNSATISFIED:  # an appeal: reopened one level above the unit that resolved it
        await oversight.appeal(s, await _reload(s, complaint))
    return None
