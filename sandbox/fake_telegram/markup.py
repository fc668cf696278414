"""Validation of ``reply_markup`` the way Telegram checks it.

Returns the markup normalised to plain dicts (reply-keyboard buttons given as strings become
``{"text": ...}``).  Errors are :class:`~.errors.ApiError` 400s with Telegram's descriptions.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import bad_request

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_REPLY_BUTTON_REQUESTS = (
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)
_PRIVATE_ONLY_REPLY = {"request_contact", "request_location", "request_users", "request_chat", "web_app"}
MAX_BUTTONS = 100


def parse_markup(raw: Any) -> dict[str, Any] | None:
    """Decode a ``reply_markup`` parameter (JSON string or already-decoded dict)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return raw


def validate_markup(raw: Any, chat_type: str, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate and normalise ``reply_markup`` for a message in a chat of ``chat_type``."""
    markup = parse_markup(raw)
    if markup is None:
        return None
    kinds = [k for k in ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply") if k in markup]
    if len(kinds) != 1:
        raise bad_request("can't parse reply keyboard markup JSON object")
    kind = kinds[0]
    if inline_only and kind != "inline_keyboard":
        raise bad_request("inline keyboard expected")
    if kind == "inline_keyboard":
        return {"inline_keyboard": _inline_rows(markup["inline_keyboard"], chat_type)}
    if kind == "keyboard":
        return _reply_keyboard(markup, chat_type)
    if markup[kind] is not True:
        raise bad_request(f'field "{kind}" must be true')
    return dict(markup)


def _rows(rows: Any, name: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'Field "{name}" of the reply markup must be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return rows


def _inline_rows(rows: Any, chat_type: str) -> list[list[dict[str, Any]]]:
    result = []
    for row in _rows(rows, "inline_keyboard"):
        checked = []
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text is not specified")
            actions = [a for a in INLINE_ACTIONS if a in button]
            if not actions:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            if len(actions) > 1:
                raise bad_request("can't parse inline keyboard button: exactly one of the optional fields must be used")
            action = actions[0]
            if action == "callback_data":
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif action == "url":
                url = button["url"]
                if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
                    raise bad_request("BUTTON_URL_INVALID")
            elif action == "web_app" and chat_type != "private":
                raise bad_request("BUTTON_TYPE_INVALID")
            checked.append(dict(button))
        result.append(checked)
    return result


def _reply_keyboard(markup: dict[str, Any], chat_type: str) -> dict[str, Any]:
    keyboard = []
    for row in _rows(markup["keyboard"], "keyboard"):
        checked = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                raise bad_request("can't parse keyboard button: Text is not specified")
            requests = [r for r in _REPLY_BUTTON_REQUESTS if r in button]
            if len(requests) > 1:
                raise bad_request("can't parse keyboard button: exactly one of the optional fields must be used")
            if requests and requests[0] in _PRIVATE_ONLY_REPLY and chat_type != "private":
                raise bad_request("BUTTON_TYPE_INVALID")
            checked.append(dict(button))
        keyboard.append(checked)
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and (not isinstance(placeholder, str) or len(placeholder) > 64):
        raise bad_request("input field placeholder is too long")
    return {**markup, "keyboard": keyboard}


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Flat list of inline buttons of a markup (empty for reply keyboards or no markup)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]
