"""Looking up complaints as police staff: only within the units one belongs to or supervises."""

from __future__ import annotations

from bot.domain import tracking
from bot.services import cards, evidence_copies, private_only, supervision
from bot.services.session import Session
from bot.views import status as status_views
from bot.views import supervision as supervision_views
from db.repositories import complaints, reveals


async def is_staff(s: Session) -> bool:
    return (await s.actor()).is_staff


async def complaint_status(s: Session, typed: str) -> None:
    """/status <number> for officers and supervisors, in their private chat: the complaint as its card
    shows it, with its whole history, and its evidence under it. Numbers outside the person's scope
    answer like numbers that do not exist."""
    if not private_only.is_private(s):  # the card may carry a shared phone: never in a group
        await private_only.point(s, "status", typed.split(), None)
        return
    number, problem = tracking.parse(typed)
    if number is None:
        await s.say(status_views.bad_number(s.t, problem or tracking.TrackingInput.NOT_A_NUMBER))
        return
    complaint = await complaints.by_number(s.tx, number)
    registry = await s.registry()
    actor = await s.actor()
    unit_code = complaint.unit_code or complaint.responsible_code if complaint else None
    if complaint is None or unit_code is None or not actor.can_handle(unit_code, registry):
        await s.say(status_views.not_found_for_staff(s.t, number))
        return
    unit = registry.get(unit_code)
    assert unit is not None
    detail = await cards.render_card(s, complaint, registry, unit, lang=s.t.lang, history_size=20, with_buttons=False)
    answer = await s.say(detail)
    # What the card announces ("📎 2 attachments below", "📍 location below") follows it, as under the
    # card, cleaned the same way; in this private chat only (checked above).
    await evidence_copies.send_under(
        s, complaint, lang=s.t.lang, chat_id=s.person.chat_id, reply_to=answer, priority="reply"
    )
    # Look-ups of the citizen's contact are in the audit log only; those who may reveal see them here.
    if supervision.can_reveal(actor, registry):
        found = await reveals.of_complaint(s.tx, complaint.tracking_no)
        if found:
            await s.say(supervision_views.reveals(s.t, complaint.tracking_no, found))
