"""Who is in a unit's group: the bot's rights there, removing people who lost access, strangers.

The Bot API cannot list a group's members. Telegram reports changes instead (chat_member updates,
sent only to a bot that is an administrator of the group) and refuses what the bot may not do. So
the bot keeps what Telegram told it: its own status in each group (bot_chats), and the groups it
has seen each person in (group_presence). Removal is banChatMember then unbanChatMember through
the outbox: out of the group, free to be invited back once enrolled again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.domain.access import Actor, Role
from bot.domain.units import Registry, Unit
from bot.i18n import Translator
from bot.outgoing import Outgoing, Screen
from bot.services.session import Services, Work
from bot.services.unit_access import actor_of
from bot.views import membership as views
from bot.views.membership import RemovalPlan
from db.repositories import audit, members, units, users
from db.repositories.members import Member, Removal
from db.repositories.outbox import OutboxRow
from db.repositories.units import BotChat

log = logging.getLogger(__name__)

# Bot API chat ids: a supergroup's is -100 followed by its channel id; basic groups are above this.
_SUPERGROUP_IDS_UP_TO = -1_000_000_000_000
BAN_METHOD = "banChatMember"


def is_supergroup(chat_id: int) -> bool:
    return chat_id <= _SUPERGROUP_IDS_UP_TO


def can_remove_people(chat: BotChat | None) -> bool:
    return chat is not None and chat.status == "administrator" and chat.can_restrict


def may_try_removal(chat: BotChat | None) -> bool:
    """Nothing known (a group bound before the bot kept track, the ministry's chat from settings):
    try, and a refusal is reported like any other."""
    return chat is None or can_remove_people(chat)


async def known_bot_chat(services: Services, chat_id: int) -> BotChat | None:
    """What the bot knows of its rights in a group (read before a session opens, so that the
    adapter can ask Telegram outside any transaction when it does not know enough)."""
    async with services.db.read() as tx:
        return await units.bot_chat(tx, chat_id)


def _first_unit(found: Iterable[Unit], prefer: str | None = None) -> Unit:
    ordered = sorted(found, key=lambda u: (u.code != prefer, len(u.code), u.code))
    return ordered[0]


# --- the bot's own rights --------------------------------------------------------------------------


@dataclass(frozen=True)
class BotStatus:
    """A my_chat_member update: the bot's new status in a group."""

    chat_id: int
    title: str | None
    status: str
    can_restrict: bool
    could_restrict_before: bool


async def bot_status_changed(w: Work, change: BotStatus) -> None:
    """Keep the bot's rights; when it loses the right to remove people from a bound group, the
    group and the supervisors over its units are told (removals no longer work there)."""
    before = await units.bot_chat(w.tx, change.chat_id)
    await units.set_bot_chat(w.tx, change.chat_id, change.status, change.can_restrict, change.title)
    now = BotChat(change.chat_id, change.status, change.can_restrict, change.title)
    if change.status in ("left", "kicked") or can_remove_people(now):
        return  # removed from the group (chat_lost handles it), or nothing was lost
    if not (change.could_restrict_before or can_remove_people(before)):
        return
    bound = (await w.registry()).in_chat(change.chat_id)
    if not bound:
        return
    for unit in bound:
        await audit.record(w.tx, None, "system", "bot_demoted", unit.code, chat_id=change.chat_id, status=change.status)
    await _tell_group(w, change.chat_id, bound, lambda t: views.bot_cannot_remove(t, bound))
    await _tell_supervisors(w, bound, lambda t: views.bot_cannot_remove(t, bound))


# --- people joining and leaving --------------------------------------------------------------------


@dataclass(frozen=True)
class MemberChange:
    """A chat_member update: someone's membership of a group changed."""

    chat_id: int
    user_id: int
    name: str
    is_bot: bool
    was_in: bool
    is_in: bool
    by_user_id: int | None
    by_name: str | None


async def member_changed(w: Work, change: MemberChange) -> None:
    """Someone joined a bound group who is not enrolled in a unit bound to it (nor a supervisor
    over one, nor an administrator): the group and the supervisors are told, and under the
    "remove" policy the bot removes them."""
    await members.set_presence(w.tx, change.chat_id, change.user_id, change.is_in)
    if not change.is_in or change.was_in:
        return  # left or removed, or a change of someone already in (e.g. promoted)
    registry = await w.registry()
    bound = registry.in_chat(change.chat_id)
    if not bound:
        return
    person = await actor_of(w, change.user_id)
    if any(person.can_handle(u.code, registry) for u in bound):
        return
    unit = _first_unit(bound)
    wants_removal = w.services.policy.groups.strangers == "remove"
    removable = may_try_removal(await units.bot_chat(w.tx, change.chat_id))
    removing = wants_removal and removable
    if removing:
        await queue_removal(w, change.chat_id, change.user_id, change.name, unit.code, None, "stranger")
    await audit.record(
        w.tx,
        change.by_user_id,
        None,
        "stranger_joined",
        unit.code,
        chat_id=change.chat_id,
        user_id=change.user_id,
        name=change.name,
        is_bot=change.is_bot,
        policy=w.services.policy.groups.strangers,
        removing=removing,
    )
    added_by = change.by_name if change.by_user_id not in (None, change.user_id) else None

    def screen(t: Translator) -> Screen:
        return views.stranger(
            t,
            unit,
            change.name,
            change.user_id,
            is_bot=change.is_bot,
            added_by=added_by,
            removed=removing,
            removal_impossible=wants_removal and not removable,
        )

    await _tell_group(w, change.chat_id, bound, screen)
    await _tell_supervisors(w, bound, screen)


# --- removing people -------------------------------------------------------------------------------


async def queue_removal(
    w: Work, chat_id: int, user_id: int, name: str | None, unit_code: str, requested_by: int | None, reason: str
) -> None:
    """Ban, then unban (only_if_banned) so the person may be invited back once enrolled. Basic
    groups have no ban list (and no unbanChatMember): there the ban alone removes them."""
    row_id = await w.queue(Outgoing(chat_id, BAN_METHOD, {"user_id": user_id, "revoke_messages": False}, "notify"))
    await members.record_removal(w.tx, Removal(row_id, chat_id, user_id, name, unit_code, requested_by, reason))
    if is_supergroup(chat_id):
        await w.queue(Outgoing(chat_id, "unbanChatMember", {"user_id": user_id, "only_if_banned": True}, "notify"))


async def remove_from_groups(
    w: Work, member: Member, remaining: Actor, registry: Registry, requested_by: int
) -> RemovalPlan:
    """A membership ended: the person leaves the groups it let them read. An officer's: their
    unit's group. A supervisor's: their unit's group and the groups under it the bot saw them in.
    Not a group where they still belong to a bound unit."""
    reach = [member.unit_code]
    if member.role == Role.SUPERVISOR:
        reach += [u.code for u in registry.descendants(member.unit_code)]
    seen = await members.groups_seen_in(w.tx, member.user_id)
    chats: set[int] = set()
    for code in reach:
        unit = registry.get(code)
        if unit is not None and unit.chat_id is not None and (code == member.unit_code or unit.chat_id in seen):
            chats.add(unit.chat_id)
    rights = await units.bot_chats(w.tx, chats)
    plan = RemovalPlan()
    for chat_id in sorted(chats):
        bound = registry.in_chat(chat_id)
        shown = _first_unit(bound, prefer=member.unit_code)
        if remaining.is_admin or any(remaining.can_handle(u.code, registry) for u in bound):
            plan.staying.append(shown)
        elif may_try_removal(rights.get(chat_id)):
            await queue_removal(w, chat_id, member.user_id, member.display_name, shown.code, requested_by, "revoked")
            plan.removing.append(shown)
        else:
            plan.by_hand.append(shown)
    return plan


async def removal_refused(w: Work, row: OutboxRow, error: str) -> None:
    """Telegram refused a ban the bot queued (not enough rights, an administrator, the owner…):
    whoever asked for it, and the group, are told it must be done by hand."""
    removal = await members.removal_of(w.tx, row.id)
    if removal is None:
        return
    registry = await w.registry()
    unit = registry.get(removal.unit_code) if removal.unit_code else None
    await audit.record(
        w.tx,
        None,
        "system",
        "removal_failed",
        removal.unit_code,
        chat_id=removal.chat_id,
        user_id=removal.user_id,
        reason=removal.reason,
        error=error[:300],
    )

    def screen(t: Translator) -> Screen:
        return views.removal_refused(t, removal.display_name, removal.user_id, unit, error)

    bound = registry.in_chat(removal.chat_id)
    if bound:
        await _tell_group(w, removal.chat_id, bound, screen)
    if removal.requested_by is not None:
        lang = await users.get_lang(w.tx, removal.requested_by)
        await w.queue(screen(w.t_for(lang)).send(removal.requested_by, priority="notify"))
    elif bound:
        await _tell_supervisors(w, bound, screen)


# --- telling people --------------------------------------------------------------------------------


async def _tell_group(w: Work, chat_id: int, bound: list[Unit], screen: Callable[[Translator], Screen]) -> None:
    unit = _first_unit(bound)
    await w.queue(screen(w.t_for(unit.lang)).send(chat_id, priority="notify", thread_id=unit.thread_id))


async def _tell_supervisors(w: Work, bound: list[Unit], screen: Callable[[Translator], Screen]) -> None:
    """In their private chats: everyone enrolled as a supervisor of these units or of a unit above."""
    registry = await w.registry()
    scopes = {above.code for unit in bound for above in registry.ancestors(unit.code)}
    for user_id in await members.supervisors_of(w.tx, scopes):
        lang = await users.get_lang(w.tx, user_id)
        await w.queue(screen(w.t_for(lang)).send(user_id, priority="notify"))
