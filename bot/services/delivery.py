"""Putting a complaint in front of the police unit that must handle it: a newly filed complaint,
and those that waited for a unit's group to be connected.

Everything here runs inside the transaction of the change that caused it (filing, a chat being
bound), so the card, the copies of the evidence and the citizen's notice are in the outbox exactly
when the complaint's new state is committed (bot/services/lifecycle.py carries the moves out).
"""

from __future__ import annotations

from bot.domain import lifecycle as lc
from bot.domain import routing
from bot.domain.case import By
from bot.domain.complaint import Complaint, Status
from bot.services import lifecycle
from bot.services.session import Work
from db.repositories import complaints


async def dispatch(w: Work, complaint: Complaint, by: By) -> Complaint:
    """A newly filed complaint: to its commune's post, or the district above for complaints about
    the post itself (the category's `route`), or the nearest unit above with a reachable group."""
    registry = await w.registry()
    category = w.services.categories.get(complaint.category)
    responsible = routing.responsible_unit(registry, complaint.commune_code, category.route if category else "post")
    filed = lc.file(by)
    move = lc.then(filed, lc.route(filed.case, routing.deliver_to(registry, responsible)))
    return await lifecycle.carry_out(w, lifecycle.Loaded(complaint, filed.before), move)


async def deliver_waiting(w: Work) -> int:
    """Complaints that found no reachable unit when filed: deliver them now (a chat was bound)."""
    registry = await w.registry()
    delivered = 0
    for complaint in await complaints.waiting_for_a_unit(w.tx):
        if complaint.status != Status.SUBMITTED or not complaint.responsible_code:
            continue
        to = routing.deliver_to(registry, complaint.responsible_code)
        loaded = await lifecycle.load(w, complaint.id)
        if to.handler is None or loaded is None or loaded.case.handler is not None:
            continue
        await lifecycle.carry_out(w, loaded, lc.route(loaded.case, to, announce=True))
        delivered += 1
    return delivered
