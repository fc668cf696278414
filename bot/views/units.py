"""Screens about units, their groups and their people."""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.domain.access import Role
from bot.domain.units import Unit
from bot.i18n import N_, Translator
from bot.outgoing import Button, Screen, inline_keyboard, user_text
from db.repositories.members import Invite, Member

ROLE_LABELS = {Role.OFFICER: N_("officer"), Role.SUPERVISOR: N_("supervisor")}


def unit_label(t: Translator, unit: Unit) -> str:
    return f"<b>{escape(unit.name(t.lang))}</b> ({unit.code})"


def bound(t: Translator, unit: Unit, *, moved_from_elsewhere: bool) -> Screen:
    lines = [
        "✅ "
        + t(
            "This group is now the group of %(unit)s. New complaints for it will arrive here.", unit=unit_label(t, unit)
        )
    ]
    if moved_from_elsewhere:
        lines.append(t("It was bound to another group before; that group no longer receives its complaints."))
    lines.append(t("Officers act with the buttons under each complaint. /language changes this group's language."))
    return Screen("\n".join(lines))


def unbound(t: Translator, found: list[Unit]) -> Screen:
    names = ", ".join(unit_label(t, u) for u in found)
    return Screen("☑️ " + t("This group no longer receives complaints for %(units)s.", units=names))


def invitation(t: Translator, unit: Unit, role: Role, link: str, expires_at: float) -> Screen:
    text = "\n".join(
        [
            "🔑 " + t("Invitation for one %(role)s of %(unit)s:", role=t(ROLE_LABELS[role]), unit=unit_label(t, unit)),
            link,
            t(
                "It works once, until %(date)s. Send it only to that person; whoever opens it joins the unit.",
                date=t.datetime(expires_at),
            ),
        ]
    )
    return Screen(text)


def enrolled(t: Translator, unit: Unit, role: Role) -> Screen:
    return Screen(
        "✅ "
        + t(
            "You are now a %(role)s of %(unit)s. You can act on its complaints in its group.",
            role=t(ROLE_LABELS[role]),
            unit=unit_label(t, unit),
        )
    )


def roster(t: Translator, unit: Unit, people: list[Member], *, can_revoke: bool) -> Screen:
    lines = ["👮 " + t("People of %(unit)s", unit=unit_label(t, unit))]
    if not people:
        lines.append(t("Nobody yet. Invite officers with /invite %(code)s", code=unit.code))
    rows = []
    for person in people:
        name = person.display_name or str(person.user_id)
        lines.append(f"• {escape(name)}: {t(ROLE_LABELS[person.role])}, {t.date(person.added_at)}")
        if can_revoke:
            rows.append(
                [Button("🚫 " + t("Remove %(name)s", name=name)[:60], callbacks.encode("o", person.id, "revoke"))]
            )
    return Screen("\n".join(lines), inline_keyboard(rows) if rows else None)


def invitations(t: Translator, shown: list[tuple[Invite, Unit]], more: int) -> Screen:
    """Outstanding invitations, numbered, with a cancel button each (the data carries the
    invitation's number, never its token: a group's members can all read the buttons' data)."""
    if not shown:
        return Screen("🔑 " + t("No outstanding invitations."))
    lines = ["🔑 <b>" + t("Outstanding invitations") + "</b>"]
    rows = []
    for n, (invite, unit) in enumerate(shown, start=1):
        creator = user_text(invite.creator_name) if invite.creator_name else str(invite.created_by)
        lines.append(
            t.number(n)
            + ". "
            + t(
                "%(unit)s: %(role)s, by %(creator)s, until %(date)s",
                unit=unit_label(t, unit),
                role=t(ROLE_LABELS[invite.role]),
                creator=creator,
                date=t.datetime(invite.expires_at),
            )
        )
        rows.append(
            [Button("✖️ " + t("Cancel %(number)s", number=t.number(n)), callbacks.encode("iv", invite.id, "cancel"))]
        )
    if more:
        lines.append(
            t(
                "…and %(count)s more. Send /invites followed by a unit's code to see only that unit's.",
                count=t.number(more),
            )
        )
    return Screen("\n".join(lines), inline_keyboard(rows))


def language_picker(t: Translator) -> Screen:
    keyboard = inline_keyboard(
        [[Button("ភាសាខ្មែរ", callbacks.encode("gl", "km")), Button("English", callbacks.encode("gl", "en"))]]
    )
    return Screen(t("Choose the language of this group's complaint messages:"), keyboard)


def welcome_group(km: Translator, en: Translator) -> Screen:
    """When the bot is added to a group: both languages, since no unit (and language) is known yet."""
    text = "\n\n".join(
        "👋 "
        + t(
            "Hello! To receive complaints here, an administrator or a supervisor sends /bind followed by "
            "the unit's code, e.g. /bind 120101."
        )
        for t in (km, en)
    )
    return Screen(text)


def unreachable_alert(t: Translator, lost: list[Unit], reason: str) -> Screen:
    names = ", ".join(unit_label(t, u) for u in lost)
    return Screen(
        "🚨 "
        + t(
            "The bot can no longer post in the group of %(units)s (%(reason)s). Their new complaints "
            "go to the level above until a group is bound again with /bind.",
            units=names,
            reason=escape(reason),
        )
    )


def group_help(t: Translator) -> Screen:
    lines = [
        "<b>" + t("Commands in a unit's group") + "</b>",
        t(
            "/bind 120101: make this group the group of the unit with that code "
            "(system administrators and supervisors)."
        ),
        t("/unbind: this group stops receiving complaints."),
        t("/officers: the people of this group's unit."),
        t("/invites: the unused invitations of this group's unit, with a button to cancel each."),
        t("/language: the language of this group's complaint messages."),
        t(
            "In your private chat with the bot: /invite 120101 officer (or supervisor), a one-time link "
            "that enrols someone; /status 482-913-0574, one complaint and its history; and for "
            "supervisors /status, /overdue, /stats, /export."
        ),
        "",
        t(
            "Under each complaint: ✅ Acknowledge, 💬 Reply, ✔️ Resolve, ↪️ Transfer, ⛔ Reject. To answer a "
            "question of the bot, reply to its message."
        ),
    ]
    return Screen("\n".join(lines))
