"""What the citizen is told when something happens to their complaint, in their language.

Every notice names the tracking number: the Bot API has no idempotency key, so a notice Telegram
accepted just before a crash may arrive twice, and the number makes that recognisable.
"""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.domain import tracking
from bot.domain.complaint import Complaint, RejectReason
from bot.domain.units import Unit
from bot.i18n import Translator
from bot.outgoing import Button, Screen, inline_keyboard, user_text
from bot.views.card import REJECT_REASONS


def _number(t: Translator, complaint: Complaint) -> str:
    return "<b>" + tracking.display(complaint.tracking_no, t.lang) + "</b>"


def _unit(t: Translator, unit: Unit) -> str:
    return "<b>" + escape(unit.name(t.lang)) + "</b>"


def routed(t: Translator, complaint: Complaint, unit: Unit) -> Screen:
    return Screen(
        "📨 " + t("Your complaint %(number)s was sent to %(unit)s.", number=_number(t, complaint), unit=_unit(t, unit))
    )


def acknowledged(t: Translator, complaint: Complaint, unit: Unit) -> Screen:
    return Screen(
        "👮 "
        + t(
            "%(unit)s acknowledged your complaint %(number)s and is handling it.",
            unit=_unit(t, unit),
            number=_number(t, complaint),
        )
    )


def answer_button(t: Translator, complaint: Complaint) -> dict:
    return inline_keyboard([[Button(t("↩️ Answer"), callbacks.encode("ra", complaint.id))]])


def officer_message_header(t: Translator, complaint: Complaint, unit: Unit) -> str:
    return "💬 " + t(
        "Message from %(unit)s about your complaint %(number)s:", unit=_unit(t, unit), number=_number(t, complaint)
    )


def answer_hint(t: Translator) -> str:
    return "<i>" + t("To answer, press ↩️ Answer or reply to this message.") + "</i>"


def transferred(t: Translator, complaint: Complaint, old: Unit, new: Unit, reason: str) -> Screen:
    return Screen(
        "↪️ "
        + t(
            "Your complaint %(number)s was transferred from %(old)s to %(new)s. Reason: %(reason)s",
            number=_number(t, complaint),
            old=_unit(t, old),
            new=_unit(t, new),
            reason=user_text(reason),
        )
    )


def rejected(t: Translator, complaint: Complaint, unit: Unit, reason: RejectReason, note: str) -> Screen:
    lines = [
        "⛔ "
        + t(
            "%(unit)s closed your complaint %(number)s without action (%(reason)s): %(note)s",
            unit=_unit(t, unit),
            number=_number(t, complaint),
            reason=t(REJECT_REASONS[reason]),
            note=user_text(note),
        ),
    ]
    if reason == RejectReason.NOT_POLICE:
        lines += [
            "",
            t(
                "Where to go instead: your commune or sangkat hall, or your district, municipality or khan hall, "
                "can tell you which office handles this matter. If you think the police should act, file a new "
                "complaint and explain why."
            ),
        ]
    return Screen("\n".join(lines))


def resolved(t: Translator, complaint: Complaint, unit: Unit, note: str) -> Screen:
    return Screen(
        "✅ "
        + t(
            "%(unit)s resolved your complaint %(number)s: %(note)s",
            unit=_unit(t, unit),
            number=_number(t, complaint),
            note=user_text(note),
        )
    )


def feedback_question(t: Translator, complaint: Complaint) -> Screen:
    text = t("Are you satisfied with how your complaint %(number)s was handled?", number=_number(t, complaint))
    keyboard = inline_keyboard(
        [
            [
                Button(t("👍 Yes"), callbacks.encode("fb", complaint.id, "up")),
                Button(t("👎 No"), callbacks.encode("fb", complaint.id, "down")),
            ]
        ]
    )
    return Screen(text, keyboard)


def feedback_thanks(t: Translator, complaint: Complaint, satisfied: bool) -> Screen:
    text = t("Thank you. Your answer was recorded with complaint %(number)s.", number=_number(t, complaint))
    return Screen(("👍 " if satisfied else "👎 ") + text)


def ask_answer(t: Translator, complaint: Complaint) -> Screen:
    return Screen(
        t(
            "Type your answer about complaint %(number)s (or send a photo, voice message or document).",
            number=_number(t, complaint),
        )
    )


def answer_sent(t: Translator, complaint: Complaint) -> Screen:
    return Screen("✅ " + t("Sent to the police handling complaint %(number)s.", number=_number(t, complaint)))


def escalated(t: Translator, complaint: Complaint, unit: Unit) -> Screen:
    """The level above the handling unit was asked to see to it: the complaint itself stays where it
    is, so the citizen is not told it moved, nor who is to blame."""
    return Screen(
        "⬆️ "
        + t(
            "Your complaint %(number)s was not acted on in time, so it was passed to %(unit)s, above the police "
            "handling it, to make sure it is dealt with. You do not need to do anything.",
            number=_number(t, complaint),
            unit=_unit(t, unit),
        )
    )


def taken_over(t: Translator, complaint: Complaint, unit: Unit) -> Screen:
    return Screen(
        "👮 "
        + t(
            "%(unit)s took over your complaint %(number)s and is handling it.",
            unit=_unit(t, unit),
            number=_number(t, complaint),
        )
    )


def appealed(t: Translator, complaint: Complaint, unit: Unit) -> Screen:
    """`unit`: the level above the one that resolved it, or the ministry itself when it resolved it
    (nothing is above it), so the words must hold for both."""
    return Screen(
        "🔁 "
        + t(
            "Your complaint %(number)s was reopened and passed to %(unit)s, to be looked at again. If you "
            "want, tell us in a message why you are not satisfied; it will be passed on.",
            number=_number(t, complaint),
            unit=_unit(t, unit),
        )
    )


def reopened(t: Translator, complaint: Complaint, unit: Unit) -> Screen:
    """A supervisor reopened the citizen's closed complaint."""
    return Screen(
        "🔁 "
        + t(
            "Your complaint %(number)s was reopened and passed to %(unit)s, who will look at it again.",
            number=_number(t, complaint),
            unit=_unit(t, unit),
        )
    )


def closed_for_messages(t: Translator, complaint: Complaint) -> Screen:
    """A citizen writes about a complaint that is closed: where to go instead."""
    return Screen(
        t(
            "Complaint %(number)s is closed. To report something new, file a new complaint with /new.",
            number=tracking.display(complaint.tracking_no, t.lang),
        )
    )
