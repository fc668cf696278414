"""User-side driver API: people who talk to the bot (the groups they talk in: groups.py).

Everything here is synchronous and runs in the test's event loop; each action stores the
message the way Telegram would and queues the update the bot would receive (privacy mode and
membership applied, see :meth:`.world.World.bot_receives`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .entities import detect_entities
from .errors import ButtonNotFound
from .groups import FakeGroup
from .markup import inline_buttons
from .models import CallbackRecord, ChatRecord, Message, Topic, UserRecord
from .world import World

if TYPE_CHECKING:
    from .fake import FakeTelegram

PHNOM_PENH = (11.5564, 104.9282)


class HasMessageId(Protocol):
    """A stored :class:`Message`, a PTB ``telegram.Message`` or anything else with an id."""

    @property
    def message_id(self) -> int: ...


class MessageRef(Protocol):
    """A stored :class:`Message` or a PTB ``telegram.Message`` (anything with both ids)."""

    @property
    def chat_id(self) -> int: ...

    @property
    def message_id(self) -> int: ...


ReplyTo = int | HasMessageId | None


class FakeUser:
    """A Telegram user.  Private-chat actions go to the bot; pass ``chat=group`` to act in a group."""

    def __init__(self, fake: FakeTelegram, record: UserRecord) -> None:
        self._fake = fake
        self.record = record

    @property
    def _world(self) -> World:
        return self._fake.world

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def first_name(self) -> str:
        return self.record.first_name

    @property
    def username(self) -> str | None:
        return self.record.username

    @property
    def language_code(self) -> str | None:
        return self.record.language_code

    @property
    def phone(self) -> str | None:
        return self.record.phone

    @property
    def chat_id(self) -> int:
        """Id of the private chat with the bot (equals the user id, as on Telegram)."""
        return self.record.id

    @property
    def private_chat(self) -> ChatRecord:
        return self._world.private_chat(self.id)

    def __repr__(self) -> str:
        return f"<FakeUser {self.id} {self.first_name!r}>"

    # -- sending ---------------------------------------------------------------------------------
    def send(
        self,
        text: str,
        *,
        reply_to: ReplyTo = None,
        chat: FakeGroup | None = None,
        topic: Topic | int | None = None,
    ) -> Message:
        """Send a text message; commands get ``bot_command`` entities exactly like Telegram."""
        return self._send(chat, reply_to, topic, text=text, entities=detect_entities(text), raw_text=text)

    def _media(
        self,
        kind: str,
        data: bytes | None,
        caption: str | None,
        chat: FakeGroup | None,
        reply_to: ReplyTo,
        *,
        emoji: str | None = None,
        **file_fields: Any,
    ) -> Message:
        stored = self._world.files.store(kind, data, **file_fields)
        media, file_id = self._world.files.media_api(kind, stored, emoji=emoji)
        content: dict[str, Any] = {"media_kind": kind, "media": media, "file_id": file_id}
        if caption:
            content.update(caption=caption, caption_entities=detect_entities(caption), raw_text=caption)
        return self._send(chat, reply_to, None, **content)

    def send_photo(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        width: int = 1280,
        height: int = 960,
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("photo", data, caption, chat, reply_to, width=width, height=height)

    def send_document(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("document", data, caption, chat, reply_to, file_name=file_name, mime_type=mime_type)

    def send_video(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        duration: int = 5,
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("video", data, caption, chat, reply_to, duration=duration, file_name="video.mp4")

    def send_animation(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("animation", data, caption, chat, reply_to, file_name="animation.mp4")

    def send_voice(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        duration: int = 3,
        mime_type: str | None = None,  # Telegram's apps record Ogg Opus (the default); the sandbox page may send WebM
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("voice", data, caption, chat, reply_to, duration=duration, mime_type=mime_type)

    def send_audio(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        duration: int = 30,
        file_name: str = "audio.mp3",
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("audio", data, caption, chat, reply_to, duration=duration, file_name=file_name)

    def send_video_note(
        self,
        data: bytes | None = None,
        *,
        duration: int = 5,
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("video_note", data, None, chat, reply_to, duration=duration)

    def send_sticker(
        self,
        emoji: str = "😀",
        *,
        data: bytes | None = None,
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._media("sticker", data, None, chat, reply_to, emoji=emoji)

    def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        return self._send(chat, reply_to, None, location={"latitude": latitude, "longitude": longitude})

    def send_contact(
        self,
        phone: str | None = None,
        *,
        first_name: str | None = None,
        own: bool = True,
        chat: FakeGroup | None = None,
        reply_to: ReplyTo = None,
    ) -> Message:
        """Share a contact.  ``own=True`` shares this user's card (``request_contact`` buttons do):
        ``user_id`` set and the phone number without ``+``, as Telegram sends it."""
        if own:
            number = phone or self.phone
            if not number:
                raise ValueError(f"{self!r} has no phone number; pass phone= or create the user with phone=")
            contact = {"phone_number": number.lstrip("+"), "first_name": self.first_name, "user_id": self.id}
            if self.record.last_name:
                contact["last_name"] = self.record.last_name
        else:
            if not phone:
                raise ValueError("phone is required for a contact that is not the user's own")
            contact = {"phone_number": phone, "first_name": first_name or "Contact"}
        return self._send(chat, reply_to, None, contact=contact)

    def tap(self, text: str, *, location: tuple[float, float] = PHNOM_PENH) -> Message:
        """Press a button of the reply keyboard the bot currently shows in the private chat."""
        keyboard = self.private_chat.reply_keyboard
        buttons = [b for row in (keyboard or {}).get("keyboard", []) for b in row]
        button = next((b for b in buttons if b["text"] == text), None)
        if button is None:
            raise ButtonNotFound(f"no reply-keyboard button {text!r}; shown: {[b['text'] for b in buttons]}")
        if keyboard and keyboard.get("one_time_keyboard"):
            self.private_chat.reply_keyboard = None
        if button.get("request_contact"):
            return self.send_contact()
        if button.get("request_location"):
            return self.send_location(*location)
        return self.send(text)

    def edit(self, message: Message, text: str) -> Message:
        """Edit one of this user's own text messages (the bot gets ``edited_message``)."""
        if message.sender_id != self.id or message.text is None:
            raise ValueError("users can only edit their own text messages")
        message.text, message.entities, message.raw_text = text, detect_entities(text), text
        message.edit_count += 1
        message.edit_date = self._world.now()
        self._world.emit(
            {
                "type": "edit",
                "chat_id": message.chat_id,
                "message_id": message.message_id,
                "message": self._world.message_api(message),
            }
        )
        self._world.deliver(message, "edited_message")
        return message

    def _send(
        self,
        chat: FakeGroup | None,
        reply_to: ReplyTo,
        topic: Topic | int | None,
        **content: Any,
    ) -> Message:
        record = self._target_chat(chat, content)
        fields: dict[str, Any] = {}
        reply = self._reply_target(record, reply_to)
        if reply is not None:
            fields["reply_to_message_id"] = reply.message_id
        thread = topic.thread_id if isinstance(topic, Topic) else topic
        if thread is None and reply is not None and reply.is_topic_message:
            thread = reply.message_thread_id
        if thread is not None:
            found = record.topics.get(thread)
            if not record.is_forum or found is None or found.deleted:
                raise ValueError(f"topic {thread} does not exist in chat {record.id}")
            fields.update(message_thread_id=thread, is_topic_message=True)
        message = self._world.add_message(record, self.id, **fields, **content)
        self._world.deliver(message)
        return message

    def _target_chat(self, chat: FakeGroup | None, content: dict[str, Any]) -> ChatRecord:
        if chat is not None:
            record = chat.chat
            if record.migrated_to is not None:
                raise ValueError(f"chat {record.id} was migrated to {record.migrated_to}")
            if record.members.get(self.id) not in ("creator", "administrator", "member"):
                raise ValueError(f"{self!r} is not a member of {record.title!r}")
            return record
        record = self.private_chat
        if record.bot_status == "kicked":
            raise ValueError(f"{self!r} blocked the bot; call unblock_bot() first")
        if record.bot_status != "member":
            entities = content.get("entities") or []
            if not (
                entities
                and entities[0]["type"] == "bot_command"
                and entities[0]["offset"] == 0
                and content.get("text", "").startswith("/start")
            ):
                raise ValueError("the first message to a bot is /start (Telegram clients send it)")
            record.bot_status = "member"
        return record

    def _reply_target(self, chat: ChatRecord, reply_to: ReplyTo) -> Message | None:
        """``reply_to``: a stored Message, a message id, or anything with ``.message_id`` (PTB's)."""
        if reply_to is None:
            return None
        message_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
        target = self._world.get_message(chat.id, message_id)
        if target is None:
            raise ValueError(f"message {message_id} does not exist in chat {chat.id}")
        return target

    # -- callback buttons ------------------------------------------------------------------------
    def press(self, message: MessageRef, button: str) -> str:
        """Press an inline button (matched by callback_data, then by text) present on the
        message's *current* keyboard; returns the callback query id.  Raises ButtonNotFound."""
        current = self._world.get_message(message.chat_id, message.message_id)
        if current is None:
            raise ButtonNotFound(f"message {message.message_id} in chat {message.chat_id} was deleted")
        buttons = inline_buttons(current.reply_markup)
        found = next((b for b in buttons if b.get("callback_data") == button), None)
        found = found or next((b for b in buttons if b["text"] == button), None)
        if found is None or "callback_data" not in found:
            shown = [(b["text"], b.get("callback_data")) for b in buttons]
            raise ButtonNotFound(f"no callback button {button!r} on message {current.message_id}; shown: {shown}")
        return self.press_raw(current, found["callback_data"])

    def press_raw(self, message: MessageRef, data: str) -> str:
        """Send a callback query with arbitrary (possibly forged or stale) ``data``."""
        chat = self._world.chats[message.chat_id]
        if chat.type == "private" and chat.id != self.id:
            raise ValueError("a user can only press buttons in their own private chat")
        if chat.type != "private" and chat.members.get(self.id) not in ("creator", "administrator", "member"):
            raise ValueError(f"{self!r} is not a member of chat {chat.id}")
        world = self._world
        stored = world.get_message(chat.id, message.message_id)
        if stored is None:
            raise ButtonNotFound(f"message {message.message_id} in chat {chat.id} does not exist")
        query_id = world.new_callback_id()
        world.callbacks[query_id] = CallbackRecord(query_id, self.id, chat.id, stored.message_id, data, world.clock())
        payload = {
            "id": query_id,
            "from": self.record.to_api(),
            "message": world.message_api(stored),
            "chat_instance": world.chat_instance(chat.id),
            "data": data,
        }
        world.emit(
            {
                "type": "callback_query",
                "chat_id": chat.id,
                "message_id": message.message_id,
                "callback_query_id": query_id,
                "data": data,
                "user_id": self.id,
            }
        )
        if chat.bot_is_member:
            world.push_update("callback_query", payload)
        return query_id

    # -- blocking --------------------------------------------------------------------------------
    def block_bot(self) -> None:
        """Block the bot: it gets ``my_chat_member`` (kicked) and 403 on every send."""
        self._world.set_bot_status(self.private_chat, "kicked", self.id)

    def unblock_bot(self, *, restart: bool = False) -> Message | None:
        """Unblock; ``restart=True`` also sends /start like the client's Restart button."""
        self._world.set_bot_status(self.private_chat, "member", self.id)
        return self.send("/start") if restart else None
