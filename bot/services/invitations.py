"""One-time invitation links: creating them, enrolling with them, listing and cancelling them.

A link is only as good as its creator's authority: at enrolment the creator must still be an
administrator (ADMIN_IDS) or a supervisor whose scope covers the unit, and revoking a person
cancels the links they can no longer stand behind.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from bot.domain.access import Actor, Membership, Role
from bot.domain.textnorm import match_key
from bot.domain.units import Registry
from bot.outgoing import Screen
from bot.services.session import PressAnswer, Session, Work
from bot.services.unit_access import actor_of, not_allowed, parse_code
from bot.views import admin_answers as answers
from bot.views import units as views
from bot.views.admin_answers import LinkProblem
from db.repositories import audit, members

INVITE_PREFIX = "inv_"
# The role may be typed in Khmer too (/invite 120101 មន្ត្រី).
ROLE_WORDS = {match_key("មន្ត្រី"): Role.OFFICER.value, match_key("ថ្នាក់ដឹកនាំ"): Role.SUPERVISOR.value}
MAX_LISTED = 20  # buttons under one message; the rest are reached with /invites CODE


async def invite(s: Session, args: list[str]) -> None:
    t = s.t
    code = parse_code(args[0]) if args else ""
    role_text = ROLE_WORDS.get(match_key(args[1]), args[1].lower()) if len(args) > 1 else Role.OFFICER.value
    registry = await s.registry()
    unit = registry.get(code)
    if unit is None or role_text not in Role._value2member_map_:
        await s.say(answers.invite_usage(t))
        return
    actor = await s.actor()
    if not actor.can_manage(unit.code, registry):
        await s.say(Screen(not_allowed(t, unit.name(t.lang))))
        return
    token = secrets.token_urlsafe(18)  # 24 characters, within Telegram's 64-character start payload
    expires = s.services.settings.invite_ttl.after(time.time())
    await members.create_invite(
        s.tx, token, unit.code, Role(role_text), s.person.user_id, s.person.display_name, expires
    )
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


async def enrol(s: Session, token: str) -> None:
    """/start inv_<token>: the person who opens the link joins that unit with that role."""
    t = s.t
    found = await members.invite(s.tx, token)
    registry = await s.registry()
    unit = registry.get(found.unit_code) if found else None
    if found is None or unit is None:
        await s.say(answers.link_refused(t, LinkProblem.INVALID))
        return
    if found.used_by is not None:
        mine = found.used_by == s.person.user_id
        if mine and Membership(unit.code, found.role) in (await s.actor()).memberships:
            await s.say(views.enrolled(t, unit, found.role))  # opened their own link again
        else:
            await s.say(answers.link_refused(t, LinkProblem.USED))
        return
    if found.cancelled_at is not None:
        await s.say(answers.link_refused(t, LinkProblem.CANCELLED))
        return
    if found.expires_at < time.time():
        await s.say(answers.link_refused(t, LinkProblem.EXPIRED))
        return
    creator = await actor_of(s, found.created_by)
    if not creator.can_manage(unit.code, registry):
        await audit.record(
            s.tx, s.person.user_id, None, "enrol_refused", unit.code, invited_by=found.created_by, reason="creator"
        )
        await s.say(answers.link_refused(t, LinkProblem.CREATOR, unit))
        return
    if not await members.use_invite(s.tx, token, s.person.user_id):
        await s.say(answers.link_refused(t, LinkProblem.USED))
        return
    await members.enrol(s.tx, s.person.user_id, unit.code, found.role, s.person.display_name, found.created_by)
    await audit.record(s.tx, s.person.user_id, found.role, "enrol", unit.code, invited_by=found.created_by)
    await s.say(views.enrolled(t, unit, found.role))


# --- /invites -------------------------------------------------------------------------------------


def _visible(s: Session, actor: Actor, registry: Registry) -> Callable[[str], bool] | Screen:
    """Which units' invitations the person may see here, or the refusal to show."""
    if s.person.chat_id > 0:  # a private chat: the whole scope
        if not actor.scopes():
            return answers.invitations_not_for_you(s.t)
        return lambda code: actor.can_manage(code, registry)
    here = registry.in_chat(s.person.chat_id)
    if not here:
        return answers.nothing_bound_here(s.t)
    managed = [u for u in here if actor.can_manage(u.code, registry)]
    if not managed:
        return Screen(not_allowed(s.t, here[0].name(s.t.lang)))
    return lambda code: any(registry.covers(u.code, code) for u in managed)


async def _listing(s: Session, code: str = "") -> Screen:
    actor, registry = await s.actor(), await s.registry()
    visible = _visible(s, actor, registry)
    if isinstance(visible, Screen):
        return visible
    found = [
        (invite, unit)
        for invite in await members.outstanding_invites(s.tx, time.time())
        if (unit := registry.get(invite.unit_code))
        and visible(invite.unit_code)
        and (not code or registry.covers(code, invite.unit_code))
    ]
    return views.invitations(s.t, found[:MAX_LISTED], len(found) - len(found[:MAX_LISTED]))


async def list_invites(s: Session, args: list[str]) -> None:
    """/invites [CODE]: the outstanding invitations within the person's scope (in a unit's group,
    within that unit), each with a cancel button."""
    code = parse_code(args[0]) if args else ""
    if code and (await s.registry()).get(code) is None:
        await s.say(answers.no_such_unit(s.t, code))
        return
    await s.say(await _listing(s, code))


async def cancel(s: Session, invite_id: int, message_id: int) -> PressAnswer:
    """The cancel button of a listing, authorised again: the list may be old, its reader demoted."""
    found = await members.invite_by_id(s.tx, invite_id)
    if found is None:
        return PressAnswer(answers.stale_button(s.t), alert=True)
    registry, actor = await s.registry(), await s.actor()
    if not actor.can_manage(found.unit_code, registry):
        unit = registry.get(found.unit_code)
        return PressAnswer(not_allowed(s.t, unit.name(s.t.lang) if unit else found.unit_code, html=False), alert=True)
    outstanding = found.used_by is None and found.cancelled_at is None and found.expires_at > time.time()
    if outstanding and await members.cancel_invite(s.tx, found.id, s.person.user_id):
        await audit.record(
            s.tx,
            s.person.user_id,
            actor.role_at(found.unit_code, registry),
            "invite_cancelled",
            found.unit_code,
            invite_id=found.id,
            role=found.role,
            created_by=found.created_by,
        )
        answer = PressAnswer(answers.invitation_cancelled(s.t))
    else:
        answer = PressAnswer(answers.invitation_not_outstanding(s.t), alert=True)
    await s.replace(message_id, await _listing(s))
    return answer


async def cancel_unbacked(w: Work, user_id: int, remaining: Actor, registry: Registry, cancelled_by: int) -> int:
    """A person lost a membership: their unused invitations for units they may no longer manage are
    cancelled (enrolment checks the creator again anyway). Returns how many."""
    cancelled = 0
    for found in await members.outstanding_invites(w.tx, time.time(), created_by=user_id):
        if remaining.can_manage(found.unit_code, registry):
            continue
        if await members.cancel_invite(w.tx, found.id, cancelled_by):
            await audit.record(
                w.tx,
                cancelled_by,
                None,
                "invite_cancelled",
                found.unit_code,
                invite_id=found.id,
                role=found.role,
                created_by=user_id,
                reason="creator revoked",
            )
            cancelled += 1
    return cancelled
