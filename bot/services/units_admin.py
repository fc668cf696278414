"""Units' chats and people: binding groups, invitations, rosters, and the bot's own membership.

Binding and inviting are for administrators (ADMIN_IDS) and supervisors whose scope covers the
unit; every such action is written to the audit log.
"""

from __future__ import annotations

import logging
import secrets
import time
from html import escape

from bot.domain.access import Role
from bot.domain.textnorm import match_key, strip_invisible, to_latin_digits
from bot.domain.units import MINISTRY, default_registry
from bot.i18n import Translator
from bot.outgoing import Screen
from bot.services import delivery
from bot.services.session import PressAnswer, Session, Work
from bot.views import units as views
from db.repositories import audit, deadlines, members, units

log = logging.getLogger(__name__)

INVITE_PREFIX = "inv_"
# The role may be typed in Khmer too (/invite 120101 មន្ត្រី).
ROLE_WORDS = {match_key("មន្ត្រី"): Role.OFFICER.value, match_key("ថ្នាក់ដឹកនាំ"): Role.SUPERVISOR.value}


def not_allowed(t: Translator, unit_name: str, *, html: bool = True) -> str:
    return t(
        "Only a system administrator or a supervisor over %(unit)s can do this.",
        unit=escape(unit_name) if html else unit_name,
    )


def parse_code(text: str) -> str:
    return to_latin_digits(strip_invisible(text)).strip().upper()


async def prepare_registry(w: Work) -> None:
    """On start-up: the default registry the first time, and the ministry's chat from settings."""
    if await units.count(w.tx) == 0:
        registry = default_registry(w.services.gazetteer)
        await units.replace_all(w.tx, registry.units.values(), registry.commune_posts)
        log.info("created the default registry: %d units", len(registry.units))
    chat_id = w.services.settings.ministry_chat_id
    if chat_id is not None:
        ministry = (await w.registry()).get(MINISTRY)
        if ministry and ministry.chat_id != chat_id:
            await units.bind(w.tx, MINISTRY, chat_id, None)
            await audit.record(w.tx, None, "settings", "bind", MINISTRY, chat_id=chat_id)
    await delivery.deliver_waiting(w)


async def bind(s: Session, code_text: str, thread_id: int | None) -> None:
    t, code = s.t, parse_code(code_text)
    registry = await s.registry()
    unit = registry.get(code)
    if not code:
        await s.say(Screen(t("Send /bind followed by the unit's code, e.g. /bind 120101.")))
        return
    if unit is None:
        await s.say(Screen(t("There is no unit with the code %(code)s.", code=escape(code))))
        return
    actor = await s.actor()
    if not actor.can_manage(unit.code, registry):
        await s.say(Screen(not_allowed(t, unit.name(t.lang))))
        return
    await units.bind(s.tx, unit.code, s.person.chat_id, thread_id)
    await audit.record(
        s.tx,
        s.person.user_id,
        actor.role_at(unit.code, registry),
        "bind",
        unit.code,
        chat_id=s.person.chat_id,
        thread_id=thread_id,
        previous_chat_id=unit.chat_id,
    )
    await s.say(
        views.bound(s.t_for(unit.lang), unit, moved_from_elsewhere=unit.chat_id not in (None, s.person.chat_id))
    )
    await delivery.deliver_waiting(s)


async def unbind(s: Session, code_text: str) -> None:
    registry = await s.registry()
    bound_here = registry.in_chat(s.person.chat_id)
    code = parse_code(code_text)
    targets = [u for u in bound_here if not code or u.code == code]
    if not targets:
        await s.say(Screen(s.t("No unit is bound to this chat.")))
        return
    actor = await s.actor()
    for unit in targets:
        if not actor.can_manage(unit.code, registry):
            await s.say(Screen(not_allowed(s.t, unit.name(s.t.lang))))
            return
    for unit in targets:
        await units.unbind(s.tx, unit.code)
        await audit.record(
            s.tx, s.person.user_id, actor.role_at(unit.code, registry), "unbind", unit.code, chat_id=s.person.chat_id
        )
    await s.say(views.unbound(s.t, targets))


async def invite(s: Session, args: list[str]) -> None:
    t = s.t
    code = parse_code(args[0]) if args else ""
    role_text = ROLE_WORDS.get(match_key(args[1]), args[1].lower()) if len(args) > 1 else Role.OFFICER.value
    registry = await s.registry()
    unit = registry.get(code)
    if unit is None or role_text not in Role._value2member_map_:
        await s.say(
            Screen(
                t(
                    "Send /invite followed by the unit's code and, if needed, the role: "
                    "/invite 120101 officer or /invite 12 supervisor."
                )
            )
        )
        return
    actor = await s.actor()
    if not actor.can_manage(unit.code, registry):
        await s.say(Screen(not_allowed(t, unit.name(t.lang))))
        return
    token = secrets.token_urlsafe(18)  # 24 characters, within Telegram's 64-character start payload
    expires = _invite_expiry(s)
    await members.create_invite(s.tx, token, unit.code, Role(role_text), s.person.user_id, expires)
    await audit.record(
        s.tx,
        s.person.user_id,
        actor.role_at(unit.code, registry),
        "invite",
        unit.code,
        role=role_text,
        expires_at=expires,
    )
    link = f"https://t.me/{s.services.bot_username}?start={INVITE_PREFIX}{token}"
    await s.say(views.invitation(t, unit, Role(role_text), link, expires))


