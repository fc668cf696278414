"""Asking an officer to type something (a reply, a note, a reason) in a group.

With privacy mode on, a bot in a group sees only commands and replies to its own messages, so the
bot sends a force-reply prompt and remembers what the answer is for (a `pending` row).
"""

from __future__ import annotations

from bot.domain import tracking
from bot.domain.complaint import OPEN_STATUSES, Complaint
from bot.domain.units import Unit
from bot.i18n import Translator
from bot.services.session import PressAnswer, Session
from bot.views import answers
from bot.views import card as card_views
from db.repositories import pending


def nothing_to_do(t: Translator, complaint: Complaint) -> PressAnswer:
    """The answer to a button of a complaint that is already closed (or no longer takes it)."""
    return PressAnswer(
        t(
            "Complaint %(number)s: nothing to do, its status is already “%(status)s”.",
            number=tracking.display(complaint.tracking_no, t.lang),
            status=t(card_views.CARD_STATUS[complaint.status]),
        ),
        alert=True,
    )


async def ask_to_type(
    s: Session, complaint: Complaint, unit: Unit, action: str, message_id: int, **detail: str
) -> PressAnswer:
    """Ask the officer to type (reply to a prompt): with privacy mode on, a bot in a group only
    sees commands and replies to its own messages."""
    t = s.t_for(unit.lang)
    if complaint.status not in OPEN_STATUSES:  # everything typed acts on an open complaint
        return nothing_to_do(t, complaint)
    screen = card_views.prompt(t, action, complaint, s.person.user_id, s.person.first_name or str(s.person.user_id))
    prompt_id = await s.queue(
        screen.send(
            s.person.chat_id,
            priority="notify",
            complaint_id=complaint.id,
            thread_id=unit.thread_id,
            reply_to_message=message_id,
        )
    )
    await pending.create(s.tx, s.person.chat_id, s.person.user_id, complaint.id, action, prompt_id, **detail)
    return PressAnswer(answers.reply_below(t))
