"""Telegram adapters for a citizen's private chat with the bot.

Each handler reads what it needs from the update, opens one Session (one transaction) and calls
a service. Answers are queued in the outbox by the services; only the callback-query answer (the
end of the button's spinner, not a message) is sent from here, after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.domain.intake import Evidence
from bot.services import citizen, intake
from bot.services.session import Person, Services, Session, session

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

Context = ContextTypes.DEFAULT_TYPE


def services_of(context: Context) -> Services:
    return context.application.bot_data["services"]


def person_of(update: Update) -> Person:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Person(user.id, chat.id, user.first_name, user.username)


def _command(action: Callable[[Session, list[str]], Awaitable[None]]) -> Callable[[Update, Context], Awaitable[None]]:
    async def handle(update: Update, context: Context) -> None:
        async with session(services_of(context), person_of(update)) as s:
            await action(s, list(context.args or []))

    return handle


async def _status(s: Session, args: list[str]) -> None:
    if args:
        await citizen.lookup(s, " ".join(args))
    else:
        await citizen.ask_number(s)


async def on_press(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    press = callbacks.decode(query.data)
    message_id = query.message.message_id if query.message else None
    answer: str | None = None
    async with session(services_of(context), person_of(update)) as s:
        if press is None or message_id is None:
            answer = await citizen.stale_press(s)
        elif press.kind == "lang":
            answer = await citizen.choose_language(s, press.action, message_id)
        elif press.kind == "menu":
            answer = await citizen.on_menu(s, press, message_id)
        elif press.kind == "intake":
            answer = await intake.on_press(s, press, message_id)
        elif press.kind == "mine":
            await citizen.my_complaints(s, int(press.action), message_id)
        elif press.kind == "show":
            await citizen.show_complaint(s, press.action, message_id)
    await answer_query(query, answer)


async def answer_query(query: CallbackQuery, text: str | None) -> None:
    """Stop the button's spinner. Not a message: it cannot be queued, and it expires in seconds."""
    try:
        await query.answer(text[:200] if text else None)
    except BadRequest as error:  # too old (e.g. handled after a restart): nothing left to stop
        log.info("callback answer not delivered: %s", error)


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    async with session(services_of(context), person_of(update)) as s:
        await citizen.on_text(s, message.text)


def evidence_of(message: Message) -> Evidence | None:
    """The file a message carries, if it is a kind citizens may attach as evidence."""
    if message.photo:
        kind, media = "photo", message.photo[-1]  # the largest size
    else:
        # Animations first: Telegram also fills `document` for them.
        kinds = ("animation", "video", "voice", "audio", "video_note", "document")
        kind, media = next(((k, getattr(message, k)) for k in kinds if getattr(message, k)), ("", None))
    if media is None:
        return None
    return Evidence(
        kind=kind,
        file_id=media.file_id,
        file_unique_id=media.file_unique_id,
        message_id=message.message_id,
        caption=message.caption,
        file_name=getattr(media, "file_name", None),
    )


async def on_media(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    item = evidence_of(message)
    async with session(services_of(context), person_of(update)) as s:
        if item is None:
            await citizen.unsupported(s, "other")
        elif not await intake.on_media(s, item, message.media_group_id):
            await citizen.not_in_intake(s, "media")


async def on_location(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    location = message.location
    async with session(services_of(context), person_of(update)) as s:
        if not await intake.on_location(s, location.latitude, location.longitude):
            await citizen.not_in_intake(s, "location")


async def on_contact(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None
    contact = message.contact
    async with session(services_of(context), person_of(update)) as s:
        if not await intake.on_contact(s, contact.phone_number, contact.user_id):
            await citizen.not_in_intake(s, "contact")


async def on_sticker(update: Update, context: Context) -> None:
    async with session(services_of(context), person_of(update)) as s:
        await citizen.unsupported(s, "sticker")


async def on_other(update: Update, context: Context) -> None:
    async with session(services_of(context), person_of(update)) as s:
        await citizen.unsupported(s, "other")


async def on_edited(update: Update, context: Context) -> None:
    async with session(services_of(context), person_of(update)) as s:
        await s.say(citizen.edit_notice(s))


async def on_unknown_command(update: Update, context: Context) -> None:
    async with session(services_of(context), person_of(update)) as s:
        await citizen.unknown_command(s)


def register(app: Application) -> None:
    commands: dict[str, Callable[[Session, list[str]], Awaitable[None]]] = {
        "start": lambda s, args: citizen.start(s),
        "new": lambda s, args: intake.start(s),
        "status": _status,
        "mycomplaints": lambda s, args: citizen.my_complaints(s, 0, None),
        "help": lambda s, args: citizen.show_help(s),
        "cancel": lambda s, args: intake.ask_cancel(s),
        "language": lambda s, args: citizen.ask_language(s),
    }
    for name, action in commands.items():
        app.add_handler(CommandHandler(name, _command(action), filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, on_unknown_command))
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, on_text))
    media = filters.PHOTO | filters.VIDEO | filters.VOICE | filters.AUDIO | filters.Document.ALL
    app.add_handler(MessageHandler(PRIVATE & (media | filters.VIDEO_NOTE | filters.ANIMATION), on_media))
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, on_location))
    app.add_handler(MessageHandler(PRIVATE & filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(PRIVATE & filters.Sticker.ALL, on_sticker))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_edited))
    app.add_handler(MessageHandler(PRIVATE, on_other))
