"""The :class:`FakeTelegram` facade: server lifecycle, world building, waiting and observation."""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from .actors import FakeGroup, FakeUser
from .faults import Fault
from .limits import FloodLimits, LimitReport
from .methods import Context, Poller
from .models import ChatRecord, Message, UserRecord
from .server import BotApiServer, Call, ErrorRecord
from .webhooks import WebhookDelivery
from .world import Event, World

T = TypeVar("T")


# How long a wait for the bot gives up after: a guard against a hang, not a measure of speed (speed
# is measured by bench/). Generous, so a busy 2-core CI machine does not fail a correct test.
WAIT = 15.0


class FakeTelegram:
    """A strict fake Telegram Bot API server plus a driver for the user side.

    Point the bot at :attr:`url` (``base_url=f"{fake.url}/bot"``,
    ``base_file_url=f"{fake.url}/file/bot"``), then act as users with :meth:`user` and
    :meth:`group` and observe what the bot did with :meth:`messages`, :meth:`next_bot_message`,
    :meth:`wait_for_message`, :attr:`calls` and :attr:`errors`.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "complaint_test_bot",
        *,
        bot_first_name: str = "Complaint Bot",
        latency: float = 0.0,
        enforce_limits: bool = False,
        limits: FloodLimits | None = None,
        callback_timeout: float = 15.0,
        strict_html_entities: bool = True,
        webhook_via: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        bot = UserRecord(int(token.split(":", 1)[0]), bot_first_name, username=bot_username, is_bot=True)
        self.token = token
        self._options = {
            "callback_timeout": callback_timeout,
            "strict_html_entities": strict_html_entities,
            "clock": clock,
            "latency": latency,
            "enforce_limits": enforce_limits,
            "limits": limits,
            "webhook_via": webhook_via,  # see webhooks.py: where the https webhook URL's proxy listens
        }
        self._subscribers: list[asyncio.Queue[Event]] = []
        self._waiters: set[asyncio.Event] = set()
        self._consumed: dict[int, set[int]] = {}
        self._seen_edits: dict[tuple[int, int], int] = {}
        self._wire(World(bot, clock=clock))

    def _wire(self, world: World) -> None:
        o = self._options
        self.world = world
        self.poller = Poller(world)
        self.poller.webhooks = WebhookDelivery(world, via=o["webhook_via"])
        self.ctx = Context(world, self.poller, o["callback_timeout"], o["strict_html_entities"])
        self.server = BotApiServer(
            self.ctx,
            self.token,
            clock=o["clock"],
            latency=o["latency"],
            enforce_limits=o["enforce_limits"],
            limits=o["limits"],
        )
        world.listen(self._on_event)

    # -- persistence (the sandbox keeps its chats across restarts) -------------------------------
    def save(self, path: Path) -> None:
        """Write the whole world (users, chats, messages, files, pending updates) atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(self.world, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)

    def load(self, path: Path) -> None:
        """Replace the world with one saved by :meth:`save` (before :meth:`start`). Only load
        files this program wrote: unpickling runs code named in the file."""
        world = pickle.loads(path.read_bytes())
        if not isinstance(world, World) or world.bot.id != self.world.bot.id:
            raise ValueError(f"{path} is not a saved world of this bot")
        world.clock = self._options["clock"]
        self._wire(world)

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind the HTTP server (loopback, ephemeral port by default)."""
        await self.server.start(host, port)

    async def stop(self) -> None:
        await self.poller.webhooks.close()
        await self.server.stop()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (requests go to ``{url}/bot<token>/<method>``)."""
        return self.server.url

    @property
    def base_url(self) -> str:
        """PTB ``base_url``: ``{url}/bot``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """PTB ``base_file_url``: ``{url}/file/bot``."""
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        return self.world.bot.id

    @property
    def bot_username(self) -> str:
        return self.world.bot.username or ""

    # -- observation -----------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Every request: ``(time, method, params, status)``."""
        return self.server.calls

    @property
    def errors(self) -> list[ErrorRecord]:
        """Every 4xx answer: ``(method, params, code, description)``."""
        return self.server.errors

    @property
    def unknown_methods(self) -> list[str]:
        return self.server.unknown_methods

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def assert_no_errors(self, *, include_injected: bool = False) -> None:
        """Raise AssertionError listing the bot's invalid calls (4xx answers, unknown methods).

        Failures the test injected with :meth:`inject` are ignored unless ``include_injected``.
        """
        errors = [e for e in self.errors if include_injected or not e.injected]
        if errors or self.unknown_methods:
            lines = [f"{e.code} {e.method}: {e.description} {e.params}" for e in errors]
            lines += [f"unknown method {m}" for m in self.unknown_methods]
            raise AssertionError("the bot made invalid Bot API calls:\n" + "\n".join(lines))

    def chat(self, chat_id: int) -> ChatRecord:
        return self.world.chats[chat_id]

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[Message]:
        """Every message of the chat, both directions, current state, in order."""
        chat = self.world.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[Message]:
        """Messages the bot sent to the chat (service messages excluded)."""
        return [m for m in self.messages(chat_id, include_deleted=include_deleted) if m.outgoing and not m.service]

    def message(self, chat_id: int, message_id: int) -> Message:
        return self.world.chats[chat_id].messages[message_id]

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the bot currently shows in the chat (None if removed or never sent)."""
        return self.world.chats[chat_id].reply_keyboard

    def redeliver(self, update_id: int) -> dict[str, Any]:
        """Deliver an update a second time with the same update_id (a lost confirmation)."""
        return self.world.redeliver(update_id)

    def last_update_id(self) -> int:
        """The id of the newest update queued for the bot."""
        return max(self.world.history)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued for the bot and not yet confirmed with getUpdates(offset)."""
        return list(self.world.updates)

    @property
    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """``callback_query_id -> {text, show_alert, url, cache_time}`` for answered queries."""
        return {qid: r.answer for qid, r in self.world.callbacks.items() if r.answer is not None}

    def unanswered_callbacks(self) -> list[str]:
        return [qid for qid, r in self.world.callbacks.items() if r.answer is None]

    def commands(
        self, scope: dict[str, Any] | str | None = None, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        """Commands set with setMyCommands for exactly this scope (dict or type name) and language."""
        return list(self.world.commands.get(World.command_key(scope, language_code), []))

    def limit_report(self) -> LimitReport:
        return self.server.rates.report()

    # -- world building --------------------------------------------------------------------------
    def user(
        self,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        phone: str | None = None,
        user_id: int | None = None,
    ) -> FakeUser:
        record = self.world.new_user(
            first_name,
            user_id=user_id,
            last_name=last_name,
            username=username,
            language_code=language_code,
            phone=phone,
        )
        return FakeUser(self, record)

    def group(
        self,
        title: str,
        *,
        supergroup: bool = False,
        forum: bool = False,
        bot_status: str = "member",
        privacy: bool = True,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        other_bots: int = 0,
        username: str | None = None,
        chat_id: int | None = None,
    ) -> FakeGroup:
        """A group the bot is already in (``bot_status="left"`` to add it later with add_bot).

        The first of ``members`` is the creator; ``admins`` become administrators.  ``forum``
        implies a supergroup.  ``other_bots`` counts other bots present (privacy-mode rule).
        """
        chat = self.world.new_group(
            title,
            supergroup=supergroup or forum,
            forum=forum,
            bot_status=bot_status,
            privacy=privacy,
            other_bots=other_bots,
            username=username,
            chat_id=chat_id,
        )
        for index, member in enumerate(members):
            chat.members[member.id] = "creator" if index == 0 else "member"
        for admin in admins:
            if chat.members.get(admin.id) != "creator":
                chat.members[admin.id] = "administrator"
        return FakeGroup(self, chat)

    # -- fault injection -------------------------------------------------------------------------
    def inject(
        self,
        method: str,
        error_code: int = 500,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
        after_accept: bool = False,
        drop_connection: bool = False,
    ) -> Fault:
        """Fail the next ``times`` calls of ``method`` (optionally only for ``chat_id``).

        ``after_accept=True``: the call takes effect, then the answer is lost (``error_code`` is
        returned, or the connection is dropped with ``drop_connection=True``).
        """
        return self.server.faults.add(
            Fault(
                method.lower(),
                error_code,
                description,
                retry_after,
                migrate_to_chat_id,
                times,
                chat_id,
                after_accept,
                drop_connection,
            )
        )

    def clear_faults(self) -> None:
        self.server.faults.clear()

    def set_latency(self, seconds: float) -> None:
        """Delay every call by ``seconds`` (non-blocking: concurrent calls overlap)."""
        self.server.latency = seconds

    def set_down(self, down: bool = True, *, status: int | None = None) -> None:
        """Simulate an outage: drop every connection (``status=None``) or answer e.g. 502."""
        self.server.down = down
        self.server.down_status = status

    # -- waiting ---------------------------------------------------------------------------------
    async def wait_for(self, condition: Callable[[], T | None], timeout: float = WAIT, what: str = "condition") -> T:
        """Wait until ``condition()`` is truthy (re-checked on every change); returns its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}; {self._diagnostics()}")
            event = asyncio.Event()
            self._waiters.add(event)
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(event)

    @property
    def is_polling(self) -> bool:
        """Whether a getUpdates long poll is waiting right now."""
        return self.poller.active

    async def wait_until_polling(self, timeout: float = WAIT) -> None:
        """Wait for the bot's first getUpdates."""
        await asyncio.wait_for(self.poller.polled.wait(), timeout)

    def _unconsumed(self, chat_id: int, predicate: Callable[[Message], bool] | None) -> Message | None:
        consumed = self._consumed.setdefault(chat_id, set())
        for message in self.bot_messages(chat_id, include_deleted=True):
            if message.message_id not in consumed and (predicate is None or predicate(message)):
                consumed.add(message.message_id)
                return message
        return None

    async def next_bot_message(self, chat_id: int, timeout: float = WAIT) -> Message:
        """The oldest bot message in the chat not yet returned by a wait; waits for one if needed."""
        return await self.wait_for_message(chat_id, None, timeout)

    async def wait_for_message(
        self, chat_id: int, predicate: Callable[[Message], bool] | None = None, timeout: float = WAIT
    ) -> Message:
        """The oldest not-yet-consumed bot message matching ``predicate`` (waiting if needed).

        Each chat keeps the set of bot messages already returned by next_bot_message /
        wait_for_message, so a reply that arrived before the call is not missed and none is
        returned twice.  Messages are returned in their current state (edits applied); deleted
        ones are included (check ``.deleted``).
        """
        return await self.wait_for(
            lambda: self._unconsumed(chat_id, predicate), timeout, f"a bot message in chat {chat_id}"
        )

    def consume_all(self, chat_id: int) -> list[Message]:
        """Mark every bot message currently in the chat as consumed; returns them."""
        messages = self.bot_messages(chat_id, include_deleted=True)
        self._consumed.setdefault(chat_id, set()).update(m.message_id for m in messages)
        return messages

    def consume_until(self, chat_id: int, message_id: int) -> None:
        """Mark the bot messages up to ``message_id`` consumed (a reader has scrolled past them)."""
        messages = self.bot_messages(chat_id, include_deleted=True)
        self._consumed.setdefault(chat_id, set()).update(m.message_id for m in messages if m.message_id <= message_id)

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = WAIT,
    ) -> Message:
        """Wait for an edit of the message not yet seen by a previous wait_for_edit (and, if
        given, until ``predicate`` holds for its current state)."""
        key = (chat_id, message_id)

        def edited() -> Message | None:
            message = self.world.chats[chat_id].messages.get(message_id)
            if message is None or message.edit_count <= self._seen_edits.get(key, 0):
                return None
            if predicate is not None and not predicate(message):
                return None
            self._seen_edits[key] = message.edit_count
            return message

        return await self.wait_for(edited, timeout, f"an edit of message {message_id} in chat {chat_id}")

    def _diagnostics(self) -> str:
        recent = [f"{c.method}->{c.status}" for c in self.calls[-8:]]
        errors = [f"{e.method}: {e.description}" for e in self.errors[-5:]]
        return f"recent calls: {recent}; errors: {errors}"

    # -- events ----------------------------------------------------------------------------------
    def subscribe(self, maxsize: int = 0) -> asyncio.Queue[Event]:
        """A queue receiving every change event (message, edit, delete, callback_query,
        callback_answer, chat_action, reaction, bot_status, update, api_error, polling)."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        if queue in self._subscribers:
            self._subscribers.remove(queue)

    def _on_event(self, event: Event) -> None:
        if event["type"] == "update":
            self.poller.notify()
        for queue in self._subscribers:
            with contextlib.suppress(asyncio.QueueFull):  # a full bounded queue drops events
                queue.put_nowait(event)
        for waiter in self._waiters:
            waiter.set()
