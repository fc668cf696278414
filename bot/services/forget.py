"""/forget: a citizen asks the bot to forget them.

Closed complaints are records the ministry must keep, so they are pseudonymised instead of deleted
(db/repositories/forgetting.py): they no longer carry the Telegram id, name, username or phone.
Open complaints stay linked, because the police may still need to answer: the citizen is told, and
can send /forget again once they are closed. An unfinished draft is deleted. The words of the
complaints themselves are kept as typed (they are the complaint); the bot says so plainly.
"""

from __future__ import annotations

from bot.services import screens
from bot.services.screens import Kind
from bot.services.session import Session
from bot.views import forget as views
from db.repositories import audit, drafts, forgetting, users


async def ask(s: Session) -> None:
    closed, still_open = await forgetting.counts(s.tx, s.user.user_id)
    has_draft = await drafts.get(s.tx, s.user.user_id) is not None
    await screens.show(s, None, views.confirm(s.t, closed, still_open, has_draft=has_draft), Kind.FORGET)


async def on_press(s: Session, action: str, message_id: int) -> str | None:
    # Only the live question acts: an old one's "Yes" (the chat moved on) must never forget anyone.
    stale = await screens.refuse_if_stale(s, message_id)
    if stale is not None:
        return stale
    if action != "yes":
        await screens.show(s, message_id, views.kept(s.t))
        return None
    await drafts.delete(s.tx, s.user.user_id)
    await users.set_awaiting(s.tx, s.user.user_id, None)
    forgotten = await forgetting.pseudonymise_closed(s.tx, s.user.user_id)
    await forgetting.forget_updates(s.tx, s.user.user_id)
    _, still_open = await forgetting.counts(s.tx, s.user.user_id)
    # Who asked is exactly what must not be kept: the audit row counts, it does not name.
    await audit.record(s.tx, None, "citizen", "forget", None, forgotten=forgotten, still_open=still_open)
    await screens.show(s, message_id, views.done(s.t, forgotten, still_open), Kind.RECORD)
    return None
