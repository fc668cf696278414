"""The fake Telegram world: users, chats, messages, files, callbacks and the bot's update queue.

Pure state plus Bot API serialisation; no HTTP and no asyncio.  Every change is reported to the
registered listeners as an event dict (see :meth:`World.emit`), which is how the facade wakes
waiters, long polls and subscribers.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from .files import FileStore
from .membership import Memberships
from .models import CallbackRecord, ChatRecord, Message, Topic, UserRecord

Event = dict[str, Any]
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


def utf16_slice(text: str, offset: int, length: int) -> str:
    """Substring by UTF-16 offset/length, as entity coordinates are expressed."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le")


class World(Memberships):
    """All state of the fake.  Identifiers are deterministic for a given sequence of actions."""

    def __init__(self, bot: UserRecord, *, clock: Callable[[], float] = time.time) -> None:
        self.bot = bot
        self.clock = clock
        self.users: dict[int, UserRecord] = {bot.id: bot}
        self.chats: dict[int, ChatRecord] = {}
        self.files = FileStore()
        self.callbacks: dict[str, CallbackRecord] = {}
        self.updates: list[dict[str, Any]] = []  # pending, unconfirmed
        self.history: dict[int, dict[str, Any]] = {}  # every update ever queued, by update_id
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "default"}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short_description, lang)
        self.webhook: dict[str, Any] | None = None
        self._listeners: list[Callable[[Event], None]] = []
        self._next_update_id = 100_000_001
        self._next_user_id = 5_550_001
        self._next_group = 1
        self._next_callback = 1

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_listeners"] = []  # live subscribers belong to the running process, not to the world
        state.pop("clock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.clock = time.time

    # -- events ----------------------------------------------------------------------------------
    def listen(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    def now(self) -> int:
        return int(self.clock())

    # -- users and chats -------------------------------------------------------------------------
    def new_user(
        self, first_name: str, *, user_id: int | None = None, is_bot: bool = False, **fields: Any
    ) -> UserRecord:
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        if user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = UserRecord(id=user_id, first_name=first_name, is_bot=is_bot, **fields)
        self.users[user_id] = user
        return user

    def private_chat(self, user_id: int) -> ChatRecord:
        """The bot's private chat with a user (created as 'never started' when first needed)."""
        chat = self.chats.get(user_id)
        if chat is None:
            if user_id not in self.users:
                raise KeyError(f"unknown user {user_id}")
            chat = ChatRecord(id=user_id, type="private", user_id=user_id, bot_status="left")
            self.chats[user_id] = chat
        return chat

    def new_group(
        self,
        title: str,
        *,
        supergroup: bool,
        forum: bool = False,
        bot_status: str = "member",
        privacy: bool = True,
        other_bots: int = 0,
        username: str | None = None,
        chat_id: int | None = None,
    ) -> ChatRecord:
        if chat_id is None:
            n = self._next_group
            self._next_group += 1
            chat_id = -(1_002_000_000_000 + n) if supergroup else -(4_000_000_000 + n)
        chat = ChatRecord(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            username=username,
            is_forum=forum and supergroup,
            bot_status=bot_status,
            privacy=privacy,
            other_bots=other_bots,
        )
        self.chats[chat_id] = chat
        return chat

    def find_chat(self, ref: int | str) -> ChatRecord | None:
        """Resolve a ``chat_id`` parameter (integer id or ``@username``)."""
        if isinstance(ref, str) and ref.startswith("@"):
            name = ref[1:].lower()
            return next((c for c in self.chats.values() if (c.username or "").lower() == name), None)
        try:
            chat_id = int(ref)
        except (TypeError, ValueError):
            return None
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id in self.users and chat_id != self.bot.id:
            return self.private_chat(chat_id)
        return None

    # -- messages --------------------------------------------------------------------------------
    def add_message(self, chat: ChatRecord, sender_id: int, **fields: Any) -> Message:
        """Store a new message with the next per-chat id; emits a ``message`` event."""
        message = Message(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            sender_id=sender_id,
            date=self.now(),
            outgoing=sender_id == self.bot.id,
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.emit(
            {
                "type": "message",
                "chat_id": chat.id,
                "message_id": message.message_id,
                "outgoing": message.outgoing,
                "message": self.message_api(message),
            }
        )
        return message

    def get_message(self, chat_id: int, message_id: int) -> Message | None:
        chat = self.chats.get(chat_id)
        message = chat.messages.get(message_id) if chat else None
        return None if message is None or message.deleted else message

    # -- serialisation ---------------------------------------------------------------------------
    def user_api(self, user_id: int) -> dict[str, Any]:
        return self.users[user_id].to_api()

    def chat_api(self, chat: ChatRecord) -> dict[str, Any]:
        data: dict[str, Any] = {"id": chat.id, "type": chat.type}
        if chat.type == "private":
            user = self.users[chat.user_id or chat.id]
            data["first_name"] = user.first_name
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            return data
        data["title"] = chat.title
        if chat.username:
            data["username"] = chat.username
        if chat.is_forum:
            data["is_forum"] = True
        return data

    def message_api(self, message: Message, *, embed_reply: bool = True) -> dict[str, Any]:
        """The Bot API ``Message`` object for a stored message, in its current state."""
        chat = self.chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.user_api(message.sender_id),
            "date": message.date,
            "chat": self.chat_api(chat),
        }
        if message.message_thread_id is not None:
            data["message_thread_id"] = message.message_thread_id
            if message.is_topic_message:
                data["is_topic_message"] = True
        if message.forward_origin:
            data["forward_origin"] = message.forward_origin
        reply_id = message.reply_to_message_id
        if reply_id is None and message.is_topic_message and not message.service.get("forum_topic_created"):
            reply_id = message.message_thread_id  # Telegram links topic messages to the topic's creation
        if embed_reply and reply_id is not None:
            replied = chat.messages.get(reply_id)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self.message_api(replied, embed_reply=False)
        if message.media_group_id:
            data["media_group_id"] = message.media_group_id
        if message.edit_date:
            data["edit_date"] = message.edit_date
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.media_kind:
            data[message.media_kind] = message.media
        if message.caption:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.location:
            data["location"] = message.location
        if message.contact:
            data["contact"] = message.contact
        data.update(message.service)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    # -- updates ---------------------------------------------------------------------------------
    def set_allowed_updates(self, allowed: Iterable[str] | None) -> None:
        """Telegram keeps the last non-empty ``allowed_updates``; an empty list means the default."""
        if allowed is None:
            return
        allowed = frozenset(allowed)
        self.allowed_updates = allowed or DEFAULT_ALLOWED_UPDATES

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for the bot unless ``allowed_updates`` filters its kind out."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self.updates.append(update)
        self.history[update["update_id"]] = update
        self.emit({"type": "update", "update": update})
        return update

    def redeliver(self, update_id: int) -> dict[str, Any]:
        """Queue an update again, same id: what Telegram does when the confirmation was lost."""
        update = self.history[update_id]
        self.updates.append(update)
        self.updates.sort(key=lambda u: u["update_id"])
        self.emit({"type": "update", "update": update})
        return update

    def confirm_updates(self, offset: int) -> None:
        """``getUpdates(offset)``: forget every update with a lower id (negative: keep the last -offset)."""
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def drop_pending_updates(self) -> None:
        self.updates.clear()

    def bot_receives(self, chat: ChatRecord, message: Message) -> bool:
        """Whether Telegram would deliver this (incoming) message to the bot.

        Privacy mode (group has ``privacy=True`` and the bot is not an administrator): only
        service messages, replies to the bot's own messages and commands reach the bot.  A command
        counts if it is addressed ``/cmd@this_bot``, or is bare ``/cmd`` and the bot is the only bot
        in the group (``other_bots == 0``) -- a simplification of Telegram's "the bot was the last
        bot to send a message to the group".  ``/cmd@other_bot`` never reaches the bot.
        """
        if message.outgoing:
            return False
        if chat.type == "private":
            return chat.bot_status == "member"
        if not chat.bot_is_member:
            return False
        if message.service or not chat.privacy or chat.bot_is_admin:
            return True
        if message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and replied.outgoing:
                return True
        username = (self.bot.username or "").lower()
        source = message.text if message.text is not None else (message.caption or "")
        for entity in message.entities or message.caption_entities:
            if entity["type"] != "bot_command":
                continue
            command = utf16_slice(source, entity["offset"], entity["length"])
            if "@" in command:
                if command.split("@", 1)[1].lower() == username:
                    return True
            elif chat.other_bots == 0:
                return True
        return False

    def deliver(self, message: Message, kind: str = "message") -> dict[str, Any] | None:
        """Queue ``message``/``edited_message`` for the bot if it would receive it."""
        chat = self.chats[message.chat_id]
        if not self.bot_receives(chat, message):
            return None
        return self.push_update(kind, self.message_api(message))

    def new_callback_id(self) -> str:
        n = self._next_callback
        self._next_callback += 1
        return str(4_000_000_000_000_000_000 + n)

    def chat_instance(self, chat_id: int) -> str:
        return str(int(hashlib.sha256(f"ci:{chat_id}".encode()).hexdigest()[:15], 16))

    # -- topics and commands ---------------------------------------------------------------------
    def add_topic(self, chat: ChatRecord, name: str, creator_id: int, icon_color: int = 7322096) -> Topic:
        topic = Topic(chat.id, chat.next_message_id, name, icon_color)
        chat.topics[topic.thread_id] = topic
        self.add_message(
            chat,
            creator_id,
            message_thread_id=topic.thread_id,
            is_topic_message=True,
            service={"forum_topic_created": {"name": name, "icon_color": icon_color}},
        )
        return topic

    def delete_topic(self, topic: Topic) -> None:
        """Delete a forum topic and its messages; its thread id then answers 'message thread not found'."""
        topic.deleted = True
        for message in self.chats[topic.chat_id].messages.values():
            if message.message_thread_id == topic.thread_id:
                message.deleted = True

    @staticmethod
    def command_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        """Storage key for ``setMyCommands``: canonical scope JSON and language code."""
        if scope is None:
            scope = {"type": "default"}
        elif isinstance(scope, str):
            scope = json.loads(scope) if scope.startswith("{") else {"type": scope}
        return json.dumps(scope, sort_keys=True), language_code or ""
