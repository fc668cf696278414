"""Telegram adapters for police units' groups.

With group privacy mode on (Telegram's default) the bot receives only commands addressed to it,
replies to its own messages, service messages and button presses; everything here works within
that: officers act with buttons, and type answers as replies to the bot's prompts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberRestricted, Update, User
from telegram.error import TelegramError
from telegram.ext import Application, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.services import handling, membership, private_only, units_admin
from bot.services.membership import BotStatus, MemberChange
from bot.services.session import Session, session, work
from bot.views import units as unit_views
from db.repositories.units import BotChat
from handlers.common import Context, incoming, person_of, services_of, thread_of

log = logging.getLogger(__name__)

GROUP = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
# Typed in a group, these only get a pointer to the private chat (bot/services/private_only.py).
PRIVATE_ONLY_COMMANDS = ("status", "overdue", "stats", "export", "reveal", "invite", "reopen")

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


def _private_only(command: str) -> Command:
    """Figures, queues, cards, charts, exports and contacts are for one person: in any group, whoever
    asks and whatever follows the command, the answer is only a pointer to the private chat."""

    async def point(s: Session, args: list[str], thread_id: int | None) -> None:
        await private_only.point(s, command, args, thread_id)

    return point


async def _officers(s: Session, args: list[str], thread_id: int | None) -> None:
    """In a group, only the people of the units bound to it: another unit's people (or, in a group
    bound to no unit, the asker's own unit) are shown in the private chat."""
    here = {u.code for u in (await s.registry()).in_chat(s.person.chat_id)}
    code = units_admin.parse_code(" ".join(args)) if args else ""
    if not here or (code and code not in here):
        await private_only.point(s, "officers", args, thread_id)
    else:
        await units_admin.roster(s, code)


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
        await membership.bot_status_changed(
            w,
            BotStatus(
                chat_id, change.chat.title, status, _can_ban(change.new_chat_member), _can_ban(change.old_chat_member)
            ),
        )
        if status in ("member", "administrator"):
            if change.old_chat_member.status not in ("member", "administrator", "restricted"):
                await units_admin.bot_joined(w, chat_id)
        elif status in ("left", "kicked"):
            await units_admin.chat_lost(w, chat_id, f"bot {status}")


def _can_ban(member: ChatMember) -> bool:
    return isinstance(member, ChatMemberAdministrator) and member.can_restrict_members


def _is_in_chat(member: ChatMember) -> bool:
    """Telegram's test of membership: a restricted user may be in the chat or not."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in ("creator", "administrator", "member")


def _name(user: User) -> str:
    """As staff know the person: "First Last (@username)"."""
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return f"{name} (@{user.username})" if user.username else name


async def on_member_change(update: Update, context: Context) -> None:
    """Someone joined or left a group the bot administers (Telegram tells only administrators)."""
    change = update.chat_member
    assert change is not None
    user, by = change.new_chat_member.user, change.from_user
    if change.chat.type not in ("group", "supergroup") or user.id == context.bot.id:
        return  # the bot's own membership arrives as my_chat_member
    async with work(services_of(context)) as w:
        await membership.member_changed(
            w,
            MemberChange(
                change.chat.id,
                user.id,
                _name(user),
                user.is_bot,
                _is_in_chat(change.old_chat_member),
                _is_in_chat(change.new_chat_member),
                by.id if by else None,
                _name(by) if by else None,
            ),
        )


async def on_bind(update: Update, context: Context) -> None:
    """/bind: the group is bound only where the bot may remove people. What the bot knows of its
    rights comes from my_chat_member updates; if that is not enough it asks Telegram, here, before
    the transaction opens (no network call inside one)."""
    message = update.effective_message
    assert message is not None
    services = services_of(context)
    rights = await membership.known_bot_chat(services, message.chat_id)
    if not membership.can_remove_people(rights):
        try:
            own = await context.bot.get_chat_member(message.chat_id, context.bot.id)
            rights = BotChat(message.chat_id, own.status, _can_ban(own), message.chat.title)
        except TelegramError as error:
            log.warning("could not read the bot's rights in chat %s: %s", message.chat_id, error)
    async with session(services, person_of(update)) as s:
        await units_admin.bind(s, " ".join(context.args or []), thread_of(message), rights)


async def on_migration(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:  # posted in the old group: it is now a supergroup with a new id
        async with work(services_of(context)) as w:
            await units_admin.chat_migrated(w, message.chat_id, message.migrate_to_chat_id)


def register(app: Application) -> None:
    commands: dict[str, Command] = {
        "unbind": lambda s, args, thread: units_admin.unbind(s, " ".join(args)),
        "invites": lambda s, args, thread: units_admin.list_invites(s, args),
        "officers": _officers,
        # An invitation link enrols whoever opens it first: never posted where others can read it.
        **{name: _private_only(name) for name in PRIVATE_ONLY_COMMANDS},
        "language": _language,
        "help": lambda s, args, thread: _help(s),
        "start": lambda s, args, thread: _help(s),
    }
    app.add_handler(CommandHandler("bind", on_bind, filters=GROUP))
    for name, action in commands.items():
        app.add_handler(CommandHandler(name, _command(action), filters=GROUP))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
    app.add_handler(MessageHandler(GROUP & filters.REPLY & ~filters.COMMAND, on_reply_to_bot))
    app.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(ChatMemberHandler(on_member_change, ChatMemberHandler.CHAT_MEMBER))


async def _help(s: Session) -> None:
    await s.say(unit_views.group_help(s.t))
