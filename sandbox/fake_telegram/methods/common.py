"""Shared machinery of the Bot API method implementations.

A method is a function ``(ctx, params) -> result`` (sync or async) registered with
:func:`method`.  It raises :class:`~..errors.ApiError` for any failure.  The helpers here hold the
checks Telegram applies to every message-sending call: chat access, reply target, topic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, bad_request, forbidden, migrated
from ..formatting import check_caption, check_text, format_text
from ..html import FormattedText
from ..markup import validate_markup
from ..models import ChatRecord, Message
from ..params import Params
from ..world import World

if TYPE_CHECKING:
    from .updates import Poller

MethodFn = Callable[["Context", Params], Any | Awaitable[Any]]


@dataclass
class MethodSpec:
    name: str  # canonical camelCase name
    fn: MethodFn
    produces_messages: bool  # counts against flood limits


REGISTRY: dict[str, MethodSpec] = {}


def method(name: str, *, produces_messages: bool = False) -> Callable[[MethodFn], MethodFn]:
    """Register a Bot API method implementation (method names are case-insensitive)."""

    def register(fn: MethodFn) -> MethodFn:
        REGISTRY[name.lower()] = MethodSpec(name, fn, produces_messages)
        return fn

    return register


@dataclass
class Context:
    """What method implementations may touch."""

    world: World
    poller: Poller
    callback_timeout: float = 15.0
    strict_html_entities: bool = True


# -- access checks -------------------------------------------------------------------------------
def chat_for_bot(ctx: Context, params: Params, name: str = "chat_id", *, sending: bool = True) -> ChatRecord:
    """Resolve ``chat_id`` and check the bot may act in that chat, with Telegram's errors."""
    ref = params.str(name, required=True)
    chat = ctx.world.find_chat(ref or "")
    if chat is None:
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise migrated(chat.migrated_to)
    check_bot_access(chat, sending=sending)
    return chat


def check_bot_access(chat: ChatRecord, *, sending: bool = True) -> None:
    if chat.type == "private":
        if chat.bot_status == "kicked":
            raise forbidden("bot was blocked by the user")
        if chat.bot_status != "member" and sending:
            raise forbidden("bot can't initiate conversation with a user")
        return
    if chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {chat.kind_name} chat")
    if not chat.bot_is_member:
        raise forbidden(f"bot is not a member of the {chat.kind_name} chat")


def message_in(ctx: Context, chat: ChatRecord, message_id: int | None, missing: str) -> Message:
    message = ctx.world.get_message(chat.id, message_id) if message_id is not None else None
    if message is None:
        raise bad_request(missing)
    return message


# -- message content -----------------------------------------------------------------------------
def text_param(ctx: Context, params: Params, name: str = "text") -> FormattedText:
    formatted = format_text(
        params.str(name) or "",
        params.str("parse_mode"),
        params.json("entities" if name == "text" else "caption_entities"),
        strict_html_entities=ctx.strict_html_entities,
    )
    check_text(formatted)
    return formatted


def caption_param(ctx: Context, params: Params, *, source: dict[str, Any] | None = None) -> FormattedText | None:
    """Caption of a media message (``source`` = an InputMedia dict inside ``sendMediaGroup``)."""
    values = Params(source) if source is not None else params
    if "caption" not in values:
        return None
    formatted = format_text(
        values.str("caption") or "",
        values.str("parse_mode"),
        values.json("caption_entities"),
        strict_html_entities=ctx.strict_html_entities,
    )
    check_caption(formatted)
    return formatted


def markup_param(chat: ChatRecord, params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    return validate_markup(params.raw("reply_markup"), chat.type, inline_only=inline_only)


def placement(ctx: Context, chat: ChatRecord, params: Params) -> dict[str, Any]:
    """``reply_to_message_id``/``message_thread_id`` fields for a new bot message.

    Checks ``reply_parameters`` (or legacy ``reply_to_message_id``) and ``message_thread_id`` like
    Telegram: a missing reply target fails unless ``allow_sending_without_reply``; a thread id must
    name an existing (open) forum topic, or an existing message in a non-forum chat.
    """
    reply = params.json("reply_parameters") or {}
    if not reply and "reply_to_message_id" in params:
        reply = {
            "message_id": params.int("reply_to_message_id"),
            "allow_sending_without_reply": params.bool("allow_sending_without_reply"),
        }
    reply_to = None
    if reply:
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        target_chat = chat
        if reply.get("chat_id") not in (None, chat.id, str(chat.id)):
            found = ctx.world.find_chat(reply["chat_id"])
            if found is None:
                raise bad_request("chat not found")
            target_chat = found
        target = ctx.world.get_message(target_chat.id, int(reply["message_id"]))
        if target is None:
            if not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        elif target_chat is chat:
            reply_to = target
    thread_id = params.int("message_thread_id")
    if thread_id is None and reply_to is not None and reply_to.is_topic_message:
        thread_id = reply_to.message_thread_id
    fields: dict[str, Any] = {"reply_to_message_id": reply_to.message_id if reply_to else None}
    if thread_id is None:
        return fields
    if chat.is_forum:
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        if topic.closed and not chat.bot_is_admin:
            raise bad_request("TOPIC_CLOSED")
        fields.update(message_thread_id=thread_id, is_topic_message=True)
    else:
        if ctx.world.get_message(chat.id, thread_id) is None:
            raise bad_request("message thread not found")
        fields["message_thread_id"] = thread_id
    return fields


def remember_keyboard(chat: ChatRecord, markup: dict[str, Any] | None) -> None:
    """Track the reply keyboard users of the chat currently see."""
    if markup is None:
        return
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif "remove_keyboard" in markup:
        chat.reply_keyboard = None


def send_bot_message(ctx: Context, chat: ChatRecord, params: Params, **content: Any) -> Message:
    """Store a message from the bot after the common checks; returns it."""
    markup = content.pop("reply_markup", None)
    fields = placement(ctx, chat, params)
    message = ctx.world.add_message(chat, ctx.world.bot.id, reply_markup=markup, **fields, **content)
    remember_keyboard(chat, markup)
    return message


__all__ = ["REGISTRY", "ApiError", "Context", "MethodSpec", "method"]
