"""A citizen's screens: the one message of their private chat whose buttons are live.

Scrolling back on a small phone, a citizen must find nothing that looks pressable and is not. So a
citizen's chat has at most one live screen (a menu, a picker, the review, a confirmation…), recorded
in the database with the state it belongs to (db/repositories/screens.py):

- showing a new screen as a new message closes the live one (right after it: the new one is what the
  citizen waits for): its buttons are edited away, or it is edited into the answer given (an intake
  step answered by typing shows "Category: Drugs"), or, for a question left unanswered, into what
  that means ("OK, let's continue.");
- a screen edited in place after a press stays the live one while it has buttons;
- a press on any other message is answered politely and changes nothing (`refuse_if_stale`), even
  with a client that still shows old buttons or sends old data.

Messages about a complaint (the police's messages with ↩️ Answer, the 👍/👎 question) are not
screens: they belong to the complaint, not to the conversation, and their services look after them.
"""

from __future__ import annotations

import dataclasses
import enum

from bot.outgoing import Outgoing, Screen
from bot.services.session import Session
from bot.views import common as common_views
from bot.views import forget as forget_views
from bot.views import intake_notices
from db.repositories import messages
from db.repositories import screens as live_screens
from db.repositories.screens import LiveScreen


class Kind(enum.StrEnum):
    """What closing a screen means when the conversation moves on without a press on it."""

    SCREEN = "screen"  # a menu, the help, a list: its buttons go
    STEP = "step"  # an intake step's choices: shows the answer when one was typed, else its buttons go
    MATCHES = "matches"  # the places a typed name matches: like STEP, without the category shown above
    RECORD = "record"  # words to keep (the receipt, what /forget did): never edited into another screen
    CANCEL = "cancel"  # "Discard this complaint?" left unanswered: the complaint was kept
    FORGET = "forget"  # "Forget me?" left unanswered: nothing was changed


async def show(
    s: Session, message_id: int | None, screen: Screen, kind: Kind = Kind.SCREEN, *, closing: Screen | None = None
) -> None:
    """Show a citizen screen: in place of the pressed message (the live one), or as a new message
    below. A new message closes the live screen right after it (the new one is what the citizen
    waits for): into `closing` when given (the caller knows what the live one was, e.g. the answer
    typed to an intake step), else as its kind says. A screen without inline buttons leaves nothing
    live."""
    chat_id = s.person.chat_id
    if message_id is not None:
        await s.queue(screen.edit(chat_id, message_id))
        if _has_buttons(screen):
            await live_screens.set_live(s.tx, chat_id, kind, message_id=message_id)
        else:
            await live_screens.set_closed(s.tx, chat_id)
        return
    live = await live_screens.get(s.tx, chat_id)
    outbox_id = await s.say(screen)
    if live is not None and live.is_open:
        await s.queue(_closing(chat_id, live, closing or _unanswered(s, live.kind)))
    if _has_buttons(screen):
        await live_screens.set_live(s.tx, chat_id, kind, outbox_id=outbox_id)
    elif live is not None and live.is_open:
        await live_screens.set_closed(s.tx, chat_id)


async def refuse_if_stale(s: Session, message_id: int) -> str | None:
    """The polite answer to a press on a message that is not the live screen, or None to go ahead."""
    live = await live_screens.get(s.tx, s.person.chat_id)
    if live is None:  # a chat from before screens were recorded: the pressed message becomes the live one
        await live_screens.set_live(s.tx, s.person.chat_id, Kind.SCREEN, message_id=message_id)
        return None
    return None if await _is_live(s, live, message_id) else common_views.stale_button(s.t)


async def live_kind(s: Session) -> Kind | None:
    live = await live_screens.get(s.tx, s.person.chat_id)
    return Kind(live.kind) if live is not None and live.is_open else None


async def _is_live(s: Session, live: LiveScreen, message_id: int) -> bool:
    chat_id = s.person.chat_id
    if live.message_id is not None:
        return live.message_id == message_id
    if live.outbox_id is None:  # nothing is live
        return False
    # Both looked up in one statement: on PostgreSQL two statements could straddle a send-log write
    # and disagree (the press was then refused as stale).
    sent_as, pressed_row = await messages.sent_as_and_row_of(s.tx, live.outbox_id, chat_id, message_id)
    if sent_as is not None:
        return sent_as == message_id
    # Not recorded yet: sent moments ago (the send log writes every ~50 ms), or not sent yet. The
    # pressed message is that one unless it is a message recorded earlier. (Two screens sent within
    # one batch and the older pressed before it is written: faster than a person can press.)
    return pressed_row is None


def _unanswered(s: Session, kind: str) -> Screen | None:
    if kind == Kind.CANCEL:
        return intake_notices.kept(s.t)
    if kind == Kind.FORGET:
        return forget_views.unanswered(s.t)
    return None  # its words stay, without buttons


def _closing(chat_id: int, live: LiveScreen, closed: Screen | None) -> Outgoing:
    """The edit that closes the live screen: into `closed` (without buttons), or only taking its
    buttons away. A screen sent as a new message is found by its handle (its Telegram id may not be
    known yet)."""
    if closed is None:
        target = {"message_id": live.message_id} if live.message_id is not None else {"edit_of_outbox": live.outbox_id}
        return Outgoing(chat_id, "editMessageReplyMarkup", {**target, "reply_markup": {"inline_keyboard": []}})
    if live.message_id is not None:
        return closed.edit(chat_id, live.message_id)
    assert live.outbox_id is not None
    return dataclasses.replace(closed.edit_queued(chat_id, live.outbox_id), priority="reply")


def _has_buttons(screen: Screen) -> bool:
    return bool(screen.markup and any(screen.markup.get("inline_keyboard", [])))
