"""Putting a complaint in front of the police unit that must handle it.

Everything here runs inside the transaction of the change that caused it (filing, a transfer, a
chat being bound), so the card, the copies of the evidence and the citizen's notice are in the
outbox exactly when the complaint's new state is committed.
"""

from __future__ import annotations

from bot import evidence_upload
from bot.domain import evidence_files, routing
from bot.domain.complaint import Complaint, Status
from bot.domain.units import Level, Registry, Unit
from bot.outgoing import Outgoing, Screen, copy, threaded
from bot.services import clocks
from bot.services.session import Work
from bot.views import card as card_views
from bot.views import evidence as evidence_views
from bot.views import notices
from db.repositories import complaints, users


async def citizen_lang(w: Work, complaint: Complaint) -> str:
    """The language the citizen uses now (they may have switched since filing)."""
    return await users.get_lang(w.tx, complaint.citizen_id) or complaint.lang


async def tell_citizen(w: Work, complaint: Complaint, screen: Screen) -> int:
    return await w.queue(screen.send(complaint.citizen_id, priority="notify", complaint_id=complaint.id))


async def dispatch(w: Work, complaint: Complaint) -> Complaint:
    """Route a newly filed complaint to its unit (its post, or the district for complaints about
    the post) and deliver it there."""
    registry = await w.registry()
    category = w.services.categories.get(complaint.category)
    responsible = routing.responsible_unit(registry, complaint.commune_code, category.route if category else "post")
    return await deliver(w, complaint, responsible, registry)


async def deliver(w: Work, complaint: Complaint, responsible: str, registry: Registry) -> Complaint:
    """Assign the complaint to `responsible` (or the nearest reachable unit above it) and send the
    card there; the citizen is told who received it."""
    route = routing.deliver_to(registry, responsible)
    above = {u.level: u.code for u in registry.ancestors(route.handler)} if route.handler else {}
    await complaints.assign(
        w.tx,
        complaint.id,
        route.handler,
        responsible,
        district=above.get(Level.DISTRICT),
        province=above.get(Level.PROVINCE),
    )
    if route.handler is None:  # no unit up to the ministry has a chat yet: delivered once one is bound
        await clocks.stop(w, complaint)
        await complaints.add_event(w.tx, complaint.id, "system", None, "waiting", None, None)
        return await _reload(w, complaint)
    unit = registry.get(route.handler)
    assert unit is not None
    await clocks.start(w, await _reload(w, complaint), clocks.ACKNOWLEDGE)
    await complaints.add_event(
        w.tx,
        complaint.id,
        "system",
        None,
        "routed",
        None,
        None,
        unit_code=unit.code,
        detail={"unit": unit.code, "responsible": responsible, "skipped": list(route.skipped)},
    )
    complaint = await _reload(w, complaint)
    card_id = await w.queue(
        (await render_card(w, complaint, registry, unit)).send(
            unit.chat_id, priority="notify", complaint_id=complaint.id, thread_id=unit.thread_id
        )
    )
    await complaints.set_card(w.tx, complaint.id, card_id)
    await _copy_evidence(w, complaint, unit, card_id)
    return await _reload(w, complaint)


async def _copy_evidence(w: Work, complaint: Complaint, unit: Unit, card_id: int) -> None:
    """The citizen's photos, videos, voice notes and documents, right under the card, then the
    location pin. Media is copied (a copy names no sender; Telegram strips a photo's EXIF); a
    document is re-sent, downloaded and cleaned by the sender (bot.evidence_upload), because its
    bytes and name reach the post exactly as the citizen's phone made them. Every item carries the
    bot's caption: the citizen's own caption and its entities never pass unescaped."""
    assert unit.chat_id is not None
    t = w.t_for(unit.lang)
    items = await complaints.evidence(w.tx, complaint.id)
    for position, item in enumerate(items, start=1):
        caption = evidence_views.caption(t, position, len(items), complaint.tracking_no, item["caption"])
        if item["kind"] == "document":
            document = evidence_upload.document(
                item["file_id"],
                position,
                evidence_files.claimed_extension(item["file_name"], None),
                evidence_views.withheld(t, position, len(items), complaint.tracking_no),
            )
            params = threaded({"document": document, "caption": caption, "parse_mode": "HTML"}, unit.thread_id, card_id)
            await w.queue(Outgoing(unit.chat_id, "sendDocument", params, "notify", complaint.id))
            continue
        await w.queue(
            copy(
                unit.chat_id,
                complaint.citizen_id,
                item["message_id"],
                complaint_id=complaint.id,
                # A video message cannot have a caption (and the citizen could not give it one).
                caption=None if item["kind"] == "video_note" else caption,
                thread_id=unit.thread_id,
                reply_to_outbox=card_id,
            )
        )
    if complaint.latitude is not None and complaint.longitude is not None:
        params = {"latitude": complaint.latitude, "longitude": complaint.longitude, "reply_to_outbox": card_id}
        if unit.thread_id is not None:
            params["message_thread_id"] = unit.thread_id
        await w.queue(Outgoing(unit.chat_id, "sendLocation", params, "notify", complaint.id))


async def render_card(
    w: Work, complaint: Complaint, registry: Registry, unit: Unit, *, lang: str | None = None, **options: object
) -> Screen:
    """The card as `unit`'s group sees it (in `lang` instead of the group's language if given)."""
    events = await complaints.events(w.tx, complaint.id)
    return card_views.card(
        w.t_for(lang or unit.lang),
        complaint,
        w.services.categories,
        unit=unit,
        responsible=registry.get(complaint.responsible_code or ""),
        events=events,
        units=registry.units,
        evidence_count=await complaints.evidence_count(w.tx, complaint.id),
        **options,  # type: ignore[arg-type]
    )


async def refresh_card(w: Work, complaint: Complaint, *, moved_to: Unit | None = None) -> None:
    """Edit the card in place after a change: status line, who did what, buttons."""
    registry = await w.registry()
    unit = registry.get(complaint.unit_code or "")
    if unit is None or unit.chat_id is None or complaint.card_outbox_id is None:
        return
    screen = await render_card(w, complaint, registry, unit, moved_to=moved_to)
    await w.queue(screen.edit_queued(unit.chat_id, complaint.card_outbox_id, complaint_id=complaint.id))


async def deliver_waiting(w: Work) -> int:
    """Complaints that found no reachable unit when filed: deliver them now (a chat was bound)."""
    registry = await w.registry()
    delivered = 0
    for complaint in await complaints.waiting_for_a_unit(w.tx):
        if complaint.status != Status.SUBMITTED or not complaint.responsible_code:
            continue
        if routing.deliver_to(registry, complaint.responsible_code).handler is None:
            continue
        complaint = await deliver(w, complaint, complaint.responsible_code, registry)
        unit = registry.get(complaint.unit_code or "")
        if unit:
            lang = await citizen_lang(w, complaint)
            await tell_citizen(w, complaint, notices.routed(w.t_for(lang), complaint, unit))
        delivered += 1
    return delivered


async def _reload(w: Work, complaint: Complaint) -> Complaint:
    fresh = await complaints.get(w.tx, complaint.id)
    assert fresh is not None
    return fresh
