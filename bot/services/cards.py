"""Every card of a complaint, kept true: the handling unit's card, former handlers' cards, and the
escalation cards of the levels above (db/repositories/cards.py records each one).

After any change, `refresh` edits each card to the complaint's new state, with only the buttons that
still apply where it is: the handling unit's card has its actions; a former handler's card says where
the complaint went; an escalation card keeps Remind / Take over / Reassign only while its level
still holds the escalation (bot.domain.lifecycle `Case.escalated_to`). A press on a card edited
meanwhile is refused by the lifecycle anyway: what is shown and what is allowed agree.
"""

from __future__ import annotations

import hashlib
import json

from bot.domain.case import Case
from bot.domain.complaint import Complaint, Status
from bot.domain.units import Registry, Unit
from bot.outgoing import Screen
from bot.services import evidence_copies
from bot.services.session import Work
from bot.views import card as card_views
from bot.views import escalation as escalation_views
from db.repositories import cards, complaints
from db.repositories.cards import Card


async def render_card(
    w: Work, complaint: Complaint, registry: Registry, unit: Unit, *, lang: str | None = None, **options: object
) -> Screen:
    """The card as `unit`'s group sees it (in `lang` instead of the group's language if given)."""
    events = await complaints.events(w.tx, complaint.id)
    evidence = await complaints.evidence(w.tx, complaint.id)
    return card_views.card(
        w.t_for(lang or unit.lang),
        complaint,
        w.services.categories,
        unit=unit,
        responsible=registry.get(complaint.responsible_code or ""),
        events=events,
        units=registry.units,
        evidence_count=len(evidence),
        spoken=[item["duration"] for item in evidence if item["account"]],
        **options,  # type: ignore[arg-type]
    )


async def send(w: Work, complaint: Complaint, registry: Registry, unit: Unit) -> int:
    """A new card in the unit's chat, with the evidence and the location pin under it."""
    assert unit.chat_id is not None
    screen = await render_card(w, complaint, registry, unit)
    card_id = await w.queue(
        screen.send(unit.chat_id, priority="notify", complaint_id=complaint.id, thread_id=unit.thread_id)
    )
    await cards.retire_cards_of(w.tx, complaint.id, unit.code)  # one live card per unit (e.g. after a reopen)
    card = Card(complaint.id, card_id, unit.chat_id, unit.thread_id, unit.code, cards.CARD, shown=digest(screen))
    await cards.add(w.tx, card)
    await complaints.set_card(w.tx, complaint.id, card_id)
    await copy_evidence(w, complaint, unit, card_id)
    return card_id


async def adopt(w: Work, complaint: Complaint, registry: Registry, level: Unit) -> int:
    """The level's escalation card becomes the complaint's card (it took the complaint over); a
    new card if the level has none (it was told in a digest)."""
    mine = [c for c in await cards.of_complaint(w.tx, complaint.id) if c.unit_code == level.code]
    escalation = next((c for c in reversed(mine) if c.role == cards.ESCALATION and c.chat_id == level.chat_id), None)
    if escalation is None:
        return await send(w, complaint, registry, level)
    await cards.make_card(w.tx, complaint.id, escalation.outbox_id)
    await complaints.set_card(w.tx, complaint.id, escalation.outbox_id)
    return escalation.outbox_id


async def refresh(w: Work, complaint: Complaint, case: Case, registry: Registry, *, skip: set[int]) -> None:
    """Edit every card of the complaint (except those just sent, in `skip`) to its current state."""
    for card in await cards.of_complaint(w.tx, complaint.id):
        if card.outbox_id in skip:
            continue
        unit = registry.get(card.unit_code)
        if unit is None or not unit.reachable or unit.chat_id != card.chat_id:
            continue  # the unit left that chat (unbound, bot removed): nobody there to tell
        screen = await _render(w, complaint, case, registry, card, unit)
        shown = digest(screen)
        if shown == card.shown:
            continue  # Telegram refuses an edit that changes nothing ("message is not modified")
        await cards.set_shown(w.tx, complaint.id, card.outbox_id, shown)
        await w.queue(screen.edit_queued(card.chat_id, card.outbox_id, complaint_id=complaint.id))


async def _render(w: Work, complaint: Complaint, case: Case, registry: Registry, card: Card, unit: Unit) -> Screen:
    handler = registry.get(complaint.unit_code or "")
    if card.role == cards.FORMER and handler is not None and handler.code == unit.code:
        return await render_card(w, complaint, registry, unit, superseded=True)
    if card.role in (cards.CARD, cards.FORMER):
        if handler is not None and handler.code == unit.code:
            return await render_card(w, complaint, registry, unit)
        moved_to = handler or registry.get(complaint.responsible_code or "")
        return await render_card(w, complaint, registry, unit, moved_to=moved_to, with_buttons=False)
    t = w.t_for(unit.lang)
    item = escalation_views.Item(
        "escalated",
        complaint,
        handler or unit,
        card.clock_kind or ("resolve" if complaint.status == Status.ACKNOWLEDGED else "acknowledge"),
        card.due_at or complaint.resolve_due_at or complaint.ack_due_at or complaint.created_at,
        late=registry.get(card.late_unit or ""),
    )
    live = case.is_open and unit.code in case.escalated_to
    return escalation_views.escalation_card(
        t, item, live=live, now=None if live else escalation_views.standing(t, complaint, handler)
    )


def digest(screen: Screen) -> str:
    """What a card shows, as Telegram compares it: its text and its buttons."""
    markup = json.dumps(screen.markup or {"inline_keyboard": []}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1((screen.text + "\x00" + markup).encode()).hexdigest()


async def copy_evidence(w: Work, complaint: Complaint, unit: Unit, reply_to: int) -> None:
    """The citizen's files and location pin under the card (bot/services/evidence_copies.py)."""
    assert unit.chat_id is not None
    await evidence_copies.send_under(
        w, complaint, lang=unit.lang, chat_id=unit.chat_id, reply_to=reply_to, thread_id=unit.thread_id
    )
