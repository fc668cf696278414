"""Tests of the fake Telegram Bot API server, driven through python-telegram-bot's own client."""

from __future__ import annotations

import os

os.environ["PTB_TIMEDELTA"] = "1"  # PTB warns about int retry_after otherwise (filterwarnings=error)

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox.fake_telegram import ButtonNotFound, FakeTelegram, FloodLimits, parse_html
from sandbox.fake_telegram.entities import detect_entities
from sandbox.fake_telegram.markdown import parse_markdown_v2

TOKEN = "123456:TEST-token"
USERNAME = "complaint_test_bot"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(token=TOKEN, bot_username=USERNAME)
    await server.start()
    yield server
    await server.stop()


def make_bot(fake: FakeTelegram, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=fake.base_url, base_file_url=fake.base_file_url)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


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


# -- chats: migration, membership, privacy -------------------------------------------------------
async def test_migrated_group_answers_chat_migrated(fake: FakeTelegram, bot: Bot) -> None:
    bob = fake.user("Bob")
    group = fake.group("Post 010201", members=[bob])
    old_id = group.id
    new_id = group.migrate_to_supergroup()
    assert str(new_id).startswith("-100") and group.id == new_id
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(old_id, "hello")
    assert caught.value.new_chat_id == new_id
    updates = await bot.get_updates(timeout=0)
    assert [(u.message.chat.id, u.message.migrate_to_chat_id, u.message.migrate_from_chat_id) for u in updates] == [
        (old_id, new_id, None),
        (new_id, None, old_id),
    ]
    sent = await bot.send_message(new_id, "hello")
    assert sent.chat.type == "supergroup"


async def test_forbidden_cases(fake: FakeTelegram, bot: Bot) -> None:
    bob, stranger, blocker = fake.user("Bob"), fake.user("Never wrote"), fake.user("Blocker")
    group = fake.group("Post 010201", supergroup=True, members=[bob])
    await bot.send_message(group.id, "hi")
    group.remove_bot(by=bob)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(group.id, "still there?")
    basic = fake.group("Basic", members=[bob])
    basic.remove_bot(by=bob)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(basic.id, "x")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "x")
    blocker.send("/start")
    blocker.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(blocker.id, "x")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100999, "x")
    statuses = [
        (u.my_chat_member.chat.id, u.my_chat_member.new_chat_member.status)
        for u in await bot.get_updates(timeout=0)
        if u.my_chat_member
    ]
    assert statuses == [(group.id, "kicked"), (basic.id, "left"), (blocker.id, "kicked")]


async def test_add_bot_emits_my_chat_member_and_service_message(fake: FakeTelegram, bot: Bot) -> None:
    bob = fake.user("Bob")
    group = fake.group("Station 3", supergroup=True, bot_status="left", members=[bob])
    group.add_bot("administrator", by=bob)
    first, second = await bot.get_updates(timeout=0)
    assert first.my_chat_member.new_chat_member.status == "administrator"
    assert first.my_chat_member.old_chat_member.status == "left"
    assert second.message.new_chat_members[0].id == fake.bot_id
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {bob.id, fake.bot_id}


async def test_privacy_mode_filters_group_messages(fake: FakeTelegram, bot: Bot) -> None:
    bob = fake.user("Bob")
    group = fake.group("Post", members=[bob])
    busy = fake.group("Busy", members=[bob], other_bots=1)
    open_group = fake.group("Open", members=[bob], privacy=False)
    prompt = await bot.send_message(group.id, "Reply with the case number")
    group.send(bob, "just chatting")
    group.send(bob, f"/bind@{USERNAME} 010201")
    group.send(bob, "/bind@other_bot 010201")
    group.send(bob, "/status")
    group.send(bob, "PP-1", reply_to=prompt)
    busy.send(bob, "/status")
    busy.send(bob, f"/status@{USERNAME}")
    open_group.send(bob, "anything")
    texts = [u.message.text for u in await bot.get_updates(timeout=0)]
    assert texts == [f"/bind@{USERNAME} 010201", "/status", "PP-1", f"/status@{USERNAME}", "anything"]
    assert len(fake.messages(group.id)) == 6  # users still see everything


