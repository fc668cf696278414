"""Officers act on complaints from their group; citizen and officer talk through the bot.

Every action checks that the person may act on that complaint (an officer of the unit holding it,
a supervisor above it, or an administrator), then makes its move through the lifecycle
(bot.domain.lifecycle decides, bot.services.lifecycle carries it out: history, clocks, every card,
the citizen's notice), all in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from bot.callbacks import Press
from bot.domain import lifecycle as lc
from bot.domain import routing
from bot.domain.case import By
from bot.domain.complaint import OPEN_STATUSES, Complaint, Feedback, RejectReason
from bot.domain.textnorm import strip_invisible, to_latin_digits
from bot.domain.units import Unit
from bot.i18n import N_
from bot.outgoing import Outgoing, Screen, inline_keyboard
from bot.services import lifecycle, relay
from bot.services.press_place import Place
from bot.services.prompts import ask_to_type, nothing_to_do
from bot.services.session import PressAnswer, Session
from bot.views import answers, notices
from bot.views import card as views
from bot.views import relay as relay_views
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
    loaded = await lifecycle.load(s, press.target)
    if loaded is None or loaded.complaint.unit_code is None:
        return PressAnswer(answers.no_longer_valid(s.t), alert=True)
    complaint, registry = loaded.complaint, await s.registry()
    unit = registry.get(complaint.unit_code or "")
    assert unit is not None
    if not place.is_bound_place_of(unit, s.person.chat_id):  # a copy elsewhere: the same answer as forged data
        return PressAnswer(answers.no_longer_valid(s.t), alert=True)
    t = s.t_for(unit.lang)
    actor = await s.actor()
    if not actor.can_handle(unit.code, registry):
        return PressAnswer(answers.only_officers_of(t, unit), alert=True)
    if press.action == "ack":
        by = lifecycle.by_person(s, actor.role_at(unit.code, registry))
        try:
            move = lc.acknowledge(loaded.case, by)
        except lc.Refused:
            return nothing_to_do(t, complaint)  # a double tap, or someone was faster: nothing happens twice
        await lifecycle.carry_out(s, loaded, move)
        return PressAnswer(answers.acknowledged(t))
    if press.action in ("back", "reject"):
        return await _reject_menu(s, complaint, unit, message_id, show=press.action == "reject")
    if press.action == "rr":
        reason = press.args[0] if press.args else ""
        if reason not in RejectReason._value2member_map_:
            return PressAnswer(answers.no_longer_valid(s.t), alert=True)
        return await ask_to_type(s, complaint, unit, "reject", message_id, reason=reason)
    return await ask_to_type(s, complaint, unit, press.action, message_id)


async def _reject_menu(s: Session, complaint: Complaint, unit: Unit, message_id: int, *, show: bool) -> PressAnswer:
    t = s.t_for(unit.lang)
    if show and complaint.status not in OPEN_STATUSES:
        return nothing_to_do(t, complaint)
    buttons = views.reject_reasons(t, complaint) if show else views.card_buttons(t, complaint)
    await s.queue(
        Outgoing(
            s.person.chat_id,
            "editMessageReplyMarkup",
            {"message_id": message_id, "reply_markup": inline_keyboard(buttons)},
            "notify",
            complaint.id,  # in the complaint's lane: never overtaken by a later refresh of the card
        )
    )
    return PressAnswer(answers.why_rejected(t) if show else None)


# --- what officers type in their group --------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """An officer's typed answer, with who they act for: the unit, or a level above it (a
    reassignment asked from an escalation card)."""

    message: Incoming
    by: By
    level: Unit | None
    detail: dict


async def on_group_reply(s: Session, message: Incoming, replied_to: int) -> bool:
    """A reply to one of the bot's messages in a group: an answer to a prompt, or a message for
    the citizen (a reply to the card or to a citizen's message). False if it concerns no complaint."""
    waiting = await pending.for_prompt(s.tx, message.chat_id, replied_to)
    complaint = await complaints.get(s.tx, waiting.complaint_id) if waiting else None
    complaint = complaint or await complaints.by_bot_message(s.tx, message.chat_id, replied_to)
    if complaint is None or complaint.unit_code is None:
        return False
    loaded = await lifecycle.load(s, complaint.id)
    assert loaded is not None
    registry = await s.registry()
    unit = registry.get(complaint.unit_code)
    assert unit is not None
    t = s.t_for(unit.lang)
    # A reassignment asked from an escalation card is authorized at that level, not the unit's.
    acting_for = registry.get(waiting.detail.get("as_unit", "")) if waiting else None
    actor = await s.actor()
    if not actor.can_handle((acting_for or unit).code, registry):
        refusal = answers.only_officers_of(t, unit, html=True)
        await s.queue(Screen(refusal).send(message.chat_id, reply_to_message=message.message_id))
        return True
    action = waiting.action if waiting else "reply"
    by = lifecycle.by_person(s, actor.role_at((acting_for or unit).code, registry))
    typed = Typed(message, by, acting_for, waiting.detail if waiting else {})
    try:
        handled = await _ACTIONS[action](s, loaded, unit, typed)
    except lc.Refused as refused:
        text = (
            views.not_escalated_here(t, complaint, unit)
            if refused.reason == lc.Refusal.NOT_ESCALATED_HERE
            else nothing_to_do(t, complaint).text or ""
        )
        await s.queue(Screen(escape(text)).send(message.chat_id, reply_to_message=message.message_id))
        handled = True
    if handled and waiting:
        await pending.done(s.tx, waiting.id)
    return True


async def _send_reply(s: Session, loaded: lifecycle.Loaded, unit: Unit, typed: Typed) -> bool:
    message, complaint = typed.message, loaded.complaint
    if not message.text and not message.has_media:
        return False
    move = lc.reply(loaded.case, typed.by, _snippet(message.text))  # refused for a closed complaint
    await relay.to_citizen(s, complaint, unit, message)  # the group is told if it cannot be delivered
    await lifecycle.carry_out(s, loaded, move)
    t = s.t_for(unit.lang)
    await s.queue(
        Screen(answers.sent_to_citizen(t, complaint)).send(
            message.chat_id, priority="notify", thread_id=unit.thread_id, reply_to_message=message.message_id
        )
    )
    return True


async def _resolve(s: Session, loaded: lifecycle.Loaded, unit: Unit, typed: Typed) -> bool:
    note = (typed.message.text or "").strip()
    if not note:
        return await _retry(s, unit, typed.message, N_("Please write the outcome in words."))
    await lifecycle.carry_out(s, loaded, lc.resolve(loaded.case, typed.by, note))
    return True


async def _reject(s: Session, loaded: lifecycle.Loaded, unit: Unit, typed: Typed) -> bool:
    note = (typed.message.text or "").strip()
    if not note:
        return await _retry(s, unit, typed.message, N_("Please write the explanation in words."))
    reason = RejectReason(typed.detail.get("reason", RejectReason.NOT_POLICE))
    await lifecycle.carry_out(s, loaded, lc.reject(loaded.case, typed.by, reason.value, note))
    return True


async def _transfer(s: Session, loaded: lifecycle.Loaded, unit: Unit, typed: Typed) -> bool:
    """To another unit, by the handling unit (a transfer) or by a level above (a reassignment)."""
    match = _TRANSFER.match(to_latin_digits(strip_invisible(typed.message.text or "")))
    registry = await s.registry()
    target = registry.get(match.group(1).upper()) if match else None
    reason = match.group(2).strip() if match else ""
    if target is None or not reason:
        return await _retry(
            s, unit, typed.message, N_("Please reply with a unit code and the reason, e.g. 0102 wrong district.")
        )
    if target.code == unit.code:
        return await _retry(s, unit, typed.message, N_("The complaint is already with this unit."))
    to = routing.deliver_to(registry, target.code)
    if typed.level is not None:
        move = lc.reassign(loaded.case, typed.by, typed.level.code, target.code, to, reason)
    else:
        move = lc.transfer(loaded.case, typed.by, target.code, to, reason)
    await lifecycle.carry_out(s, loaded, move)
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
        return answers.no_longer_valid(s.t)
    await users.set_awaiting(s.tx, s.user.user_id, f"{AWAITING_ANSWER}{complaint.id}")
    await s.say(notices.ask_answer(s.t, complaint))
    return None


async def relay_from_citizen(s: Session, complaint: Complaint, message: Incoming) -> None:
    await users.set_awaiting(s.tx, s.user.user_id, None)
    loaded = await lifecycle.load(s, complaint.id)
    assert loaded is not None
    try:
        move = lc.citizen_message(loaded.case, By("citizen", s.user.user_id), _snippet(message.text))
    except lc.Refused:
        await s.say(notices.closed_for_messages(s.t, complaint))
        return
    # To the unit handling it, or the nearest reachable one above; the citizen is told which, or that
    # no unit can be reached (never "sent" for a message that went nowhere). Then its card shows it.
    target = await relay.to_police(s, complaint, message)
    await lifecycle.carry_out(s, loaded, move)
    if target is None:
        await s.say(relay_views.not_passed_on(s.t, complaint))
    elif target.code == complaint.unit_code:
        await s.say(notices.answer_sent(s.t, complaint))
    else:
        await s.say(relay_views.passed_up_notice(s.t, complaint, target))


async def feedback(s: Session, complaint_id: int, rating: str, message_id: int | None = None) -> str | None:
    """👍/👎 on a resolution; 👎 is an appeal: reopened one level above the unit that resolved it
    (the ministry keeps it, reopened, if it resolved it itself)."""
    loaded = await lifecycle.load(s, complaint_id)
    if loaded is None or loaded.complaint.citizen_id != s.user.user_id:
        return answers.no_longer_valid(s.t)
    complaint, registry = loaded.complaint, await s.registry()
    appeal_to = None
    if rating == Feedback.UNSATISFIED:
        resolver = registry.get(complaint.unit_code or "")
        above = (registry.parent(resolver.code) or resolver) if resolver else None
        appeal_to = routing.deliver_to(registry, above.code) if above else None
    try:
        move = lc.rate(loaded.case, By("citizen", s.user.user_id), Feedback(rating), appeal_to)
    except lc.Refused as refused:
        if refused.reason == lc.Refusal.ALREADY_RATED:
            return answers.already_recorded(s.t)
        return answers.no_longer_valid(s.t)
    await lifecycle.carry_out(s, loaded, move)
    # The question becomes the answer: its 👍/👎 no longer look pressable.
    await s.replace(message_id, notices.feedback_thanks(s.t, complaint, rating == Feedback.SATISFIED))
    return None
