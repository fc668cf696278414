"""Messages of the fake Telegram as the browser page shows them (the JSON of sandbox/web/API.md).

Telegram clients draw a message from its text and entities, never from the sender's HTML; so does
this module: entities become tags, everything else is escaped, so a citizen's `<script>` is text.
"""

from __future__ import annotations

import html
from typing import Any

from sandbox.fake_telegram.markup import inline_buttons
from sandbox.fake_telegram.models import Message
from sandbox.fake_telegram.world import World

SNIPPET = 80
_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
    "bot_command": ('<span class="command">', "</span>"),
    "mention": ('<span class="mention">', "</span>"),
    "hashtag": ('<span class="hashtag">', "</span>"),
}
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def _link(href: str) -> tuple[str, str]:
    if not href.lower().startswith(_SAFE_SCHEMES):
        return "", ""
    return f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer">', "</a>"


def _tags(entity: dict[str, Any], covered: str) -> tuple[str, str]:
    kind = entity["type"]
    if kind == "text_link":
        return _link(entity.get("url", ""))
    if kind == "url":
        return _link(covered if "://" in covered else f"https://{covered}")
    if kind == "email":
        return _link(f"mailto:{covered}")
    return _TAGS.get(kind, ("", ""))


def entities_to_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Text with Telegram entities (offsets in UTF-16 code units) as escaped HTML."""
    units = text.encode("utf-16-le")

    def piece(start: int, end: int) -> str:
        return units[start * 2 : end * 2].decode("utf-16-le", errors="replace")

    opens: dict[int, list[tuple[int, str, str]]] = {}
    for entity in entities:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        opening, closing = _tags(entity, piece(start, end))
        if opening:
            opens.setdefault(start, []).append((end, opening, closing))
    out: list[str] = []
    stack: list[tuple[int, str, str]] = []  # open tags, innermost last
    cuts = sorted({0, len(units) // 2, *opens, *(e for items in opens.values() for e, _, _ in items)})
    for index, position in enumerate(cuts):
        # Close what ends here; anything opened inside it is closed and reopened (overlaps are rare).
        if any(end <= position for end, _, _ in stack):
            reopen = []
            while any(end <= position for end, _, _ in stack):
                end, opening, closing = stack.pop()
                out.append(closing)
                if end > position:
                    reopen.append((end, opening, closing))
            for item in reversed(reopen):
                out.append(item[1])
                stack.append(item)
        for item in sorted(opens.get(position, []), key=lambda i: -i[0]):  # the longest outermost
            out.append(item[1])
            stack.append(item)
        if index + 1 < len(cuts):
            out.append(html.escape(piece(position, cuts[index + 1]), quote=False))
    out.extend(closing for _, _, closing in reversed(stack))
    return "".join(out)


def sender_name(world: World, user_id: int) -> str:
    user = world.users.get(user_id)
    if user is None:
        return "?"
    return " ".join(part for part in (user.first_name, user.last_name) if part)


def snippet(message: Message) -> str:
    if message.plain_text:
        text = " ".join(message.plain_text.split())
        return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
    if message.media_kind:
        return {"photo": "🖼", "document": "📎", "voice": "🎤", "video": "🎬", "sticker": "🙂"}.get(
            message.media_kind, "📎"
        )
    if message.location:
        return "📍"
    if message.contact:
        return "📱"
    return ""


def _media(world: World, message: Message) -> dict[str, Any] | None:
    if message.location:
        return {
            "kind": "location",
            "latitude": message.location["latitude"],
            "longitude": message.location["longitude"],
        }
    if message.contact:
        contact = message.contact
        name = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
        return {"kind": "contact", "phone": contact.get("phone_number"), "contact_name": name}
    if not message.media_kind or not message.file_id:
        return None
    stored = world.files.get(message.file_id)
    found: dict[str, Any] = {
        "kind": message.media_kind,
        "url": f"/api/files/{message.file_id}",
        "file_name": stored.file_name if stored else None,
        "mime_type": stored.mime_type if stored else None,
        "size": stored.file_size if stored else None,
        "duration": message.media.get("duration") if isinstance(message.media, dict) else None,
    }
    if message.media_kind == "sticker" and isinstance(message.media, dict):
        found["emoji"] = message.media.get("emoji")
    return found


def _service(world: World, service: dict[str, Any]) -> dict[str, str]:
    """What a service message says, for the page to word in its language (`service_<event>`)."""
    if "new_chat_members" in service:
        return {"event": "joined", "name": ", ".join(sender_name(world, m["id"]) for m in service["new_chat_members"])}
    if "left_chat_member" in service:
        return {"event": "left", "name": sender_name(world, service["left_chat_member"]["id"])}
    if "new_chat_title" in service:
        return {"event": "renamed", "name": service["new_chat_title"]}
    if "migrate_to_chat_id" in service or "migrate_from_chat_id" in service:
        return {"event": "upgraded", "name": ""}
    return {"event": "other", "name": ""}


def message_json(world: World, message: Message) -> dict[str, Any]:
    markup = message.reply_markup or {}
    rows = markup.get("inline_keyboard") or []
    reply = world.get_message(message.chat_id, message.reply_to_message_id) if message.reply_to_message_id else None
    text = message.text if message.text is not None else message.caption
    entities = message.entities if message.text is not None else message.caption_entities
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "date": message.date,
        "from": {
            "id": message.sender_id,
            "name": sender_name(world, message.sender_id),
            "is_bot": bool(world.users.get(message.sender_id) and world.users[message.sender_id].is_bot),
        },
        "outgoing": message.outgoing,
        "html": entities_to_html(text, entities) if text else "",
        "media": _media(world, message),
        "reply_to": (
            {
                "message_id": reply.message_id,
                "from_name": sender_name(world, reply.sender_id),
                "snippet": snippet(reply),
            }
            if reply
            else None
        ),
        "buttons": (
            [[{"text": b["text"], "data": b.get("callback_data"), "url": b.get("url")} for b in row] for row in rows]
            if rows and inline_buttons(markup)
            else None
        ),
        "force_reply": bool(markup.get("force_reply")),
        "placeholder": markup.get("input_field_placeholder"),
        "edited": message.edit_count > 0,
        "service": _service(world, message.service) if message.service else None,
    }


def reply_keyboard_json(keyboard: dict[str, Any] | None) -> dict[str, Any] | None:
    if not keyboard or "keyboard" not in keyboard:
        return None
    return {
        "rows": [
            [
                {
                    "text": b["text"] if isinstance(b, dict) else str(b),
                    "request_contact": bool(isinstance(b, dict) and b.get("request_contact")),
                    "request_location": bool(isinstance(b, dict) and b.get("request_location")),
                }
                for b in row
            ]
            for row in keyboard["keyboard"]
        ],
        "one_time": bool(keyboard.get("one_time_keyboard")),
        "placeholder": keyboard.get("input_field_placeholder"),
    }
