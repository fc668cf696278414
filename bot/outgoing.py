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


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call to make: e.g. method='sendMessage', params={'text': ..., 'reply_markup': {...}}."""

    chat_id: int
    method: str
    params: dict[str, Any]
    priority: str = "reply"  # reply: answers the chat's own message; notify: everything else
    complaint_id: int | None = None


@dataclass(frozen=True)
class Screen:
    text: str  # HTML
    markup: dict[str, Any] | None = field(default=None)

    def send(self, chat_id: int, *, priority: str = "reply", complaint_id: int | None = None) -> Outgoing:
        params: dict[str, Any] = {
            "text": self.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if self.markup is not None:
            params["reply_markup"] = self.markup
        return Outgoing(chat_id, "sendMessage", params, priority, complaint_id)

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
