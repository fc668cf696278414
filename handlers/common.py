"""What every Telegram adapter needs: the services, who is acting, and what they sent."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.services.handling import Incoming
from bot.services.session import Person, Services

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


def services_of(context: Context) -> Services:
    return context.application.bot_data["services"]


def person_of(update: Update) -> Person:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Person(user.id, chat.id, user.first_name, user.username, user.last_name)


def incoming(message: Message) -> Incoming:
    text = message.text if message.text is not None else message.caption
    document = message.document if message.animation is None else None  # Telegram fills both for a GIF
    return Incoming(
        message.chat_id,
        message.message_id,
        text,
        has_media=message.text is None,
        document_file_id=document.file_id if document else None,
        document_name=document.file_name if document else None,
    )


def thread_of(message: Message) -> int | None:
    """The forum topic a group message was posted in (None in the General topic or a plain group)."""
    return message.message_thread_id if message.is_topic_message else None


async def answer_query(query: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    """Stop the button's spinner. Not a message: it cannot be queued, and it expires in seconds."""
    try:
        await query.answer(text[:200] if text else None, show_alert=alert)
    except BadRequest as error:  # too old (e.g. handled after a restart): nothing left to stop
        log.info("callback answer not delivered: %s", error)