def _invite_expiry(s: Session) -> float:
    return s.services.settings.invite_ttl.after(time.time())


async def enrol(s: Session, token: str) -> None:
    """/start inv_<token>: the person who opens the link joins that unit with that role."""
    found = await members.invite(s.tx, token)
    if found is None or found.expires_at < time.time() or (found.used_by and found.used_by != s.person.user_id):
        await s.say(
            Screen(s.t("This invitation link has expired or was already used. Ask your supervisor for a new one."))
        )
        return
    registry = await s.registry()
    unit = registry.get(found.unit_code)
    if unit is None:
        await s.say(
            Screen(s.t("This invitation link has expired or was already used. Ask your supervisor for a new one."))
        )
        return
    if found.used_by is None:
        await members.use_invite(s.tx, token, s.person.user_id)
        await members.enrol(s.tx, s.person.user_id, unit.code, found.role, s.person.display_name, found.created_by)
        await audit.record(s.tx, s.person.user_id, found.role, "enrol", unit.code, invited_by=found.created_by)
    await s.say(views.enrolled(s.t, unit, found.role))


async def roster(s: Session, code_text: str) -> None:
    registry = await s.registry()
    code = parse_code(code_text)
    if code:
        shown = [registry.get(code)] if registry.get(code) else []
    else:
        shown = registry.in_chat(s.person.chat_id) or [
            u for m in (await s.actor()).memberships if (u := registry.get(m.unit_code))
        ]
    actor = await s.actor()
    shown = [u for u in shown if u is not None and actor.can_handle(u.code, registry)]
    if not shown:
        await s.say(Screen(s.t("Send /officers followed by the code of a unit you belong to or supervise.")))
        return
    for unit in shown[:5]:
        people = await members.roster(s.tx, unit.code)
        await s.say(views.roster(s.t, unit, people, can_revoke=actor.can_manage(unit.code, registry)))


async def revoke(s: Session, member_id: int) -> PressAnswer:
    member = await members.get(s.tx, member_id)
    if member is None:
        return PressAnswer(s.t("This button is no longer valid."), alert=True)
    registry = await s.registry()
    actor = await s.actor()
    if not actor.can_manage(member.unit_code, registry):
        unit = registry.get(member.unit_code)
        return PressAnswer(not_allowed(s.t, unit.name(s.t.lang) if unit else member.unit_code, html=False), alert=True)
    await members.revoke(s.tx, member.id, s.person.user_id)
    await audit.record(
        s.tx,
        s.person.user_id,
        actor.role_at(member.unit_code, registry),
        "revoke",
        member.unit_code,
        user_id=member.user_id,
        role=member.role,
    )
    return PressAnswer(s.t("Removed: %(name)s", name=member.display_name or str(member.user_id)))


async def group_language(s: Session, lang: str, message_id: int) -> PressAnswer:
    registry = await s.registry()
    here = registry.in_chat(s.person.chat_id)
    actor = await s.actor()
    if not here or not any(actor.can_handle(u.code, registry) for u in here):
        return PressAnswer(s.t("Only officers of this group's unit can change its language."), alert=True)
    await units.set_lang(s.tx, s.person.chat_id, lang)
    t = s.t_for(lang)
    await s.replace(
        message_id,
        Screen(
            "✅ " + t("This group's language is now English.")
            if lang == "en"
            else "✅ " + t("This group's language is now Khmer.")
        ),
    )
    return PressAnswer()


# --- the bot's own membership of groups ---------------------------------------------------------


async def bot_joined(w: Work, chat_id: int) -> None:
    await units.mark_reachable(w.tx, chat_id)
    await w.queue(views.welcome_group(w.t_for("km"), w.t_for("en")).send(chat_id, priority="notify"))


async def chat_lost(w: Work, chat_id: int, reason: str) -> None:
    """The bot can no longer post in the chat (removed, blocked, chat deleted): units bound to it
    are marked unreachable, new complaints go to the next level, and the ministry is told once."""
    lost = await units.mark_unreachable(w.tx, chat_id, reason)
    if not lost:
        return
    # Their complaints escalate at once: the unit cannot even see them.
    if await deadlines.expedite(w.tx, lost, time.time()):
        w.tx.after_commit(w.services.wake_sweeper)
    for code in lost:
        await audit.record(w.tx, None, "system", "unreachable", code, chat_id=chat_id, reason=reason)
    registry = await w.registry()
    ministry = registry.get(MINISTRY)
    if ministry is None or not ministry.reachable or ministry.chat_id == chat_id:
        log.error("units %s lost their chat (%s) and the ministry's chat cannot be told", lost, reason)
        return
    lost_units = [u for code in lost if (u := registry.get(code))]
    await w.queue(
        views.unreachable_alert(w.t_for(ministry.lang), lost_units, reason).send(
            ministry.chat_id, priority="notify", thread_id=ministry.thread_id
        )
    )


async def chat_migrated(w: Work, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its units follow it to the new id."""
    moved = await units.move_chat(w.tx, old_chat_id, new_chat_id)
    if moved:
        await audit.record(w.tx, None, "system", "chat_migrated", None, old=old_chat_id, new=new_chat_id)
