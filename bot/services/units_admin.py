"""Units' chats and people: binding groups, rosters, revoking, and the bot's own membership.

Binding and revoking are for administrators (ADMIN_IDS) and supervisors whose scope covers the
unit; every such action is written to the audit log. Invitations are in bot.services.invitations,
who is in a group in bot.services.membership.
"""

from __future__ import annotations

import logging
import time

from bot.domain.units import MINISTRY, default_registry
from bot.outgoing import Screen
from bot.services import delivery, invitations, membership
from bot.services.invitations import INVITE_PREFIX, enrol, invite, list_invites
from bot.services.invitations import cancel as cancel_invite
from bot.services.session import PressAnswer, Session, Work
from bot.services.unit_access import actor_of, not_allowed, parse_code
from bot.views import admin_answers as answers
from bot.views import membership as membership_views
from bot.views import units as views
from db.repositories import audit, deadlines, members, units
from db.repositories.units import BotChat

log = logging.getLogger(__name__)

# Named here for the handlers and other services, which reach units' administration through this module.
__all__ = [
    "INVITE_PREFIX",
    "bind",
    "cancel_invite",
    "enrol",
    "invite",
    "list_invites",
    "not_allowed",
    "parse_code",
    "revoke",
    "roster",
    "unbind",
]


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


async def bind(s: Session, code_text: str, thread_id: int | None, rights: BotChat | None) -> None:
    """/bind CODE. `rights`: the bot's status in this group, as known or just asked of Telegram by
    the adapter; the group is bound only if the bot may remove people from it."""
    t, code = s.t, parse_code(code_text)
    if rights is not None:
        await units.set_bot_chat(s.tx, s.person.chat_id, rights.status, rights.can_restrict, rights.title)
    registry = await s.registry()
    unit = registry.get(code)
    if not code:
        await s.say(answers.bind_usage(t))
        return
    if unit is None:
        await s.say(answers.no_such_unit(t, code))
        return
    actor = await s.actor()
    if not actor.can_manage(unit.code, registry):
        await s.say(Screen(not_allowed(t, unit.name(t.lang))))
        return
    if not membership.can_remove_people(rights):
        # Revoked people must leave the group, and strangers must be seen joining: both need it.
        await s.say(
            membership_views.bind_needs_rights(t, is_admin=rights is not None and rights.status == "administrator")
        )
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
        await s.say(answers.nothing_bound_here(s.t))
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
        await s.say(answers.officers_usage(s.t))
        return
    for unit in shown[:5]:
        people = await members.roster(s.tx, unit.code)
        await s.say(views.roster(s.t, unit, people, can_revoke=actor.can_manage(unit.code, registry)))


async def revoke(s: Session, member_id: int) -> PressAnswer:
    """The roster's remove button: the membership ends, the person is removed from the groups it let
    them read, and their invitations they can no longer stand behind are cancelled."""
    member = await members.get(s.tx, member_id)
    if member is None:
        return PressAnswer(answers.stale_button(s.t), alert=True)
    registry = await s.registry()
    actor = await s.actor()
    unit = registry.get(member.unit_code)
    if unit is None or not actor.can_manage(member.unit_code, registry):
        return PressAnswer(not_allowed(s.t, unit.name(s.t.lang) if unit else member.unit_code, html=False), alert=True)
    await members.revoke(s.tx, member.id, s.person.user_id)
    remaining = await actor_of(s, member.user_id)  # they may still belong to other units
    plan = await membership.remove_from_groups(s, member, remaining, registry, s.person.user_id)
    cancelled = await invitations.cancel_unbacked(s, member.user_id, remaining, registry, s.person.user_id)
    await audit.record(
        s.tx,
        s.person.user_id,
        actor.role_at(member.unit_code, registry),
        "revoke",
        member.unit_code,
        user_id=member.user_id,
        role=member.role,
        removing_from=[u.chat_id for u in plan.removing],
        by_hand=[u.chat_id for u in plan.by_hand],
        invites_cancelled=cancelled,
    )
    name = member.display_name or str(member.user_id)
    await s.say(membership_views.revoked(s.t, name, unit, plan, cancelled))
    return PressAnswer(answers.removed(s.t, name))


async def group_language(s: Session, lang: str, message_id: int) -> PressAnswer:
    registry = await s.registry()
    here = registry.in_chat(s.person.chat_id)
    actor = await s.actor()
    if not here or not any(actor.can_handle(u.code, registry) for u in here):
        return PressAnswer(answers.language_not_yours(s.t), alert=True)
    await units.set_lang(s.tx, s.person.chat_id, lang)
    await s.replace(message_id, answers.group_language_set(s.t_for(lang)))
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
    await units.move_bot_chat(w.tx, old_chat_id, new_chat_id)
    await members.move_presence(w.tx, old_chat_id, new_chat_id)
    if moved:
        await audit.record(w.tx, None, "system", "chat_migrated", None, old=old_chat_id, new=new_chat_id)