# -- files ---------------------------------------------------------------------------------------
async def test_upload_get_file_and_download(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    sent = await bot.send_photo(alice.chat_id, b"\xff\xd8evidence", caption="<b>Evidence</b>", parse_mode="HTML")
    assert sent.caption == "Evidence" and len(sent.photo) == 2
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\xff\xd8evidence"
    again = await bot.send_photo(alice.chat_id, sent.photo[-1].file_id)  # reuse by file_id
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/HTTP URL specified"):
        await bot.send_document(alice.chat_id, "no-such-file-id")
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_document(alice.chat_id, sent.photo[-1].file_id)
    # Files sent by users can be downloaded by the bot.
    voice = alice.send_voice(duration=4)
    document = alice.send_document(b"%PDF-1.4 complaint", file_name="complaint.pdf")
    (_, voice_update, doc_update) = await bot.get_updates(timeout=0)
    assert voice_update.message.voice.duration == dtm.timedelta(seconds=4)
    voice_file = await bot.get_file(voice_update.message.voice.file_id)
    assert bytes(await voice_file.download_as_bytearray()) == fake.world.files[voice.file_id].data
    doc_file = await bot.get_file(doc_update.message.document.file_id)
    assert bytes(await doc_file.download_as_bytearray()) == b"%PDF-1.4 complaint"
    assert doc_update.message.document.file_name == document.media["file_name"] == "complaint.pdf"


async def test_media_group(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    album = await bot.send_media_group(
        alice.chat_id,
        [InputMediaPhoto(b"one", caption="<i>1</i>", parse_mode="HTML"), InputMediaPhoto(b"two")],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert album[0].caption == "1"


async def test_copy_and_forward(fake: FakeTelegram, bot: Bot) -> None:
    alice, officer = fake.user("Sokha"), fake.user("Officer")
    group = fake.group("Post 010201", supergroup=True, members=[officer])
    alice.send("/start")
    photo = alice.send_photo(caption="broken window")
    copied = await bot.copy_message(group.id, alice.chat_id, photo.message_id, caption="Evidence for PP-1")
    stored = fake.message(group.id, copied.message_id)
    assert stored.media_kind == "photo" and stored.caption == "Evidence for PP-1"
    assert stored.copied_from == (alice.chat_id, photo.message_id)
    forwarded = await bot.forward_message(group.id, alice.chat_id, photo.message_id)
    assert forwarded.forward_origin.sender_user.id == alice.id
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(group.id, alice.chat_id, 999)


async def test_reply_and_thread_checks(fake: FakeTelegram, bot: Bot) -> None:
    officer = fake.user("Officer")
    forum = fake.group("Stations", forum=True, bot_status="administrator", members=[officer])
    topic = await bot.create_forum_topic(forum.id, "Complaints")
    in_topic = await bot.send_message(forum.id, "card", message_thread_id=topic.message_thread_id)
    assert in_topic.is_topic_message and in_topic.message_thread_id == topic.message_thread_id
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum.id, "card", message_thread_id=9999)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(forum.id, "x", reply_parameters=ReplyParameters(message_id=9999))
    await bot.send_message(
        forum.id, "x", reply_parameters=ReplyParameters(message_id=9999, allow_sending_without_reply=True)
    )
    user_topic = forum.create_topic("By officer", by=officer)
    reply = forum.send(officer, "done", topic=user_topic)
    assert reply.message_thread_id == user_topic.thread_id
    plain = fake.group("Plain", supergroup=True, members=[officer])
    with pytest.raises(BadRequest, match=r"(?i)the chat is not a forum"):
        await bot.create_forum_topic(plain.id, "x")


# -- callbacks -----------------------------------------------------------------------------------
async def test_callback_queries(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    sent = await bot.send_message(alice.chat_id, "Language?", reply_markup=keyboard("lang:km", "lang:en"))
    stored = fake.message(alice.chat_id, sent.message_id)
    assert stored.buttons() == [("lang:km", "lang:km"), ("lang:en", "lang:en")]
    with pytest.raises(ButtonNotFound):
        alice.press(stored, "lang:fr")
    query_id = alice.press(stored, "lang:km")
    assert fake.unanswered_callbacks() == [query_id]
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query.data == "lang:km" and query.message.message_id == sent.message_id
    assert query.message.date.timestamp() > 0 and query.message.reply_markup is not None
    assert await query.answer("Saved")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")
    assert fake.callback_answers[query_id]["text"] == "Saved" and fake.unanswered_callbacks() == []
    forged = alice.press_raw(sent, "admin:delete-all")  # PTB Message objects work too
    assert fake.world.callbacks[forged].data == "admin:delete-all"


async def test_callback_expires() -> None:
    now = [1_767_225_600.0]
    fake = FakeTelegram(token=TOKEN, bot_username=USERNAME, clock=lambda: now[0])
    async with fake, make_bot(fake) as client:
        alice = fake.user()
        alice.send("/start")
        sent = await client.send_message(alice.chat_id, "?", reply_markup=keyboard("ok"))
        query_id = alice.press(fake.message(alice.chat_id, sent.message_id), "ok")
        now[0] += 16
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await client.answer_callback_query(query_id)
        assert fake.unanswered_callbacks() == [query_id]


# -- rate limits ---------------------------------------------------------------------------------
async def test_limit_report(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    bob = fake.user("Bob")
    group = fake.group("Post", members=[bob])
    for i in range(3):
        await bot.send_message(alice.chat_id, f"p{i}")
    for i in range(4):
        await bot.send_message(group.id, f"g{i}")
    report = fake.limit_report()
    assert report.total_messages == 7
    assert report.max_per_second_overall == 7
    assert report.max_per_minute_per_group == 4
    assert report.max_per_second_per_private_chat == 3
    assert report.violations() == [f"3 messages in 1 s to private chat {alice.chat_id} (> 1)"]


async def test_enforced_group_limit() -> None:
    fake = FakeTelegram(token=TOKEN, enforce_limits=True, limits=FloodLimits(per_minute_per_group=3))
    async with fake, make_bot(fake) as client:
        group = fake.group("Post", members=[fake.user()])
        for _ in range(3):
            await client.send_message(group.id, "x")
        with pytest.raises(RetryAfter) as caught:
            await client.send_message(group.id, "x")
        assert dtm.timedelta(seconds=1) <= caught.value.retry_after <= dtm.timedelta(seconds=60)


# -- bot settings --------------------------------------------------------------------------------
async def test_commands_are_stored_per_scope_and_language(fake: FakeTelegram, bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeAllGroupChats

    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("status", "Status")])
    await bot.set_my_commands([BotCommand("start", "ចាប់ផ្តើម")], language_code="km")
    await bot.set_my_commands([BotCommand("bind", "Bind")], scope=BotCommandScopeAllGroupChats())
    assert [c["command"] for c in fake.commands()] == ["start", "status"]
    assert fake.commands(language_code="km") == [{"command": "start", "description": "ចាប់ផ្តើម"}]
    assert [c["command"] for c in fake.commands("all_group_chats")] == ["bind"]
    assert [c.command for c in await bot.get_my_commands(language_code="km")] == ["start"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start-Now", "x")])


# -- waiting and events --------------------------------------------------------------------------
async def test_waiting_is_not_racy(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    events = fake.subscribe()
    await bot.send_message(alice.chat_id, "first")  # sent before anyone waits
    assert (await fake.next_bot_message(alice.chat_id)).text == "first"
    later = asyncio.create_task(fake.wait_for_message(alice.chat_id, lambda m: "PP-" in m.plain_text))
    await bot.send_message(alice.chat_id, "noise")
    await bot.send_message(alice.chat_id, "Tracking PP-2026-000001")
    assert (await later).plain_text == "Tracking PP-2026-000001"
    assert (await fake.next_bot_message(alice.chat_id)).text == "noise"
    with pytest.raises(TimeoutError):
        await fake.next_bot_message(alice.chat_id, timeout=0.05)
    edit = asyncio.create_task(fake.wait_for_edit(alice.chat_id, 2))
    await bot.edit_message_text("first, edited", alice.chat_id, 2)
    assert (await edit).text == "first, edited"
    kinds = [events.get_nowait()["type"] for _ in range(events.qsize())]
    assert kinds.count("message") == 3 and kinds.count("edit") == 1


# -- user-side rules -----------------------------------------------------------------------------
def test_user_entities_follow_telegram_rules() -> None:
    assert detect_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert detect_entities("/start@complaint_test_bot x")[0]["length"] == 25
    assert detect_entities("/st@ab") == []  # a @suffix needs 3-32 characters
    assert detect_entities("😀 /help")[0]["offset"] == 3  # UTF-16 offsets


def test_html_parser_offsets_and_pre_language() -> None:
    parsed = parse_html('😀<b>x</b><pre><code class="language-python">print(1)</code></pre>')
    assert parsed.text == "😀xprint(1)"
    assert parsed.entities == [
        {"type": "bold", "offset": 2, "length": 1},
        {"type": "pre", "offset": 3, "length": 8, "language": "python"},
    ]
    assert parse_markdown_v2(r"*PP\-1* done\.").entities == [{"type": "bold", "offset": 0, "length": 4}]


async def test_contact_button_shares_phone_without_plus(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user("Sokha", phone="+85512345678")
    alice.send("/start")
    markup = ReplyKeyboardMarkup([[KeyboardButton("Share phone", request_contact=True)]], one_time_keyboard=True)
    await bot.send_message(alice.chat_id, "Phone?", reply_markup=markup)
    alice.tap("Share phone")
    assert fake.reply_keyboard(alice.chat_id) is None
    contact = (await bot.get_updates(timeout=0))[-1].message.contact
    assert (contact.phone_number, contact.user_id) == ("85512345678", alice.id)
    with pytest.raises(ValueError, match="first message to a bot is /start"):
        fake.user().send("hello")


# -- a real PTB Application polling the fake -----------------------------------------------------
async def test_ptb_application_end_to_end(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = " ".join(context.args or [])
        await update.effective_message.reply_text(f"Welcome {payload}".strip(), reply_markup=keyboard("lang:km"))

    async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("ភាសាខ្មែរ")

    app = Application.builder().token(TOKEN).base_url(fake.base_url).base_file_url(fake.base_file_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(choose))
    alice = fake.user("Sokha", language_code="km")
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            alice.send("/start@other_bot")  # addressed to another bot: PTB ignores it
            alice.send("/start deep-link")
            welcome = await fake.next_bot_message(alice.chat_id)
            assert welcome.text == "Welcome deep-link"
            alice.press(welcome, "lang:km")
            edited = await fake.wait_for_edit(alice.chat_id, welcome.message_id)
            assert edited.text == "ភាសាខ្មែរ" and edited.buttons() == []
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.bot_messages(alice.chat_id) == [welcome]
    assert fake.unanswered_callbacks() == []
    fake.assert_no_errors()
    assert json.dumps(fake.calls[-1].params)  # the call log is JSON-friendly


async def test_remaining_methods_round_trip_through_ptb(fake: FakeTelegram, bot: Bot) -> None:
    from telegram import MenuButtonCommands, ReactionTypeEmoji

    alice = fake.user("Sokha", last_name="Chan", username="sokha")
    officer = fake.user("Officer")
    group = fake.group("Post", supergroup=True, bot_status="administrator", members=[officer])
    alice.send("/start")
    chat_id = alice.chat_id
    assert (await bot.get_chat(chat_id)).first_name == "Sokha"
    assert (await bot.get_chat(group.id)).title == "Post"
    assert (await bot.get_chat_member(group.id, officer.id)).status == "creator"
    assert (await bot.get_chat_member(group.id, fake.bot_id)).status == "administrator"
    assert await bot.get_chat_member_count(group.id) == 2
    assert await bot.send_chat_action(chat_id, "typing")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(chat_id, "dancing")
    location = await bot.send_location(chat_id, 11.55, 104.92)
    assert location.location.latitude == 11.55
    contact = await bot.send_contact(chat_id, "+85512345678", "Hotline")
    assert contact.contact.first_name == "Hotline"
    for send, kwargs in [
        (bot.send_document, {"document": b"%PDF", "filename": "case.pdf"}),
        (bot.send_video, {"video": b"vid"}),
        (bot.send_voice, {"voice": b"ogg"}),
        (bot.send_audio, {"audio": b"mp3"}),
        (bot.send_animation, {"animation": b"gif"}),
        (bot.send_video_note, {"video_note": b"note"}),
        (bot.send_sticker, {"sticker": b"webp"}),
    ]:
        assert (await send(chat_id, **kwargs)).message_id
    photo = await bot.send_photo(chat_id, b"jpg", caption="before")
    edited = await bot.edit_message_caption(chat_id, photo.message_id, caption="<b>after</b>", parse_mode="HTML")
    assert edited.caption == "after"
    assert await bot.set_message_reaction(chat_id, photo.message_id, [ReactionTypeEmoji("👍")])
    assert fake.message(chat_id, photo.message_id).reactions == [{"type": "emoji", "emoji": "👍"}]
    assert await bot.pin_chat_message(group.id, (await bot.send_message(group.id, "pin me")).message_id)
    assert await bot.unpin_chat_message(group.id)
    ids = await bot.copy_messages(group.id, chat_id, [location.message_id, contact.message_id])
    assert len(ids) == 2
    assert await bot.delete_messages(chat_id, [location.message_id, contact.message_id, 999])
    assert fake.message(chat_id, location.message_id).deleted
    assert await bot.delete_message(chat_id, photo.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(chat_id, photo.message_id)
    assert await bot.set_chat_menu_button(chat_id, MenuButtonCommands())
    assert (await bot.get_chat_menu_button(chat_id)).type == "commands"
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.delete_my_commands()
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden):
        await bot.send_message(group.id, "gone")
    # Media sent by users parse as PTB objects.
    alice.send_sticker("🚓")
    alice.send_video_note()
    alice.send_audio()
    alice.send_animation()
    alice.send_location(11.5564, 104.9282)
    alice.send_contact("+855 99 999 999", first_name="Friend", own=False)
    user_updates = (await bot.get_updates(timeout=0))[-6:]
    sticker, note, audio, animation, loc, friend = (u.message for u in user_updates)
    assert (sticker.sticker.emoji, sticker.sticker.type) == ("🚓", "regular")
    assert note.video_note.length == 240 and audio.audio.duration and animation.animation.width
    assert loc.location.longitude == 104.9282 and friend.contact.user_id is None
    fake.errors.clear()
    assert await bot.log_out() and await bot.close()
    fake.assert_no_errors()


async def test_bot_texts_and_topic_management(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_description("Complaints about police", language_code="en")
    await bot.set_my_short_description("បណ្តឹង")
    assert (await bot.get_my_description(language_code="en")).description == "Complaints about police"
    assert (await bot.get_my_short_description(language_code="km")).short_description == "បណ្តឹង"
    officer = fake.user("Officer")
    forum = fake.group("Stations", forum=True, bot_status="administrator", members=[officer])
    topic = await bot.create_forum_topic(forum.id, "Station 3")
    assert await bot.close_forum_topic(forum.id, topic.message_thread_id)
    assert await bot.reopen_forum_topic(forum.id, topic.message_thread_id)
    assert await bot.delete_forum_topic(forum.id, topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum.id, "card", message_thread_id=topic.message_thread_id)


async def test_abandoned_long_poll_does_not_conflict(fake: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_until_polling()
    poll.cancel()  # the client goes away (bot stopped or crashed)
    with pytest.raises(asyncio.CancelledError):
        await poll
    await fake.wait_for(lambda: not fake.is_polling, timeout=1.0, what="the server to notice")
    async with make_bot(fake) as restarted:
        assert await restarted.get_updates(timeout=0) == ()
    fake.assert_no_errors()


# -- removing members (banChatMember, unbanChatMember, chat_member) ------------------------------
MEMBER_UPDATES = ["message", "chat_member", "my_chat_member"]


async def test_ban_removes_a_member_until_unbanned_and_telegram_reports_each_change(
    fake: FakeTelegram, bot: Bot
) -> None:
    owner, dara = fake.user("Owner"), fake.user("Dara")
    group = fake.group("Post", supergroup=True, bot_status="administrator", members=[owner, dara])
    await bot.get_updates(timeout=0, allowed_updates=MEMBER_UPDATES)
    assert await bot.ban_chat_member(group.id, dara.id, revoke_messages=False)
    assert (await bot.get_chat_member(group.id, dara.id)).status == "kicked"
    assert await bot.get_chat_member_count(group.id) == 2  # the owner and the bot
    with pytest.raises(ValueError, match="banned"):
        group.add_member(dara, by=owner)  # not even an administrator can add them back
    assert await bot.unban_chat_member(group.id, dara.id, only_if_banned=True)
    assert (await bot.get_chat_member(group.id, dara.id)).status == "left"  # free to join, not added back
    group.add_member(dara, by=owner)
    assert await bot.unban_chat_member(group.id, dara.id, only_if_banned=True)  # not banned: nothing happens
    assert (await bot.get_chat_member(group.id, dara.id)).status == "member"
    assert await bot.unban_chat_member(group.id, dara.id)  # without only_if_banned it removes, as documented
    assert (await bot.get_chat_member(group.id, dara.id)).status == "left"
    updates = await bot.get_updates(timeout=0)
    members = [u.chat_member for u in updates if u.chat_member]
    changes = [(c.old_chat_member.status, c.new_chat_member.status) for c in members]
    assert changes == [("member", "kicked"), ("kicked", "left"), ("left", "member"), ("member", "left")]
    first = members[0]
    assert (first.chat.id, first.from_user.id, first.new_chat_member.user.id) == (group.id, fake.bot_id, dara.id)
    removals = [m.service["left_chat_member"]["id"] for m in fake.messages(group.id) if "left_chat_member" in m.service]
    assert removals == [dara.id, dara.id]  # the service message (posted by the bot), each time they were in
    # A basic group keeps no ban list: the ban just removes, and unbanChatMember does not exist there.
    basic = fake.group("Basic", bot_status="administrator", members=[owner, dara])
    assert await bot.ban_chat_member(basic.id, dara.id)
    assert (await bot.get_chat_member(basic.id, dara.id)).status == "left"
    with pytest.raises(BadRequest, match=r"(?i)method is available for supergroup and channel chats only"):
        await bot.unban_chat_member(basic.id, dara.id)


async def test_ban_is_refused_like_telegram_refuses_it(fake: FakeTelegram, bot: Bot) -> None:
    owner, admin, dara = fake.user("Owner"), fake.user("Admin"), fake.user("Dara")
    group = fake.group("Post", supergroup=True, members=[owner, dara], admins=[admin])
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict chat member"):
        await bot.ban_chat_member(group.id, dara.id)  # the bot is only a member
    group.set_bot_status("administrator", by=owner, rights={"can_restrict_members": False})
    own = await bot.get_chat_member(group.id, fake.bot_id)
    assert own.status == "administrator" and not own.can_restrict_members and own.can_delete_messages
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict chat member"):
        await bot.ban_chat_member(group.id, dara.id)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict chat member"):
        await bot.unban_chat_member(group.id, dara.id, only_if_banned=True)
    group.set_bot_status("administrator", by=owner)
    assert (await bot.get_chat_member(group.id, fake.bot_id)).can_restrict_members
    with pytest.raises(BadRequest, match=r"(?i)can't remove chat owner"):
        await bot.ban_chat_member(group.id, owner.id)
    with pytest.raises(BadRequest, match=r"(?i)user is an administrator of the chat"):
        await bot.ban_chat_member(group.id, admin.id)
    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await bot.ban_chat_member(group.id, 987654321)
    dara.send("/start")
    with pytest.raises(BadRequest, match=r"(?i)can't ban members in private chats"):
        await bot.ban_chat_member(dara.chat_id, dara.id)
    with pytest.raises(ValueError, match="unknown administrator rights"):
        group.set_bot_status("administrator", by=owner, rights={"can_fly": True})
    assert (await bot.get_chat_member(group.id, dara.id)).status == "member"  # nothing changed
    stranger = fake.user("Stranger")
    assert await bot.ban_chat_member(group.id, stranger.id)  # someone not in the group is banned beforehand
    with pytest.raises(ValueError, match="banned"):
        group.add_member(stranger)


async def test_chat_member_updates_go_only_to_an_administrator_that_asked_for_them(
    fake: FakeTelegram, bot: Bot
) -> None:
    owner, dara, muted = fake.user("Owner"), fake.user("Dara"), fake.user("Muted")
    group = fake.group("Post", supergroup=True, members=[owner])
    group.add_member(dara)  # the bot is not an administrator: no chat_member
    assert [u for u in await bot.get_updates(timeout=0) if u.chat_member] == []
    group.set_bot_status("administrator", by=owner, rights={"can_restrict_members": False})
    group.remove_member(dara)
    assert [u for u in await bot.get_updates(timeout=0) if u.chat_member] == []  # not asked for (the default)
    await bot.get_updates(timeout=0, allowed_updates=MEMBER_UPDATES)
    group.add_member(dara)
    group.add_member(muted, by=owner, status="restricted")
    group.remove_member(dara)
    updates = [u.chat_member for u in await bot.get_updates(timeout=0) if u.chat_member]
    assert [(c.new_chat_member.user.id, c.new_chat_member.status) for c in updates] == [
        (dara.id, "member"),
        (muted.id, "restricted"),
        (dara.id, "left"),
    ]
    assert updates[1].new_chat_member.is_member and not updates[1].new_chat_member.can_send_messages
    assert updates[1].from_user.id == owner.id and updates[0].from_user.id == dara.id
