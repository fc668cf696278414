"""Text messages, edits, deletions, copies, forwards, pins, reactions and callback answers."""

from __future__ import annotations

from typing import Any

from ..errors import MESSAGE_NOT_MODIFIED, QUERY_TOO_OLD, ApiError, bad_request
from ..models import ChatRecord, Message
from ..params import Params
from .common import (
    Context,
    caption_param,
    chat_for_bot,
    check_bot_access,
    markup_param,
    message_in,
    method,
    send_bot_message,
    text_param,
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@method("sendMessage", produces_messages=True)
def send_message(ctx: Context, params: Params) -> dict[str, Any]:
    chat = chat_for_bot(ctx, params)
    formatted = text_param(ctx, params)
    message = send_bot_message(
        ctx,
        chat,
        params,
        text=formatted.text,
        entities=formatted.entities,
        raw_text=params.str("text"),
        parse_mode=params.str("parse_mode"),
        reply_markup=markup_param(chat, params),
    )
    return ctx.world.message_api(message)


@method("sendLocation", produces_messages=True)
def send_location(ctx: Context, params: Params) -> dict[str, Any]:
    chat = chat_for_bot(ctx, params)
    latitude, longitude = params.float("latitude", required=True), params.float("longitude", required=True)
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    for key in ("horizontal_accuracy", "live_period", "heading"):
        if key in params:
            location[key] = params.float(key)
    message = send_bot_message(ctx, chat, params, location=location, reply_markup=markup_param(chat, params))
    return ctx.world.message_api(message)


@method("sendContact", produces_messages=True)
def send_contact(ctx: Context, params: Params) -> dict[str, Any]:
    chat = chat_for_bot(ctx, params)
    contact = {
        "phone_number": params.str("phone_number", required=True),
        "first_name": params.str("first_name", required=True),
    }
    for key in ("last_name", "vcard"):
        if key in params:
            contact[key] = params.str(key)
    message = send_bot_message(ctx, chat, params, contact=contact, reply_markup=markup_param(chat, params))
    return ctx.world.message_api(message)


# -- edits ---------------------------------------------------------------------------------------
def _edit_target(ctx: Context, params: Params) -> tuple[ChatRecord, Message]:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = chat_for_bot(ctx, params)
    message = message_in(ctx, chat, params.int("message_id", required=True), "message to edit not found")
    if not message.outgoing or message.service:
        raise bad_request("message can't be edited")
    return chat, message


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


def _apply_edit(ctx: Context, message: Message, markup: dict[str, Any] | None, **changes: Any) -> dict[str, Any]:
    unchanged = all(getattr(message, k) == v for k, v in changes.items())
    if unchanged and _inline(message.reply_markup) == markup:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    for key, value in changes.items():
        setattr(message, key, value)
    if markup is not None or _inline(message.reply_markup):
        message.reply_markup = markup
    message.edit_count += 1
    message.edit_date = ctx.world.now()
    data = ctx.world.message_api(message)
    ctx.world.emit({"type": "edit", "chat_id": message.chat_id, "message_id": message.message_id, "message": data})
    return data


@method("editMessageText", produces_messages=True)
def edit_message_text(ctx: Context, params: Params) -> dict[str, Any]:
    chat, message = _edit_target(ctx, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    formatted = text_param(ctx, params)
    markup = markup_param(chat, params, inline_only=True)
    return _apply_edit(
        ctx,
        message,
        markup,
        text=formatted.text,
        entities=formatted.entities,
        raw_text=params.str("text"),
        parse_mode=params.str("parse_mode"),
    )


@method("editMessageCaption", produces_messages=True)
def edit_message_caption(ctx: Context, params: Params) -> dict[str, Any]:
    chat, message = _edit_target(ctx, params)
    if message.media_kind is None:
        raise bad_request("there is no caption in the message to edit")
    formatted = caption_param(ctx, params)
    markup = markup_param(chat, params, inline_only=True)
    caption = formatted.text if formatted and formatted.text else None
    entities = formatted.entities if formatted and caption else []
    return _apply_edit(ctx, message, markup, caption=caption, caption_entities=entities)


@method("editMessageReplyMarkup", produces_messages=True)
def edit_message_reply_markup(ctx: Context, params: Params) -> dict[str, Any]:
    chat, message = _edit_target(ctx, params)
    return _apply_edit(ctx, message, markup_param(chat, params, inline_only=True))


# -- deletion ------------------------------------------------------------------------------------
def _delete(ctx: Context, chat: ChatRecord, message: Message) -> None:
    if not message.outgoing and chat.type != "private" and not chat.bot_is_admin:
        raise bad_request("message can't be deleted")
    message.deleted = True
    ctx.world.emit({"type": "delete", "chat_id": chat.id, "message_id": message.message_id})


@method("deleteMessage")
def delete_message(ctx: Context, params: Params) -> bool:
    chat = chat_for_bot(ctx, params)
    _delete(
        ctx,
        chat,
        message_in(ctx, chat, params.int("message_id", required=True), "message to delete not found"),
    )
    return True


@method("deleteMessages")
def delete_messages(ctx: Context, params: Params) -> bool:
    chat = chat_for_bot(ctx, params)
    ids = params.json("message_ids", required=True)
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 identifiers")
    for message_id in ids:
        message = ctx.world.get_message(chat.id, int(message_id))
        if message is not None:
            try:
                _delete(ctx, chat, message)
            except ApiError:  # Telegram silently skips what it can't delete
                continue
    return True


# -- copies and forwards -------------------------------------------------------------------------
def _source(ctx: Context, params: Params, missing: str) -> tuple[ChatRecord, list[Message]]:
    ref = params.str("from_chat_id", required=True) or ""
    chat = ctx.world.find_chat(ref)
    if chat is None:
        raise bad_request("chat not found")
    check_bot_access(chat, sending=False)
    if "message_ids" in params:
        ids = params.json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        found = [ctx.world.get_message(chat.id, int(i)) for i in ids]
        messages = [m for m in found if m is not None and not m.service]
        if not messages:
            raise bad_request(missing)
        return chat, messages
    message = message_in(ctx, chat, params.int("message_id", required=True), missing)
    if message.service:
        raise bad_request("message can't be copied")
    return chat, [message]


def _content(message: Message) -> dict[str, Any]:
    return {
        "text": message.text,
        "entities": list(message.entities),
        "caption": message.caption,
        "caption_entities": list(message.caption_entities),
        "media_kind": message.media_kind,
        "media": message.media,
        "file_id": message.file_id,
        "location": message.location,
        "contact": message.contact,
    }


def _copy(ctx: Context, params: Params, chat: ChatRecord, message: Message, *, single: bool) -> Message:
    content = _content(message)
    if single and "caption" in params and message.media_kind:
        formatted = caption_param(ctx, params)
        content.update(
            caption=formatted.text if formatted else None,
            caption_entities=formatted.entities if formatted else [],
        )
    if params.bool("remove_caption"):
        content.update(caption=None, caption_entities=[])
    markup = markup_param(chat, params) if single else None
    return send_bot_message(
        ctx, chat, params, copied_from=(message.chat_id, message.message_id), reply_markup=markup, **content
    )


def _forward(ctx: Context, params: Params, chat: ChatRecord, message: Message) -> Message:
    origin = message.forward_origin or {
        "type": "user",
        "sender_user": ctx.world.user_api(message.sender_id),
        "date": message.date,
    }
    return send_bot_message(
        ctx,
        chat,
        params,
        forward_origin=origin,
        copied_from=(message.chat_id, message.message_id),
        **_content(message),
    )


@method("copyMessage", produces_messages=True)
def copy_message(ctx: Context, params: Params) -> dict[str, Any]:
    chat = chat_for_bot(ctx, params)
    _, (message,) = _source(ctx, params, "message to copy not found")
    return {"message_id": _copy(ctx, params, chat, message, single=True).message_id}


@method("copyMessages", produces_messages=True)
def copy_messages(ctx: Context, params: Params) -> list[dict[str, Any]]:
    chat = chat_for_bot(ctx, params)
    _, messages = _source(ctx, params, "message to copy not found")
    return [{"message_id": _copy(ctx, params, chat, m, single=False).message_id} for m in messages]


@method("forwardMessage", produces_messages=True)
def forward_message(ctx: Context, params: Params) -> dict[str, Any]:
    chat = chat_for_bot(ctx, params)
    _, (message,) = _source(ctx, params, "message to forward not found")
    return ctx.world.message_api(_forward(ctx, params, chat, message))


@method("forwardMessages", produces_messages=True)
def forward_messages(ctx: Context, params: Params) -> list[dict[str, Any]]:
    chat = chat_for_bot(ctx, params)
    _, messages = _source(ctx, params, "message to forward not found")
    return [{"message_id": _forward(ctx, params, chat, m).message_id} for m in messages]


# -- chat actions, reactions, pins ---------------------------------------------------------------
@method("sendChatAction")
def send_chat_action(ctx: Context, params: Params) -> bool:
    chat = chat_for_bot(ctx, params)
    action = params.str("action", required=True)
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.world.emit(
        {
            "type": "chat_action",
            "chat_id": chat.id,
            "action": action,
            "message_thread_id": params.int("message_thread_id"),
        }
    )
    return True


@method("setMessageReaction")
def set_message_reaction(ctx: Context, params: Params) -> bool:
    chat = chat_for_bot(ctx, params)
    message = message_in(ctx, chat, params.int("message_id", required=True), "MESSAGE_ID_INVALID")
    reaction = params.json("reaction") or []
    if not isinstance(reaction, list):
        raise bad_request("can't parse reaction JSON object")
    if len(reaction) > 1:
        raise bad_request("REACTIONS_TOO_MANY")
    for item in reaction:
        if not isinstance(item, dict) or item.get("type") not in ("emoji", "custom_emoji"):
            raise bad_request("REACTION_INVALID")
        if item["type"] == "emoji" and not item.get("emoji"):
            raise bad_request("REACTION_INVALID")
    message.reactions = reaction
    ctx.world.emit({"type": "reaction", "chat_id": chat.id, "message_id": message.message_id, "reaction": reaction})
    return True


@method("pinChatMessage")
def pin_chat_message(ctx: Context, params: Params) -> bool:
    chat = chat_for_bot(ctx, params)
    message = message_in(ctx, chat, params.int("message_id", required=True), "message to pin not found")
    if chat.type != "private" and not chat.bot_is_admin:
        raise bad_request("not enough rights to manage pinned messages in the chat")
    chat.pinned.append(message.message_id)
    ctx.world.add_message(
        chat, ctx.world.bot.id, service={"pinned_message": ctx.world.message_api(message, embed_reply=False)}
    )
    return True


@method("unpinChatMessage")
def unpin_chat_message(ctx: Context, params: Params) -> bool:
    chat = chat_for_bot(ctx, params)
    if chat.type != "private" and not chat.bot_is_admin:
        raise bad_request("not enough rights to manage pinned messages in the chat")
    message_id = params.int("message_id")
    if message_id is None and chat.pinned:
        message_id = chat.pinned[-1]
    if message_id in chat.pinned:
        chat.pinned.remove(message_id)
    return True


# -- callback queries ----------------------------------------------------------------------------
@method("answerCallbackQuery")
def answer_callback_query(ctx: Context, params: Params) -> bool:
    query_id = params.str("callback_query_id", required=True) or ""
    record = ctx.world.callbacks.get(query_id)
    if record is None or record.answer is not None or ctx.world.clock() - record.created_at > ctx.callback_timeout:
        raise bad_request(QUERY_TOO_OLD)
    text = params.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answer = {
        "text": text,
        "show_alert": params.bool("show_alert"),
        "url": params.str("url"),
        "cache_time": params.int("cache_time"),
    }
    ctx.world.emit(
        {
            "type": "callback_answer",
            "callback_query_id": query_id,
            "chat_id": record.chat_id,
            "message_id": record.message_id,
            **record.answer,
        }
    )
    return True
