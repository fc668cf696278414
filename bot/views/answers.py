"""Short answers to officers' and citizens' button presses and typed replies (toasts and notes)."""

from __future__ import annotations

from html import escape

from bot.domain.complaint import Complaint
from bot.domain.units import Unit
from bot.i18n import Translator
from bot.views.card import citizen_label


def no_longer_valid(t: Translator) -> str:
    return t("This button is no longer valid.")


def only_officers_of(t: Translator, unit: Unit, *, html: bool = False) -> str:
    name = unit.name(t.lang)
    return t("Only officers of %(unit)s or their supervisors can do this.", unit=escape(name) if html else name)


def only_levels_above(t: Translator) -> str:
    return t("Only officers of a level above the unit, or their supervisors, can do this.")


def acknowledged(t: Translator) -> str:
    return t("Acknowledged")


def why_rejected(t: Translator) -> str:
    return t("Why is it rejected?")


def sent_to_citizen(t: Translator, complaint: Complaint) -> str:
    return "✅ " + t("Sent to %(citizen)s.", citizen=citizen_label(t, complaint))


def already_recorded(t: Translator) -> str:
    return t("Your answer was already recorded.")


def reminder_sent(t: Translator, unit: Unit) -> str:
    return t("Reminder sent to %(unit)s.", unit=unit.name(t.lang))


def now_yours(t: Translator) -> str:
    return t("Your unit now handles this complaint.")


def reply_below(t: Translator) -> str:
    return t("Reply to my message below.")
