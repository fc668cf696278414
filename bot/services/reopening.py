"""/reopen NUMBER REASON: a supervisor over the unit that closed a complaint (or an administrator)
reopens it, e.g. one rejected by mistake. It goes back to that unit, which must acknowledge it again;
the citizen is told. In a private chat only (a group gets the pointer, bot/services/private_only.py).
"""

from __future__ import annotations

from bot.domain import lifecycle as lc
from bot.domain import routing, tracking
from bot.services import lifecycle, private_only
from bot.services.session import Session
from bot.views import reopening as views
from bot.views import status as status_views
from bot.views import supervision as supervision_views
from db.repositories import complaints

REASON_MIN = 5


async def reopen(s: Session, args: list[str]) -> None:
    if not private_only.is_private(s):
        await private_only.point(s, "reopen", [], None)
        return
    number, _ = tracking.parse(args[0]) if args else (None, None)
    reason = " ".join(args[1:]).strip()
    if number is None or len(reason) < REASON_MIN:
        await s.say(views.usage(s.t))
        return
    found = await complaints.by_number(s.tx, number)
    actor, registry = await s.actor(), await s.registry()
    closer = registry.get(found.unit_code or "") if found else None
    if found is None or closer is None or not actor.can_manage(closer.code, registry):
        # Outside the person's scope it answers like a number that does not exist.
        await s.say(status_views.not_found_for_staff(s.t, number) if actor.is_staff else supervision_views.refusal(s.t))
        return
    loaded = await lifecycle.load(s, found.id)
    assert loaded is not None
    by = lifecycle.by_person(s, actor.role_at(closer.code, registry))
    try:
        move = lc.reopen(loaded.case, by, routing.deliver_to(registry, closer.code), reason)
    except lc.Refused:
        await s.say(views.still_open(s.t, found))
        return
    complaint = await lifecycle.carry_out(s, loaded, move)
    unit = registry.get(complaint.unit_code or "") or closer
    await s.say(views.reopened(s.t, complaint, unit))
