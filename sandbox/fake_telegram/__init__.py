"""A strict fake Telegram Bot API server for end-to-end tests, benchmarks and a browser sandbox.

Quick start::

    fake = FakeTelegram(token="123456:TEST-token", bot_username="complaint_test_bot")
    await fake.start()                     # http://127.0.0.1:<ephemeral port>
    alice = fake.user("Sokha", language_code="km")
    alice.send("/start")
    reply = await fake.next_bot_message(alice.chat_id)
    alice.press(reply, "lang:km")
    fake.assert_no_errors()
    await fake.stop()

Modules: :mod:`.fake` (facade), :mod:`.server` (HTTP), :mod:`.methods` (Bot API methods),
:mod:`.world`/:mod:`.models`/:mod:`.files` (state), :mod:`.actors` (users and groups), :mod:`.html`,
:mod:`.markdown`, :mod:`.markup`, :mod:`.entities` (Telegram's text rules), :mod:`.faults`,
:mod:`.limits`, :mod:`.errors`.
"""

from .actors import FakeGroup, FakeUser
from .errors import ApiError, ButtonNotFound
from .fake import FakeTelegram
from .faults import Fault
from .html import EntityParseError, FormattedText, parse_html, utf16_len
from .limits import FloodLimits, LimitReport
from .models import CallbackRecord, ChatRecord, Message, StoredFile, Topic, UserRecord
from .server import Call, ErrorRecord
from .world import World

__all__ = [
    "ApiError",
    "ButtonNotFound",
    "Call",
    "CallbackRecord",
    "ChatRecord",
    "EntityParseError",
    "ErrorRecord",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "Fault",
    "FloodLimits",
    "FormattedText",
    "LimitReport",
    "Message",
    "StoredFile",
    "Topic",
    "UserRecord",
    "World",
    "parse_html",
    "utf16_len",
]
