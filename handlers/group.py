"""Telegram adapters for police units' groups.

With group privacy mode on (Telegram's default) the bot receives only commands addressed to it,
replies to its own messages, service messages and button presses; everything here works within
that: officers act with buttons, and type answers as replies to the bot's prompts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.services import handling, staff, supervision, units_admin
from bot.services.session import Session, session, work
from bot.views import supervision as supervision_views
from bot.views import units as unit_views
from handlers.common import Context, incoming, person_of, services_of, thread_of

log = logging.getLogger(__name__)

GROUP = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

Command = Callable[[Session, list[str], int | None], Awaitable[None]]


def _command(action: Command) -> Callable[[Update, Context], Awaitable[None]]:
    async def handle(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        async with session(services_of(context), person_of(update)) as s:
            await action(s, list(context.args or []), thread_of(message))

    return handle


async def _language(s: Session, args: list[str], thread_id: int | None) -> None:
    await s.say(unit_views.language_picker(s.t))


async def _status(s: Session, args: list[str], thread_id: int | None) -> None:
    if await supervision.status(s, args):
        return
    if args:
        await staff.complaint_status(s, " ".join(args))
    else:
        await s.say(supervision_views.refusal(s.t))


async def on_reply_to_bot(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages: an answer to a prompt, or a message for the citizen."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    if message.reply_to_message.from_user is None or message.reply_to_message.from_user.id != context.bot.id:
        return
    await services_of(context).settle_sends()  # the message replied to may have just been sent
    async with session(services_of(context), person_of(update)) as s:
        await handling.on_group_reply(s, incoming(message), message.reply_to_message.message_id)


async def on_my_membership(update: Update, context: Context) -> None:
    """The bot was added to or removed from a group."""
    change = update.my_chat_member
    assert change is not None
    chat_id, status = change.chat.id, change.new_chat_member.status
    if change.chat.type not in ("group", "supergroup"):
        return
    async with work(services_of(context)) as w:
        if status in ("member", "administrator"):
            if change.old_chat_member.status not in ("member", "administrator", "restricted"):
                await units_admin.bot_joined(w, chat_id)
        elif status in ("left", "kicked"):
            await units_admin.chat_lost(w, chat_id, f"bot {status}")


async def on_migration(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:  # posted in the old group: it is now a supergroup with a new id
        async with work(services_of(context)) as w:
            await units_admin.chat_migrated(w, message.chat_id, message.migrate_to_chat_id)


def register(app: Application) -> None:
    commands: dict[str, Command] = {
        "bind": lambda s, args, thread: units_admin.bind(s, " ".join(args), thread),
        "unbind": lambda s, args, thread: units_admin.unbind(s, " ".join(args)),
        "invite": lambda s, args, thread: units_admin.invite(s, args),
        "officers": lambda s, args, thread: units_admin.roster(s, " ".join(args)),
        "status": _status,
        "overdue": lambda s, args, thread: supervision.overdue(s),
        "stats": lambda s, args, thread: supervision.stats(s, args),
        "export": lambda s, args, thread: supervision.export(s, args),
        "reveal": lambda s, args, thread: supervision.reveal(s, args, private=False),
        "language": _language,
        "help": lambda s, args, thread: _help(s),
        "start": lambda s, args, thread: _help(s),
    }
    for name, action in commands.items():
        app.add_handler(CommandHandler(name, _command(action), filters=GROUP))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
    app.add_handler(MessageHandler(GROUP & filters.REPLY & ~filters.COMMAND, on_reply_to_bot))
    app.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))


async def _help(s: Session) -> None:
    await s.say(unit_views.group_help(s.t))
