"""What levels above a unit are sent about missed deadlines, gathered per chat: a few items go out
one by one, many as digests, so a burst fits Telegram's 20 messages a minute per group.

An escalation card sent on its own is recorded as one of the complaint's cards, so it is edited
when the complaint changes (bot/services/cards.py); a digest lists many complaints with a 🔎 button
each, which opens a fresh (and recorded) card.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.domain.units import Registry
from bot.outgoing import Screen
from bot.services.cards import digest
from bot.services.session import Work
from bot.views import escalation as views
from db.repositories import cards
from db.repositories.cards import Card

DIGEST_FROM = 4  # this many items or more for one chat at once: a digest instead


@dataclass
class Mailbag:
    items: dict[int, list[views.Item]] = field(default_factory=dict)

    def add(self, chat_id: int, item: views.Item) -> None:
        self.items.setdefault(chat_id, []).append(item)

    async def post(self, w: Work, registry: Registry) -> None:
        for chat_id, items in self.items.items():
            unit = next(iter(registry.in_chat(chat_id)), None)
            t = w.t_for(unit.lang if unit else None)
            thread = unit.thread_id if unit else None
            if len(items) >= DIGEST_FROM:
                for screen in views.digests(t, items):
                    await w.queue(screen.send(chat_id, priority="notify", thread_id=thread))
                continue
            for item in items:
                screen = item.single(t)
                row = await w.queue(
                    screen.send(
                        chat_id,
                        priority="notify",
                        complaint_id=item.complaint.id,
                        thread_id=thread,
                        reply_to_outbox=item.reply_to_outbox,
                    )
                )
                if item.kind == "escalated" and unit is not None:
                    await record_escalation_card(w, item, screen, row, chat_id, unit.code, thread)
        self.items.clear()


async def record_escalation_card(
    w: Work, item: views.Item, screen: Screen, outbox_id: int, chat_id: int, unit_code: str, thread_id: int | None
) -> None:
    late, kind, due = (item.late or item.handler).code, item.clock_kind, item.due_at
    card = Card(item.complaint.id, outbox_id, chat_id, thread_id, unit_code, cards.ESCALATION, late, kind, due)
    await cards.add(w.tx, replace(card, shown=digest(screen)))
