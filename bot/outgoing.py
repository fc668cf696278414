"""What the bot says, as plain data: Bot API calls waiting in the outbox.

Views build `Screen`s (HTML text plus a keyboard); services turn them into `Outgoing` calls and
store those in the same transaction as the state change they announce. Nothing here talks to
Telegram; the outbox sender does.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from bot.domain.textnorm import contain_bidi


def user_text(text: str) -> str:
    """Citizen- or officer-typed text, safe inside an HTML message: escaped, bidi contained."""
    return html.escape(contain_bidi(text), quote=False)


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None  # inline buttons
    request_contact: bool = False  # reply-keyboard buttons (private chats only)
    request_location: bool = False

    def inline(self) -> dict[str, Any]:
        assert self.data is not None
        return {"text": self.text, "callback_data": self.data}

    def reply(self) -> dict[str, Any]:
        button: dict[str, Any] = {"text": self.text}
        if self.request_contact:
            button["request_contact"] = True
        if self.request_location:
            button["request_location"] = True
        return button


def inline_keyboard(rows: list[list[Button]]) -> dict[str, Any]:
    return {"inline_keyboard": [[b.inline() for b in row] for row in rows if row]}


def reply_keyboard(rows: list[list[Button]], placeholder: str | None = None) -> dict[str, Any]:
    markup: dict[str, Any] = {"keyboard": [[b.reply() for b in row] for row in rows if row], "resize_keyboard": True}
    if placeholder:
        markup["input_field_placeholder"] = placeholder[:64]
    return markup


REMOVE_KEYBOARD: dict[str, Any] = {"remove_keyboard": True}

# A message passed on between citizen and police says so in its params, for the sender (which strips
# it before calling Telegram) and its failure hook: {"to": "police" | "citizen", "chat": ..., "message":
# ..., "thread": ...}, the chat, message and forum topic it was written in.
RELAY = "relay"
# A message about no complaint that must not wait behind the chat's other such messages (the sender's
# fair queuing gives it a lane of its own; stripped before calling Telegram), e.g. the flood notice.
OWN_LANE = "own_lane"


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call to make: e.g. method='sendMessage', params={'text': ..., 'reply_markup': {...}}."""

    chat_id: int
    method: str
    params: dict[str, Any]
    priority: str = "reply"  # reply: answers the chat's own message; notify: everything else
    complaint_id: int | None = None
    ephemeral: bool = False  # its text is wiped once sent (e.g. a citizen's contact for /reveal)


@dataclass(frozen=True)
class Screen:
    text: str  # HTML
    markup: dict[str, Any] | None = field(default=None)

    def send(
        self,
        chat_id: int,
        *,
        priority: str = "reply",
        complaint_id: int | None = None,
        thread_id: int | None = None,
        reply_to_outbox: int | None = None,
        reply_to_message: int | None = None,
    ) -> Outgoing:
        """A new message. `reply_to_outbox` threads it under a message queued earlier in the same
        chat (its Telegram id is known only once sent); `thread_id` is a forum topic."""
        params: dict[str, Any] = {
            "text": self.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if self.markup is not None:
            params["reply_markup"] = self.markup
        return Outgoing(
            chat_id,
            "sendMessage",
            threaded(params, thread_id, reply_to_outbox, reply_to_message),
            priority,
            complaint_id,
        )

    def edit(self, chat_id: int, message_id: int) -> Outgoing:
        """Replace an earlier message of the bot in place (inline keyboards only)."""
        params: dict[str, Any] = {
            "message_id": message_id,
            "text": self.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
            "reply_markup": self.markup or {"inline_keyboard": []},
        }
        return Outgoing(chat_id, "editMessageText", params)

    def edit_queued(self, chat_id: int, outbox_id: int, *, complaint_id: int | None = None) -> Outgoing:
        """Replace a message the bot queued earlier (e.g. a complaint's card) in place."""
        params: dict[str, Any] = {
            "edit_of_outbox": outbox_id,
            "text": self.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
            "reply_markup": self.markup or {"inline_keyboard": []},
        }
        return Outgoing(chat_id, "editMessageText", params, "notify", complaint_id)


def threaded(
    params: dict[str, Any], thread_id: int | None, reply_to_outbox: int | None, reply_to_message: int | None = None
) -> dict[str, Any]:
    if thread_id is not None:
        params["message_thread_id"] = thread_id
    if reply_to_outbox is not None:
        params["reply_to_outbox"] = reply_to_outbox
    if reply_to_message is not None:
        params["reply_parameters"] = {"message_id": reply_to_message, "allow_sending_without_reply": True}
    return params


def copy(
    to_chat: int,
    from_chat: int,
    message_id: int,
    *,
    complaint_id: int | None,
    caption: str | None = None,
    thread_id: int | None = None,
    reply_to_outbox: int | None = None,
    markup: dict[str, Any] | None = None,
    priority: str = "notify",
) -> Outgoing:
    """Copy a message (no "forwarded from" header: the sender stays unnamed)."""
    params: dict[str, Any] = {"from_chat_id": from_chat, "message_id": message_id}
    if caption is not None:
        params.update(caption=caption, parse_mode="HTML")
    if markup is not None:
        params["reply_markup"] = markup
    return Outgoing(to_chat, "copyMessage", threaded(params, thread_id, reply_to_outbox), priority, complaint_id)
