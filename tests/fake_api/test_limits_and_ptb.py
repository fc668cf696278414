"""The fake Bot API server: flood limits, bot settings, waiting and events, the user side's rules, and
a real python-telegram-bot Application polling it."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json

import pytest
from telegram import (
    Bot,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox.fake_telegram import FakeTelegram, FloodLimits, parse_html
from sandbox.fake_telegram.entities import detect_entities
from sandbox.fake_telegram.markdown import parse_markdown_v2

from .client import TOKEN, keyboard, make_bot


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
