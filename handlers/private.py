"""Telegram adapters for private chats: citizens, and staff using their own commands.

Each handler reads what it needs from the update, opens one Session (one transaction) and calls
a service. Answers are queued in the outbox by the services.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.domain.intake import Evidence
from bot.services import citizen, forget, handling, intake, private_only, reopening, reports, supervision, units_admin
from bot.services.session import Person, Services, Session, session
from handlers.common import Context, incoming, person_of, services_of

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

Command = Callable[[Session, list[str]], Awaitable[None]]


def _command(action: Command) -> Callable[[Update, Context], Awaitable[None]]:
    async def handle(update: Update, context: Context) -> None:
        async with session(services_of(context), person_of(update)) as s:
            await action(s, list(context.args or []))

    return handle


async def _start(s: Session, args: list[str]) -> None:
    if args and args[0].startswith(units_admin.INVITE_PREFIX):  # t.me/<bot>?start=inv_… : an invitation
        await units_admin.enrol(s, args[0].removeprefix(units_admin.INVITE_PREFIX))
    else:
        await citizen.start(s)


async def _status(s: Session, args: list[str]) -> None:
    """/status: a supervisor's scope or unit; otherwise a complaint by its number."""
    if await supervision.status(s, args):
        return
    if args:
        await citizen.lookup(s, " ".join(args))
    else:
        await citizen.ask_number(s)


Report = Callable[[Services, Person, list[str]], Awaitable[None]]

# Staff commands: answered in the private chat only (a group gets a pointer back here, whose deep
# link runs the same command: bot/services/private_only.py).
STAFF_COMMANDS: dict[str, Command] = {
    "status": _status,
    "officers": lambda s, args: units_admin.roster(s, " ".join(args)),
    "invite": units_admin.invite,
    "overdue": lambda s, args: supervision.overdue(s),
    "reveal": supervision.reveal,
    "reopen": reopening.reopen,
}
# Read in a snapshot, drawn or written outside the database lock, then stored in one short write.
REPORTS: dict[str, Report] = {"stats": reports.stats, "export": reports.export}


def _report(report: Report) -> Callable[[Update, Context], Awaitable[None]]:
    async def handle(update: Update, context: Context) -> None:
        await report(services_of(context), person_of(update), list(context.args or []))

    return handle


async def on_start(update: Update, context: Context) -> None:
    """/start, also from a deep link: an invitation, or a staff command asked for in a group. Its
    payload is parsed strictly, and the command then checks who is asking, as if it were typed."""
    args = list(context.args or [])
    asked = private_only.parse_payload(args[0]) if args else None
    if asked is not None and asked.command in REPORTS:
        await REPORTS[asked.command](services_of(context), person_of(update), list(asked.args))
        return
    async with session(services_of(context), person_of(update)) as s:
        if asked is not None:
            await STAFF_COMMANDS[asked.command](s, list(asked.args))
        else:
            await _start(s, args)


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
        file_size=media.file_size,
        mime_type=getattr(media, "mime_type", None),
        duration=_seconds(getattr(media, "duration", None)),
    )


def _seconds(duration: object) -> int | None:
    """PTB gives durations as timedelta (or int seconds, depending on PTB_TIMEDELTA)."""
    if duration is None:
        return None
    return int(duration.total_seconds()) if hasattr(duration, "total_seconds") else int(duration)


async def _answer_to_police(s: Session, message: Message) -> bool:
    """A reply to one of the bot's messages about a complaint, or the answer after ↩️ Answer."""
    replied = message.reply_to_message
    target = await handling.citizen_answer_target(s, replied.message_id if replied else None)
    if target is None:
        return False
    await handling.relay_from_citizen(s, target, incoming(message))
    return True


async def _settle_if_reply(message: Message, context: Context) -> None:
    """A reply to one of the bot's messages: make sure that message's Telegram id is recorded."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        await services_of(context).settle_sends()


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await _settle_if_reply(message, context)
    services, person = services_of(context), person_of(update)
    await intake.match_place_first(services, person.user_id, message.text)  # CPU work, before the lock
    async with session(services, person) as s:
        if not await _answer_to_police(s, message):
            await citizen.on_text(s, message.text)


async def on_media(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    item = evidence_of(message)
    await _settle_if_reply(message, context)
    async with session(services_of(context), person_of(update)) as s:
        if await _answer_to_police(s, message):
            return
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
    assert set(private_only.ARGUMENT_SHAPES) == set(STAFF_COMMANDS) | set(REPORTS)  # every link has a command
    commands: dict[str, Command] = {
        "new": lambda s, args: intake.start(s),
        "mycomplaints": lambda s, args: citizen.my_complaints(s, 0, None),
        "help": lambda s, args: citizen.show_help(s),
        "cancel": lambda s, args: intake.ask_cancel(s),
        "forget": lambda s, args: forget.ask(s),
        "language": lambda s, args: citizen.ask_language(s),
        "invites": units_admin.list_invites,
        **STAFF_COMMANDS,
    }
    app.add_handler(CommandHandler("start", on_start, filters=PRIVATE))
    for name, action in commands.items():
        app.add_handler(CommandHandler(name, _command(action), filters=PRIVATE))
    for name, report in REPORTS.items():
        app.add_handler(CommandHandler(name, _report(report), filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, on_unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, on_text))
    media = filters.PHOTO | filters.VIDEO | filters.VOICE | filters.AUDIO | filters.Document.ALL
    app.add_handler(MessageHandler(PRIVATE & (media | filters.VIDEO_NOTE | filters.ANIMATION), on_media))
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, on_location))
    app.add_handler(MessageHandler(PRIVATE & filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(PRIVATE & filters.Sticker.ALL, on_sticker))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_edited))
    app.add_handler(MessageHandler(PRIVATE, on_other))
