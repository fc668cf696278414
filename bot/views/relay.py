"""The bot's own words around messages passed between a citizen and the police (bot.services.relay):
where a message went when the handling unit cannot be reached, and what could not be delivered."""

from __future__ import annotations

from html import escape

from bot.domain import tracking
from bot.domain.complaint import Complaint
from bot.domain.units import Unit
from bot.i18n import Translator
from bot.outgoing import Screen
from bot.views.card import citizen_label
from bot.views.common import emergency_line


def _number(t: Translator, complaint: Complaint) -> str:
    return "<b>" + tracking.display(complaint.tracking_no, t.lang) + "</b>"


def passed_up_notice(t: Translator, complaint: Complaint, target: Unit) -> Screen:
    """What the citizen is told when their message went to the unit above the one handling it."""
    return Screen(
        "✅ "
        + t(
            "Sent to %(unit)s: the unit handling complaint %(number)s cannot be reached through the bot at the moment.",
            unit="<b>" + escape(target.name(t.lang)) + "</b>",
            number=_number(t, complaint),
        )
    )


def not_passed_on(t: Translator, complaint: Complaint) -> Screen:
    """No police unit can be reached at all: the citizen must know their message went nowhere."""
    return Screen(
        "⚠️ "
        + t(
            "Your message about complaint %(number)s was not passed on: no police unit can be reached "
            "through the bot at the moment. Please send it again later.",
            number=_number(t, complaint),
        )
        + "\n\n"
        + emergency_line(t)
    )


def not_delivered_to_police(t: Translator, complaint: Complaint) -> Screen:
    """Telegram refused the citizen's message for the police for good, and no unit above could take it."""
    text = t(
        "Your message about complaint %(number)s could not be delivered to the police. Please send it again later.",
        number=_number(t, complaint),
    )
    return Screen("⚠️ " + text + "\n\n" + emergency_line(t))


def not_delivered_to_citizen(t: Translator, complaint: Complaint, *, blocked: bool) -> Screen:
    """For the officers' group: the citizen did not get their message (`blocked`: they blocked the bot)."""
    reason = t("they have blocked the bot") if blocked else t("Telegram refused the message")
    text = t(
        "Not delivered: %(citizen)s did not receive your message about complaint %(number)s (%(reason)s).",
        citizen=citizen_label(t, complaint),
        number=_number(t, complaint),
        reason=reason,
    )
    return Screen("⚠️ " + text)


def passed_up(t: Translator, complaint: Complaint, holder: Unit) -> str:
    """For the unit above: why a message about a complaint it does not handle reached it."""
    return t(
        "Passed to you: %(unit)s, which handles complaint %(number)s, cannot be reached through the bot at the moment.",
        unit=escape(holder.name(t.lang)),
        number=tracking.display(complaint.tracking_no, t.lang),
    )
