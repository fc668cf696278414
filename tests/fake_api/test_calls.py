"""The fake Bot API server through python-telegram-bot's own client: identity and routing, text and
HTML rules, edits, getUpdates, injected faults."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time

import pytest
from telegram import (
    Bot,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from sandbox.fake_telegram import FakeTelegram

from .client import USERNAME, keyboard, make_bot


# -- identity, routing ---------------------------------------------------------------------------
async def test_get_me_and_url(fake: FakeTelegram, bot: Bot) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, USERNAME, True)


async def test_unknown_method_is_404(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):  # PTB's name for a 404 once the bot is initialised
        await bot.do_api_request("fooBar")
    async with make_bot(fake) as fresh:
        fresh._bot_initialized = False  # PTB maps 404 to InvalidToken for a bot that is not initialised
        with pytest.raises(InvalidToken):
            await fresh.do_api_request("fooBar")
    assert fake.unknown_methods == ["fooBar", "fooBar"]
    assert fake.errors[-1].code == 404


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(fake, "999:wrong"):
            pass
    assert fake.errors[-1].description == "Unauthorized"


async def test_method_names_are_case_insensitive(fake: FakeTelegram, bot: Bot) -> None:
    result = await bot.do_api_request("getme")
    assert result["username"] == USERNAME


# -- text, HTML, limits --------------------------------------------------------------------------
async def test_html_message_is_parsed_into_entities(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user("Sokha", language_code="km")
    alice.send("/start")
    sent = await bot.send_message(alice.chat_id, "<b>Case</b> 😀 <i>PP&amp;1</i> &lt;ok&gt;", parse_mode="HTML")
    assert sent.text == "Case 😀 PP&1 <ok>"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 4), ("italic", 8, 4)]
    stored = fake.bot_messages(alice.chat_id)[-1]
    assert stored.plain_text == "Case 😀 PP&1 <ok>"
    assert stored.raw_text.startswith("<b>Case</b>")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Unescaped "&"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<script>x</script>", 'Unsupported start tag "script"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_invalid_html_is_rejected(fake: FakeTelegram, bot: Bot, text: str, reason: str) -> None:
    alice = fake.user()
    alice.send("/start")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(alice.chat_id, text, parse_mode="HTML")
    assert reason.lower() in caught.value.message.lower()  # PTB capitalize()s the description
    assert fake.errors[-1].method == "sendMessage"
    assert fake.bot_messages(alice.chat_id) == []


async def test_text_length_is_counted_after_parsing_in_utf16(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    await bot.send_message(alice.chat_id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alice.chat_id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alice.chat_id, "😀" * 2049)  # 4098 UTF-16 units
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(alice.chat_id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(alice.chat_id, b"img", caption="c" * 1025)


async def test_plain_text_is_literal_without_parse_mode(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    sent = await bot.send_message(alice.chat_id, "<b>1 < 2 & 3</b>")
    assert sent.text == "<b>1 < 2 & 3</b>" and not sent.entities


async def test_callback_data_is_limited_to_64_bytes(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    await bot.send_message(alice.chat_id, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(alice.chat_id, "no", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):  # 22 Khmer letters = 66 bytes
        await bot.send_message(alice.chat_id, "no", reply_markup=keyboard("ក" * 22))


async def test_contact_button_only_in_private_chats(fake: FakeTelegram, bot: Bot) -> None:
    bob = fake.user("Bob")
    group = fake.group("Post 010201", members=[bob])
    markup = ReplyKeyboardMarkup([[KeyboardButton("Share phone", request_contact=True)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_TYPE_INVALID"):
        await bot.send_message(group.id, "phone?", reply_markup=markup)


# -- edits ---------------------------------------------------------------------------------------
async def test_edit_rules(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    sent = await bot.send_message(alice.chat_id, "<b>Status</b>", parse_mode="HTML", reply_markup=keyboard("ack"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>Status</b>", alice.chat_id, sent.message_id, parse_mode="HTML", reply_markup=keyboard("ack")
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(alice.chat_id, sent.message_id, reply_markup=keyboard("ack"))
    # Editing the text without reply_markup removes the inline keyboard, as on Telegram.
    edited = await bot.edit_message_text("Status", alice.chat_id, sent.message_id)
    assert edited.reply_markup is None and edited.edit_date is not None
    assert fake.message(alice.chat_id, sent.message_id).edit_count == 1
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", alice.chat_id, 999)
    own = alice.send("mine")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", alice.chat_id, own.message_id)


# -- updates -------------------------------------------------------------------------------------
async def test_get_updates_offset_semantics_and_allowed_updates(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user("Sokha")
    start = alice.send("/start payload-1")
    alice.send("one")
    alice.send("two")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["/start payload-1", "one", "two"]
    assert updates[0].message.entities[0].type == "bot_command" and updates[0].message.entities[0].length == 6
    assert updates[0].message.chat.id == alice.id == start.chat_id
    again = await bot.get_updates(timeout=0, limit=2)
    assert [u.update_id for u in again] == [u.update_id for u in updates[:2]]  # not confirmed yet
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert fake.pending_updates() == []
    # allowed_updates is remembered across calls and filters updates created afterwards.
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    alice.send("filtered out")
    assert await bot.get_updates(timeout=0) == ()


async def test_long_poll_is_woken_by_a_new_update(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_until_polling()
    began = time.monotonic()
    alice.send("/start")
    updates = await poll
    assert len(updates) == 1 and time.monotonic() - began < 1.0


async def test_second_get_updates_terminates_the_first_with_conflict(fake: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_until_polling()
    async with make_bot(fake) as second_instance:  # a second bot process with the same token
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_get_updates_conflicts_with_a_webhook(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()


# -- faults --------------------------------------------------------------------------------------
async def test_injected_flood_error_becomes_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    fake.inject("sendMessage", 429, retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(alice.chat_id, "hi")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(alice.chat_id, "hi")
    assert [m.plain_text for m in fake.bot_messages(alice.chat_id)] == ["hi"]
    assert all(e.injected for e in fake.errors)
    fake.assert_no_errors()  # injected failures are not the bot's fault...
    with pytest.raises(AssertionError, match="Too Many Requests"):
        fake.assert_no_errors(include_injected=True)  # ...unless asked for


async def test_fault_limited_to_one_chat(fake: FakeTelegram, bot: Bot) -> None:
    alice, bob = fake.user("A"), fake.user("B")
    alice.send("/start")
    bob.send("/start")
    fake.inject("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=bob.id)
    await bot.send_message(alice.chat_id, "fine")
    with pytest.raises(Forbidden):
        await bot.send_message(bob.chat_id, "no")


async def test_accepted_but_answer_lost(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    fake.inject("sendMessage", after_accept=True, drop_connection=True)
    with pytest.raises(NetworkError):
        await bot.send_message(alice.chat_id, "delivered anyway")
    fake.inject("sendMessage", 500, after_accept=True)
    with pytest.raises(NetworkError):
        await bot.send_message(alice.chat_id, "delivered too")
    assert [m.plain_text for m in fake.bot_messages(alice.chat_id)] == ["delivered anyway", "delivered too"]


async def test_outage(fake: FakeTelegram, bot: Bot) -> None:
    fake.set_down(True)
    with pytest.raises(NetworkError):
        await bot.get_me()
    fake.set_down(True, status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    fake.set_down(False)
    assert (await bot.get_me()).username == USERNAME


async def test_latency_does_not_serialise_concurrent_calls(fake: FakeTelegram, bot: Bot) -> None:
    fake.set_latency(0.2)
    began = time.monotonic()
    await asyncio.gather(*(bot.get_me() for _ in range(8)))
    assert time.monotonic() - began < 0.6
