"""What the bot says about who is in a unit's group: its own rights there, removals, strangers."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from bot.domain.units import Unit
from bot.i18n import Translator
from bot.outgoing import Screen, user_text
from bot.views.units import unit_label


@dataclass
class RemovalPlan:
    """Where a revoked person is removed from: one unit stands for each group (the unit the person
    belonged to, where it is bound there)."""

    removing: list[Unit] = field(default_factory=list)  # the bot asked Telegram
    by_hand: list[Unit] = field(default_factory=list)  # the bot may not ban users there
    staying: list[Unit] = field(default_factory=list)  # they still belong to a unit bound there


def person_label(name: str | None, user_id: int, *, is_bot: bool = False) -> str:
    """A Telegram user as staff need to find them: their name as they typed it (escaped, bidi
    contained) and their numeric id, which no one can fake."""
    shown = user_text(name) if name else str(user_id)
    return f"<b>{shown}</b> (id <code>{user_id}</code>)" + (" 🤖" if is_bot else "")


def _bold(text: str) -> str:
    return "<b>" + user_text(text) + "</b>"


def _groups(t: Translator, found: list[Unit]) -> str:
    return ", ".join(t("the group of %(unit)s", unit=unit_label(t, u)) for u in found)


def bind_needs_rights(t: Translator, *, is_admin: bool) -> Screen:
    first = "⚠️ " + (
        t(
            "I am an administrator of this group but not allowed to ban users, so I could not remove "
            "people who leave the unit from it. Give me the right to ban users, then send /bind again."
        )
        if is_admin
        else t(
            "I am not an administrator of this group, so I could not remove people who leave the unit "
            "from it. Make me an administrator with the right to ban users, then send /bind again."
        )
    )
    how = t("In Telegram: open the group's info, Administrators, Add Admin, choose me, and keep “Ban users” on.")
    return Screen(f"{first}\n{how}")


def revoked(t: Translator, name: str, unit: Unit, plan: RemovalPlan, invites_cancelled: int) -> Screen:
    lines = ["🚫 " + t("%(name)s no longer belongs to %(unit)s.", name=_bold(name), unit=unit_label(t, unit))]
    if plan.removing:
        lines.append(t("The bot is removing them from %(groups)s.", groups=_groups(t, plan.removing)))
    if plan.by_hand:
        lines.append(
            "⚠️ "
            + t(
                "Remove them by hand from %(groups)s: the bot is not an administrator allowed to ban users there.",
                groups=_groups(t, plan.by_hand),
            )
        )
    if plan.staying:
        lines.append(t("They stay in %(groups)s: they still belong to a unit there.", groups=_groups(t, plan.staying)))
    if invites_cancelled:
        lines.append(
            t.plural(
                "%(num)s unused invitation they created was cancelled.",
                "%(num)s unused invitations they created were cancelled.",
                invites_cancelled,
            )
        )
    return Screen("\n".join(lines))


def _refusal_reason(t: Translator, error: str) -> str:
    """Telegram's refusal in the reader's words (its own words are English)."""
    lowered = error.lower()
    if "administrator of the chat" in lowered:
        return t("they are an administrator of the group")
    if "chat owner" in lowered:
        return t("they own the group")
    if "not enough rights" in lowered:
        return t("the bot is not allowed to ban users there")
    if "kicked" in lowered or "not a member" in lowered or "chat not found" in lowered:
        return t("the bot is no longer in the group")
    return t("Telegram answered: %(error)s", error=escape(error))


def removal_refused(t: Translator, name: str | None, user_id: int, unit: Unit | None, error: str) -> Screen:
    where = unit_label(t, unit) if unit else t("a unit")
    return Screen(
        "⚠️ "
        + t(
            "The bot could not remove %(person)s from the group of %(unit)s (%(reason)s). Remove them by hand.",
            person=person_label(name, user_id),
            unit=where,
            reason=_refusal_reason(t, error),
        )
    )


def stranger(
    t: Translator,
    unit: Unit,
    name: str,
    user_id: int,
    *,
    is_bot: bool,
    added_by: str | None,
    removed: bool,
    removal_impossible: bool,
) -> Screen:
    person = person_label(name, user_id, is_bot=is_bot)
    if removed:
        lines = [
            "👤 "
            + t(
                "%(person)s joined the group of %(unit)s without being enrolled in it, and is being removed.",
                person=person,
                unit=unit_label(t, unit),
            )
        ]
    else:
        lines = [
            "👤 "
            + t(
                "%(person)s joined the group of %(unit)s but is not enrolled in it.",
                person=person,
                unit=unit_label(t, unit),
            )
        ]
    if added_by:
        lines.append(t("Added by %(name)s.", name=_bold(added_by)))
    if removal_impossible:
        lines.append(t("The bot could not remove them: it is not allowed to ban users in this group."))
    if removed:
        lines.append(
            t(
                "If they should be here, enrol them first (send /invite %(code)s officer to the bot in a private "
                "chat and give them the link), then add them again.",
                code=unit.code,
            )
        )
    else:
        lines.append(
            t(
                "If they should be here, enrol them: send /invite %(code)s officer to the bot in a private chat "
                "and give them the link. Otherwise remove them from the group.",
                code=unit.code,
            )
        )
    return Screen("\n".join(lines))


def bot_cannot_remove(t: Translator, bound: list[Unit]) -> Screen:
    return Screen(
        "⚠️ "
        + t(
            "The bot is no longer an administrator allowed to ban users in the group of %(units)s. It can no "
            "longer remove people who leave the unit from the group, nor see who joins it. Make it an "
            "administrator with the right to ban users again.",
            units=", ".join(unit_label(t, u) for u in bound),
        )
    )
