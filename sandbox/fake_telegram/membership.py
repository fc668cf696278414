"""Chat membership in the fake world: ``ChatMember`` objects, the bot's status and rights, members
joining, leaving and being banned, and the ``my_chat_member``/``chat_member`` updates Telegram sends.

A mixin of :class:`.world.World` (it uses the world's users, chats and update queue).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import ChatRecord, Message, UserRecord

# What an administrator may do unless the group's owner took a right away (ChatMemberAdministrator).
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}
# A restricted member's permissions (ChatMemberRestricted): the fake restricts only sending.
RESTRICTED_MEMBER = {
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_pin_messages": False,
    "can_manage_topics": False,
    "can_edit_tag": False,
    "can_react_to_messages": True,
    "until_date": 0,
}


class Memberships:
    bot: UserRecord
    users: dict[int, UserRecord]
    emit: Callable[[dict[str, Any]], None]
    now: Callable[[], int]
    user_api: Callable[[int], dict[str, Any]]
    chat_api: Callable[[ChatRecord], dict[str, Any]]
    push_update: Callable[[str, dict[str, Any]], dict[str, Any] | None]
    add_message: Callable[..., Message]
    deliver: Callable[..., dict[str, Any] | None]

    def member_status(self, chat: ChatRecord, user_id: int) -> str:
        if user_id == self.bot.id:
            return chat.bot_status if chat.type != "private" or chat.bot_status == "kicked" else "member"
        if chat.type == "private":
            return "member" if user_id == chat.user_id else "left"
        return chat.members.get(user_id, "left")

    def member_api(self, chat: ChatRecord, user_id: int, status: str | None = None) -> dict[str, Any]:
        """A ``ChatMember`` object for ``user_id`` (``status`` overrides the current one)."""
        status = status or self.member_status(chat, user_id)
        data: dict[str, Any] = {"status": status, "user": self.user_api(user_id)}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update(ADMIN_RIGHTS)
            if chat.is_forum:
                data["can_manage_topics"] = True
            if user_id == self.bot.id and chat.bot_rights:
                data.update(chat.bot_rights)
        elif status == "restricted":  # in the chat, with fewer permissions (the fake keeps no others)
            data.update(RESTRICTED_MEMBER, is_member=True)
        elif status == "kicked":
            data["until_date"] = 0
        return data

    def set_bot_status(
        self, chat: ChatRecord, status: str, by_user_id: int, *, rights: dict[str, bool] | None = None
    ) -> None:
        """Change the bot's membership and queue the ``my_chat_member`` update Telegram sends.
        ``rights``: administrator rights that differ from the usual ones (e.g. no can_restrict_members)."""
        unknown = set(rights or ()) - set(ADMIN_RIGHTS) - {"can_manage_topics"}
        if unknown:
            raise ValueError(f"unknown administrator rights: {sorted(unknown)}")
        old = self.member_api(chat, self.bot.id)
        chat.bot_status = status
        chat.bot_rights = dict(rights) if rights and status == "administrator" else None
        payload = {
            "chat": self.chat_api(chat),
            "from": self.user_api(by_user_id),
            "date": self.now(),
            "old_chat_member": old,
            "new_chat_member": self.member_api(chat, self.bot.id),
        }
        self.emit({"type": "bot_status", "chat_id": chat.id, "status": status})
        self.push_update("my_chat_member", payload)

    def set_member_status(self, chat: ChatRecord, user_id: int, status: str, by_user_id: int) -> None:
        """Change a user's membership ("left" forgets them) and, where the bot is an administrator,
        queue the ``chat_member`` update Telegram sends (only to administrators that asked for it)."""
        old = self.member_api(chat, user_id)
        if status == "left":
            chat.members.pop(user_id, None)
        else:
            chat.members[user_id] = status
        if chat.bot_is_admin and old["status"] != status:
            self.push_update(
                "chat_member",
                {
                    "chat": self.chat_api(chat),
                    "from": self.user_api(by_user_id),
                    "date": self.now(),
                    "old_chat_member": old,
                    "new_chat_member": self.member_api(chat, user_id),
                },
            )

    def remove_by_admin(self, chat: ChatRecord, user_id: int, by_user_id: int, *, ban: bool) -> None:
        """``user_id`` removed by an administrator (the bot): banned ("kicked", off the group until
        unbanned) in a supergroup, or just out of a basic group, which keeps no ban list. Posts the
        ``left_chat_member`` service message if they were in the group."""
        was_in = chat.members.get(user_id) in ("member", "restricted")
        self.set_member_status(chat, user_id, "kicked" if ban and chat.type == "supergroup" else "left", by_user_id)
        if was_in:
            message = self.add_message(chat, by_user_id, service={"left_chat_member": self.user_api(user_id)})
            self.deliver(message)
