"""User-side driver API: the groups people talk to the bot in (basic groups, supergroups, forums).

Like actors.py, synchronous and in the test's event loop: each action stores what Telegram would
and queues the updates the bot would receive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import ChatRecord, Message, Topic
from .world import World

if TYPE_CHECKING:
    from .actors import FakeUser, ReplyTo
    from .fake import FakeTelegram


class FakeGroup:
    """A basic group or supergroup.  After :meth:`migrate_to_supergroup` it follows the new chat."""

    def __init__(self, fake: FakeTelegram, chat: ChatRecord) -> None:
        self._fake = fake
        self.chat = chat
        self.old_chat_ids: list[int] = []

    @property
    def _world(self) -> World:
        return self._fake.world

    @property
    def id(self) -> int:
        return self.chat.id

    chat_id = id

    @property
    def title(self) -> str:
        return self.chat.title or ""

    def __repr__(self) -> str:
        return f"<FakeGroup {self.id} {self.title!r} {self.chat.type}>"

    def _by(self, by: FakeUser | None) -> int:
        if by is not None:
            return by.id
        admins = [uid for uid, s in self.chat.members.items() if s in ("creator", "administrator")]
        if not admins:
            raise ValueError(f"{self!r} has no administrator; pass by=")
        return admins[0]

    def send(
        self,
        user: FakeUser,
        text: str,
        *,
        reply_to: ReplyTo = None,
        topic: Topic | int | None = None,
    ) -> Message:
        return user.send(text, reply_to=reply_to, chat=self, topic=topic)

    def messages(self) -> list[Message]:
        return self._fake.messages(self.id)

    def _service(self, sender_id: int, **service: Any) -> Message:
        message = self._world.add_message(self.chat, sender_id, service=service)
        self._world.deliver(message)
        return message

    # -- membership ------------------------------------------------------------------------------
    def add_member(self, user: FakeUser, *, by: FakeUser | None = None, status: str = "member") -> Message:
        """``user`` joins (``by=None``: by themselves, e.g. through an invite link) or is added.
        Where the bot is an administrator it gets ``chat_member``; everyone sees the service message.
        A banned user cannot come back until unbanned, as on Telegram."""
        if self.chat.members.get(user.id) == "kicked":
            raise ValueError(f"{user!r} is banned from {self.title!r}; the bot (or an admin) must unban them first")
        actor = by.id if by is not None else user.id
        self._world.set_member_status(self.chat, user.id, status, actor)
        return self._service(actor, new_chat_members=[user.record.to_api()])

    def remove_member(self, user: FakeUser, *, by: FakeUser | None = None) -> Message:
        """``user`` leaves (``by=None``) or is removed by ``by``."""
        actor = by.id if by is not None else user.id
        self._world.set_member_status(self.chat, user.id, "left", actor)
        return self._service(actor, left_chat_member=user.record.to_api())

    def add_bot(self, status: str = "member", *, by: FakeUser | None = None) -> Message:
        """Add the bot: ``my_chat_member`` update plus a ``new_chat_members`` service message."""
        actor = self._by(by)
        self._world.set_bot_status(self.chat, status, actor)
        return self._service(actor, new_chat_members=[self._world.bot.to_api()])

    def remove_bot(self, *, by: FakeUser | None = None, status: str | None = None) -> None:
        """Remove the bot (``kicked`` in supergroups, ``left`` in basic groups unless ``status``)."""
        actor = self._by(by)
        self._world.add_message(self.chat, actor, service={"left_chat_member": self._world.bot.to_api()})
        self._world.set_bot_status(self.chat, status or ("kicked" if self.chat.type == "supergroup" else "left"), actor)

    def set_bot_status(self, status: str, *, by: FakeUser | None = None, rights: dict[str, bool] | None = None) -> None:
        """Promote/demote the bot (``administrator``/``member``), as a group administrator does in
        the group's settings; emits ``my_chat_member``. ``rights``: administrator rights that differ
        from the usual ones, e.g. ``{"can_restrict_members": False}`` (no "Ban users")."""
        self._world.set_bot_status(self.chat, status, self._by(by), rights=rights)

    def set_privacy(self, privacy: bool) -> None:
        self.chat.privacy = privacy

    # -- migration and topics --------------------------------------------------------------------
    def migrate_to_supergroup(self, *, by: FakeUser | None = None) -> int:
        """Upgrade a basic group; returns the new ``-100...`` id.  The old id then answers 400 with
        ``migrate_to_chat_id``.  Both service messages are delivered like on Telegram."""
        old = self.chat
        if old.type != "group":
            raise ValueError("only basic groups can be migrated")
        actor = self._by(by)
        new = self._world.new_group(
            old.title or "",
            supergroup=True,
            bot_status=old.bot_status,
            privacy=old.privacy,
            other_bots=old.other_bots,
            username=old.username,
        )
        new.members = dict(old.members)
        new.bot_rights = old.bot_rights
        self._service(actor, migrate_to_chat_id=new.id)
        old.migrated_to, new.migrated_from = new.id, old.id
        self.old_chat_ids.append(old.id)
        self.chat = new
        self._service(actor, migrate_from_chat_id=old.id)
        return new.id

    def create_topic(self, name: str, *, by: FakeUser | None = None) -> Topic:
        if not self.chat.is_forum:
            raise ValueError(f"{self!r} is not a forum")
        topic = self._world.add_topic(self.chat, name, self._by(by))
        self._world.deliver(self.chat.messages[topic.thread_id])
        return topic

    def close_topic(self, topic: Topic) -> None:
        topic.closed = True

    def delete_topic(self, topic: Topic) -> None:
        """Delete a topic: later sends to its ``message_thread_id`` get 'message thread not found'."""
        self._world.delete_topic(topic)
