"""Chat information, membership and forum topics."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..models import ChatRecord, Topic
from ..params import Params
from .common import Context, chat_for_bot, method

_GIFT_TYPES = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


def _known_chat(ctx: Context, params: Params) -> ChatRecord:
    """Chat lookups: groups need the bot as a member, private chats only need to exist."""
    chat = ctx.world.find_chat(params.str("chat_id", required=True) or "")
    if chat is None or (chat.type == "private" and chat.bot_status == "left" and not chat.messages):
        raise bad_request("chat not found")
    if chat.type != "private":
        chat = chat_for_bot(ctx, params, sending=False)
    return chat


@method("getChat")
def get_chat(ctx: Context, params: Params) -> dict[str, Any]:
    chat = _known_chat(ctx, params)
    data = {
        **ctx.world.chat_api(chat),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict(_GIFT_TYPES),
    }
    if chat.pinned and chat.pinned[-1] in chat.messages:
        data["pinned_message"] = ctx.world.message_api(chat.messages[chat.pinned[-1]], embed_reply=False)
    return data


@method("getChatMember")
def get_chat_member(ctx: Context, params: Params) -> dict[str, Any]:
    chat = _known_chat(ctx, params)
    user_id = params.int("user_id", required=True)
    if user_id not in ctx.world.users:
        raise bad_request("user not found")
    return ctx.world.member_api(chat, user_id)


@method("getChatAdministrators")
def get_chat_administrators(ctx: Context, params: Params) -> list[dict[str, Any]]:
    chat = _known_chat(ctx, params)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    ids = [uid for uid, status in chat.members.items() if status in ("creator", "administrator")]
    if chat.bot_is_admin:
        ids.append(ctx.world.bot.id)
    return [ctx.world.member_api(chat, uid) for uid in ids]


@method("getChatMemberCount")
def get_chat_member_count(ctx: Context, params: Params) -> int:
    chat = _known_chat(ctx, params)
    if chat.type == "private":
        return 2
    return sum(1 for s in chat.members.values() if s in ("creator", "administrator", "member")) + int(
        chat.bot_is_member
    )


@method("leaveChat")
def leave_chat(ctx: Context, params: Params) -> bool:
    chat = chat_for_bot(ctx, params, sending=False)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    ctx.world.add_message(chat, ctx.world.bot.id, service={"left_chat_member": ctx.world.user_api(ctx.world.bot.id)})
    ctx.world.set_bot_status(chat, "left", ctx.world.bot.id)
    return True


@method("createForumTopic")
def create_forum_topic(ctx: Context, params: Params) -> dict[str, Any]:
    chat = chat_for_bot(ctx, params)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if not chat.bot_is_admin:
        raise bad_request("not enough rights to create a topic")
    name = params.str("name", required=True) or ""
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "topic name is too long")
    topic = ctx.world.add_topic(chat, name, ctx.world.bot.id, params.int("icon_color") or 7322096)
    return topic.to_api()


def _topic(ctx: Context, params: Params) -> Topic:
    chat = chat_for_bot(ctx, params)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if not chat.bot_is_admin:
        raise bad_request("not enough rights to manage topics")
    topic = chat.topics.get(params.int("message_thread_id", required=True) or 0)
    if topic is None or topic.deleted:
        raise bad_request("message thread not found")
    return topic


@method("editForumTopic")
def edit_forum_topic(ctx: Context, params: Params) -> bool:
    topic = _topic(ctx, params)
    name = params.str("name")
    if name is not None:
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "topic name is too long")
        if name == topic.name:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.name = name
    return True


@method("closeForumTopic")
def close_forum_topic(ctx: Context, params: Params) -> bool:
    _topic(ctx, params).closed = True
    return True


@method("reopenForumTopic")
def reopen_forum_topic(ctx: Context, params: Params) -> bool:
    _topic(ctx, params).closed = False
    return True


@method("deleteForumTopic")
def delete_forum_topic(ctx: Context, params: Params) -> bool:
    ctx.world.delete_topic(_topic(ctx, params))
    return True


# -- removing members ----------------------------------------------------------------------------
def _restrictable(ctx: Context, params: Params, *, supergroups_only: bool = False) -> tuple[ChatRecord, int]:
    """The chat and user of a ban/unban, after Telegram's checks (in its order)."""
    chat = chat_for_bot(ctx, params, sending=False)
    if chat.type == "private":
        raise bad_request("can't ban members in private chats")
    if supergroups_only and chat.type != "supergroup":
        raise bad_request("method is available for supergroup and channel chats only")
    user_id = params.int("user_id", required=True) or 0
    if user_id not in ctx.world.users:
        raise bad_request("user not found")
    if not chat.bot_can_restrict:
        raise bad_request("not enough rights to restrict/unrestrict chat member")
    status = ctx.world.member_status(chat, user_id)
    if status == "creator":
        raise bad_request("can't remove chat owner")
    if status == "administrator" or user_id == ctx.world.bot.id:
        raise bad_request("user is an administrator of the chat")
    return chat, user_id


@method("banChatMember")
def ban_chat_member(ctx: Context, params: Params) -> bool:
    """Out of the group; in a supergroup also banned ("kicked": no rejoining, no re-adding) until
    unbanned. Works for people not in the group too (they are banned beforehand)."""
    params.int("until_date")  # accepted: the fake's bans last until unbanned
    params.bool("revoke_messages")
    chat, user_id = _restrictable(ctx, params)
    ctx.world.remove_by_admin(chat, user_id, ctx.world.bot.id, ban=True)
    return True


@method("unbanChatMember")
def unban_chat_member(ctx: Context, params: Params) -> bool:
    """Lift a ban: the person may join again (they are not added back). Without only_if_banned,
    Telegram also removes a person who is in the group, as the Bot API documents."""
    chat, user_id = _restrictable(ctx, params, supergroups_only=True)
    status = ctx.world.member_status(chat, user_id)
    if status == "kicked":
        ctx.world.set_member_status(chat, user_id, "left", ctx.world.bot.id)
    elif status in ("member", "restricted") and not params.bool("only_if_banned"):
        ctx.world.remove_by_admin(chat, user_id, ctx.world.bot.id, ban=False)
    return True
