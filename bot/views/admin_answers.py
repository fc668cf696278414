"""The short answers of units' administration (bot.services.units_admin, bot.services.invitations):
how to type a command, refusals, and the toasts of their buttons. What is shown when a command
succeeds is in bot.views.units and bot.views.membership."""

from __future__ import annotations

from enum import StrEnum
from html import escape

from bot.domain.units import Unit
from bot.i18n import N_, Translator
from bot.outgoing import Screen
from bot.views.units import unit_label


def bind_usage(t: Translator) -> Screen:
    return Screen(t("Send /bind followed by the unit's code, e.g. /bind 120101."))


def invite_usage(t: Translator) -> Screen:
    return Screen(
        t(
            "Send /invite followed by the unit's code and, if needed, the role: "
            "/invite 120101 officer or /invite 12 supervisor."
        )
    )


def officers_usage(t: Translator) -> Screen:
    return Screen(t("Send /officers followed by the code of a unit you belong to or supervise."))


def no_such_unit(t: Translator, code: str) -> Screen:
    return Screen(t("There is no unit with the code %(code)s.", code=escape(code)))


def nothing_bound_here(t: Translator) -> Screen:
    return Screen(t("No unit is bound to this chat."))


def invitations_not_for_you(t: Translator) -> Screen:
    return Screen(t("Only system administrators and supervisors can see invitations."))


def stale_button(t: Translator) -> str:
    """The alert of a button whose person, invitation or message is gone."""
    return t("This button is no longer valid.")


def removed(t: Translator, name: str) -> str:
    """The toast of a roster's remove button (a person's name: a toast is plain text)."""
    return t("Removed: %(name)s", name=name)


def language_not_yours(t: Translator) -> str:
    return t("Only officers of this group's unit can change its language.")


def group_language_set(t: Translator) -> Screen:
    """In the group's new language (`t`)."""
    if t.lang == "en":
        return Screen("✅ " + t("This group's language is now English."))
    return Screen("✅ " + t("This group's language is now Khmer."))


def invitation_cancelled(t: Translator) -> str:
    return t("Invitation cancelled.")


def invitation_not_outstanding(t: Translator) -> str:
    return t("This invitation was already used, cancelled or has expired.")


class LinkProblem(StrEnum):
    """Why an invitation link does not enrol the person who opened it."""

    INVALID = "invalid"
    USED = "used"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    CREATOR = "creator"  # its creator may no longer invite people to that unit


LINK_PROBLEMS = {
    LinkProblem.INVALID: N_("This invitation link is not valid. Ask your supervisor for a new one."),
    LinkProblem.USED: N_("This invitation link was already used. Ask your supervisor for a new one."),
    LinkProblem.CANCELLED: N_("This invitation link was cancelled. Ask your supervisor for a new one."),
    LinkProblem.EXPIRED: N_("This invitation link has expired. Ask your supervisor for a new one."),
    LinkProblem.CREATOR: N_(
        "This invitation link no longer works: the person who created it may no longer invite people "
        "to %(unit)s. Ask your supervisor for a new one."
    ),
}


def link_refused(t: Translator, problem: LinkProblem, unit: Unit | None = None) -> Screen:
    label = unit_label(t, unit) if unit is not None else ""
    return Screen(t(LINK_PROBLEMS[problem], unit=label))
