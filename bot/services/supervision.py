"""Supervisors' commands: /status, /overdue, /reveal, and the daily summaries (/stats and /export
are in bot/services/reports.py).

Everything is limited to the units a supervisor oversees (their unit and everything under it;
administrators see all); officers and citizens asking get a polite refusal. These answers are for
private chats only (bot/services/private_only.py): a group gets a pointer to the private chat.
"""

from __future__ import annotations

import time
from dataclasses import replace

from bot.domain import tracking
from bot.domain.access import Actor
from bot.domain.units import MINISTRY, Level, Registry, Unit
from bot.services import private_only
from bot.services.session import Session, Work
from bot.services.units_admin import parse_code
from bot.views import reports as report_views
from bot.views import status as status_views
from bot.views import supervision as views
from db.repositories import complaints, figures, reveals
from db.repositories.figures import Scope

SUMMARY_LEVELS = (Level.DISTRICT, Level.PROVINCE, Level.MINISTRY)


def scopes(actor: Actor, registry: Registry) -> list[Unit]:
    return [u for code in actor.scopes() if (u := registry.get(code))]


async def status(s: Session, args: list[str]) -> bool:
    """/status for staff; False if the person has no scope and the caller should answer as for a
    citizen. /status alone: the whole scope; /status CODE: one unit; numbers are handled elsewhere."""
    if not private_only.is_private(s):  # never figures in a group: the adapter points to the private chat
        await private_only.point(s, "status", args, None)
        return True
    actor, registry = await s.actor(), await s.registry()
    mine = scopes(actor, registry)
    if not args:
        if not mine:
            return False
        now = time.time()
        for scope in mine[:3]:
            found = await figures.figures(s.tx, Scope.of(scope), now)
            await s.say(views.overview(s.t, scope, found, registry.units))
        return True
    unit = registry.get(parse_code(args[0]))
    if unit is None:
        return False
    if not actor.can_manage(unit.code, registry):
        await s.say(views.refusal(s.t))
        return True
    now = time.time()
    found = await figures.figures(s.tx, Scope.of(unit), now)
    items = await figures.open_items(s.tx, Scope.of(unit), now, overdue_only=False, limit=15)
    await s.say(views.unit_view(s.t, unit, found, items, registry.units, s.services.categories, now))
    return True


async def overdue(s: Session, page: int = 0, message_id: int | None = None) -> None:
    if not private_only.is_private(s):  # the list names units and numbers: never in a group
        await private_only.point(s, "overdue", [], None)
        return
    actor, registry = await s.actor(), await s.registry()
    mine = scopes(actor, registry)
    if not mine:
        await s.say(views.refusal(s.t))
        return
    scope, now = Scope.of(mine[0]), time.time()
    total = await figures.count_open(s.tx, scope, now, overdue_only=True)
    page = max(0, min(page, max(0, (total - 1) // views.OVERDUE_PAGE)))
    items = await figures.open_items(
        s.tx, scope, now, overdue_only=True, limit=views.OVERDUE_PAGE, offset=page * views.OVERDUE_PAGE
    )
    await s.replace(message_id, views.overdue_list(s.t, items, total, page, registry.units, s.services.categories, now))


def can_reveal(actor: Actor, registry: Registry) -> bool:
    """Seeing who filed a complaint: administrators and supervisors at the ministry level."""
    return actor.is_admin or MINISTRY in actor.scopes()


async def reveal(s: Session, args: list[str]) -> None:
    """/reveal NUMBER REASON: the citizen's contact, for the ministry level, in a private chat. It is
    recorded in the audit log only (who, with which role, which complaint, why), never in the
    complaint's history: units read the history, and must not learn that their citizen was looked up."""
    if not private_only.is_private(s):  # the group adapter points to the private chat; never answer here
        await private_only.point(s, "reveal", [], None)
        return
    actor, registry = await s.actor(), await s.registry()
    if not can_reveal(actor, registry):
        await s.say(views.refusal(s.t))
        return
    number, _ = tracking.parse(args[0]) if args else (None, None)
    reason = " ".join(args[1:]).strip()
    if number is None or len(reason) < 5:
        await s.say(report_views.reveal_usage(s.t))
        return
    complaint = await complaints.by_number(s.tx, number)
    if complaint is None:
        await s.say(status_views.not_found_for_staff(s.t, number))
        return
    first_name, username = await reveals.citizen_names(s.tx, complaint.id)
    await reveals.record(
        s.tx,
        s.person.user_id,
        actor.role_at(MINISTRY, registry),
        complaint.unit_code,
        complaint.tracking_no,
        s.person.display_name,
        reason,
    )
    contact = views.revealed(
        s.t, complaint.tracking_no, first_name, username, complaint.citizen_id, complaint.phone, complaint.pseudonym
    )
    # The contact is not kept in the outbox once Telegram has it (bot/services/retention.py).
    await s.queue(replace(contact.send(s.person.chat_id), ephemeral=True))


async def send_daily_summaries(w: Work) -> int:
    """To every bound district, province and ministry group: its scope's figures and oldest items."""
    registry, now, sent = await w.registry(), time.time(), 0
    for unit in registry.units.values():
        if unit.level not in SUMMARY_LEVELS or not unit.reachable:
            continue
        t = w.t_for(unit.lang)
        scope = Scope.of(unit)
        found = await figures.figures(w.tx, scope, now)
        oldest = await figures.open_items(w.tx, scope, now, overdue_only=False, limit=5)
        screen = views.daily_summary(t, unit, found, oldest, registry.units, w.services.categories, now)
        await w.queue(screen.send(unit.chat_id, priority="notify", thread_id=unit.thread_id))
        sent += 1
    return sent
