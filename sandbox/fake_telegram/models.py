"""Plain state records of the fake Telegram world: users, chats, messages, files, callbacks.

These are deliberately dumb dataclasses.  Serialisation to Bot API JSON lives in
:mod:`.world`, which knows how records refer to each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .markup import inline_buttons

BOT_MEMBER_STATUSES = ("creator", "administrator", "member")


@dataclass
class UserRecord:
    """A Telegram account (a person or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass
class Topic:
    """A forum topic; ``thread_id`` equals the id of its ``forum_topic_created`` service message."""

    chat_id: int
    thread_id: int
    name: str
    icon_color: int = 7322096
    closed: bool = False
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        return {"message_thread_id": self.thread_id, "name": self.name, "icon_color": self.icon_color}


@dataclass
class ChatRecord:
    """A private chat, basic group or supergroup, seen from the bot's side.

    ``bot_status`` is the bot's membership: ``member``/``administrator``/``left``/``kicked``.  For a
    private chat ``member`` means the user started the bot, ``kicked`` that the user blocked it and
    ``left`` that the user never wrote to it.
    """

    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    username: str | None = None
    user_id: int | None = None  # private chats: the other party
    is_forum: bool = False
    bot_status: str = "left"
    privacy: bool = True
    other_bots: int = 0
    members: dict[int, str] = field(default_factory=dict)  # user id -> status ("kicked": banned)
    # The bot's administrator rights that differ from the usual ones (e.g. can_restrict_members=False);
    # None while it is not an administrator, or has them all. A class default: worlds saved before
    # the field existed load with it.
    bot_rights: dict[str, bool] | None = None
    migrated_to: int | None = None
    migrated_from: int | None = None
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    pinned: list[int] = field(default_factory=list)
    menu_button: dict[str, Any] | None = None
    reply_keyboard: dict[str, Any] | None = None  # keyboard currently shown to users of the chat

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status in BOT_MEMBER_STATUSES

    @property
    def bot_is_admin(self) -> bool:
        return self.bot_status in ("creator", "administrator")

    @property
    def bot_can_restrict(self) -> bool:
        """Whether the bot may ban and unban users here (an administrator with can_restrict_members)."""
        return self.bot_is_admin and (self.bot_rights or {}).get("can_restrict_members", True)

    @property
    def kind_name(self) -> str:
        """'group' or 'supergroup', as used in Telegram's error messages."""
        return "supergroup" if self.type == "supergroup" else "group"


@dataclass
class Message:
    """One message in a chat, in its current state (edits applied).

    ``text``/``caption`` hold the text after entity parsing; ``raw_text`` what the sender passed.
    ``reply_markup`` keeps whatever markup the bot attached (inline or reply keyboard); only inline
    keyboards appear in the Bot API ``Message`` object, as on Telegram.
    """

    chat_id: int
    message_id: int
    sender_id: int
    date: int
    outgoing: bool  # sent by the bot
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    raw_text: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    is_topic_message: bool = False
    media_kind: str | None = None  # photo, document, video, voice, audio, animation, sticker, video_note
    media: Any = None  # Bot API value of the media field (PhotoSize list or object)
    file_id: str | None = None
    location: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    service: dict[str, Any] = field(default_factory=dict)  # service-message fields
    forward_origin: dict[str, Any] | None = None
    media_group_id: str | None = None
    copied_from: tuple[int, int] | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    reactions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def plain_text(self) -> str:
        """Text (or caption) after entity parsing; empty string for media without a caption."""
        return self.text if self.text is not None else (self.caption or "")

    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline buttons as ``(text, callback_data)``; ``callback_data`` is None for URL etc."""
        return [(b["text"], b.get("callback_data")) for b in inline_buttons(self.reply_markup)]


@dataclass
class StoredFile:
    """A file the fake knows, downloadable through ``getFile`` + ``/file/bot<token>/<file_path>``."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)


@dataclass
class CallbackRecord:
    """A callback query a user produced; ``answer`` is set by ``answerCallbackQuery``."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
    answer: dict[str, Any] | None = None
