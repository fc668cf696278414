"""Finished steps close their buttons, like good Telegram bots do (issue 9).

Scrolling back, a citizen finds nothing that looks pressable and is not: once a step is done, its
message shows the answer without buttons, and when the bot moves on to a new message the one before
stops being live. A client that still shows old buttons (or sends old data) gets a polite answer,
and nothing changes: no state, no message sent or edited.
"""

from __future__ import annotations

import asyncio
import json

from bot.domain import tracking
from bot.i18n import Catalogs
from sandbox.fake_telegram.models import Message
from tests import dbaccess
from tests.conftest import Conversation, RunningBot
from tests.test_intake_flow import choose_language, has_button, is_description_prompt, to_review

STALE = "This button belongs to an earlier message and no longer works."
EARLIER_STEP = "This button belongs to an earlier step and no longer works."  # on the live screen, a step ago


async def closed(chat: Conversation, message: Message) -> Message:
    """The message once its buttons are gone (edits are sent after the press is answered)."""

    def without_buttons() -> Message | None:
        current = chat.current(message)
        return None if current.buttons() else current

    return await chat.fake.wait_for(without_buttons, what=f"message {message.message_id} without buttons")


def state(bot: RunningBot, chat: Conversation) -> tuple:
    """Everything a press could change: the draft, the complaints, what the bot queued, the chat."""
    drafts = [tuple(r) for r in bot.query("SELECT seq, data FROM drafts")]
    filed = [tuple(r) for r in bot.query("SELECT id, status, citizen_id FROM complaints")]
    queued = bot.query("SELECT MAX(id) AS n FROM outbox")[0]["n"]
    shown = [(m.message_id, m.raw_text, m.edit_count, m.reply_markup) for m in chat.fake.bot_messages(chat.chat_id)]
    return drafts, filed, queued, shown


async def press_stale(bot: RunningBot, chat: Conversation, message: Message, data: str, answer: str = STALE) -> None:
    """Press `data` on an old message: answered politely, and nothing changes."""
    # Everything queued so far has reached the chat and is recorded (a person cannot press faster).
    await chat.fake.wait_for(
        lambda: bot.query("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'")[0]["n"] == 0,
        what="the bot's messages sent and recorded",
    )
    before = state(bot, chat)
    query = chat.user.press_raw(message, data)
    await chat.fake.wait_for(lambda: query in chat.fake.callback_answers, what="callback answer")
    assert chat.answer_of(query) == answer
    assert state(bot, chat) == before  # the answer comes after the commit: anything queued would show


def draft_of(bot: RunningBot) -> dict:
    return json.loads(bot.query("SELECT data FROM drafts")[0]["data"])


async def test_a_menu_sent_again_closes_the_older_one(bot, fake, citizen):
    chat = citizen(language_code="en")
    picker = await chat.say("/start")
    await chat.press(picker, "lang:en")
    menu = await chat.edited(picker, has_button("m:new"))
    again = await chat.say("/start", expect="What would you like to do?")
    old = await closed(chat, menu)
    assert "What would you like to do?" in old.plain_text  # its words stay, its buttons go
    for data in ("m:help", "m:new", "lang:km"):
        await press_stale(bot, chat, old, data)
    assert chat.current(again).buttons()  # the newest menu works
    await chat.press(again, "m:help")
    await chat.edited(again, lambda m: "How this bot works" in m.plain_text)


async def test_menu_choices_that_start_something_show_the_choice(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:status")
    prompt = await chat.reply("Please type the tracking number")
    assert prompt.buttons() == []
    chosen = await closed(chat, menu)
    assert chosen.plain_text == "Menu: 🔎 Check a complaint"

    menu = await chat.say("/start", expect="What would you like to do?")
    await chat.press(menu, "m:new")
    await fake.wait_for_message(chat.chat_id, has_button(":cat:drugs"))
    assert (await closed(chat, menu)).plain_text == "Menu: 📝 File a complaint"
    await press_stale(bot, chat, menu, "m:new")


async def test_each_choice_keeps_its_answer_whether_pressed_or_typed(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await fake.wait_for_message(chat.chat_id, has_button("n:1:cat:drugs"))
    await chat.press(categories, "n:1:cat:drugs")
    # Pressed: the question is edited into the next one, which shows the answer above it.
    provinces = await chat.edited(categories, has_button("n:1:place:21"))
    assert provinces.plain_text.startswith("✅ Category: Drugs\n\n")
    await press_stale(bot, chat, provinces, "n:1:cat:gambling", EARLIER_STEP)

    chat.user.send("Takeo")  # typed: the list shows the answer, the districts come below
    districts = await fake.wait_for_message(chat.chat_id, has_button("n:1:place:2101"))
    assert districts.message_id != provinces.message_id
    assert (await closed(chat, provinces)).plain_text == "✅ Category: Drugs\n✅ Place: Takeo"
    await press_stale(bot, chat, provinces, "n:1:place:17")
    assert draft_of(bot)["province"] == "21" and draft_of(bot)["step"] == "district"

    await chat.press(districts, "n:1:place:2101")  # pressed: the same message goes a level down
    communes = await chat.edited(districts, lambda m: any(d.startswith("n:1:place:2101") for _, d in m.buttons()))
    commune = communes.buttons()[0][1]
    await chat.press(communes, commune)
    await fake.wait_for_message(chat.chat_id, is_description_prompt)
    place = await closed(chat, communes)
    assert place.plain_text.startswith("✅ Category: Drugs\n✅ Place: ") and place.plain_text.endswith("Takeo")
    await press_stale(bot, chat, place, "n:1:back")
    assert draft_of(bot)["step"] == "description"


async def test_a_commune_typed_at_the_province_step_closes_the_list_with_it(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await fake.wait_for_message(chat.chat_id, has_button("n:1:cat:drugs"))
    await chat.press(categories, "n:1:cat:drugs")
    provinces = await chat.edited(categories, has_button("n:1:place:17"))
    await chat.say("Svay Dankum", expect="What happened?")
    closed_list = await closed(chat, provinces)
    assert closed_list.plain_text == "✅ Category: Drugs\n✅ Place: Svay Dankum, Siem Reab, Siemreap"
    await press_stale(bot, chat, provinces, "n:1:place:17")


async def test_several_matches_take_over_from_the_list(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await fake.wait_for_message(chat.chat_id, has_button("n:1:cat:theft"))
    await chat.press(categories, "n:1:cat:theft")
    provinces = await chat.edited(categories, has_button("n:1:place:17"))
    await chat.say("Atlantis", expect="No place called")
    assert chat.current(provinces).buttons()  # "choose from the list above": it still works
    choices = await chat.say("Samraong", expect="Several places match")
    # The list keeps the category chosen; the matches below, which do not show it, answer the place only.
    assert (await closed(chat, provinces)).plain_text == "✅ Category: Theft or robbery"
    await press_stale(bot, chat, provinces, "n:1:place:17")
    await chat.press(choices, next(d for _, d in choices.buttons() if d.endswith(":place:010505")))
    await chat.reply("What happened?")
    assert (await closed(chat, choices)).plain_text == "✅ Place: Samraong, Ou Chrov, Banteay Meanchey"


async def test_the_review_loses_its_buttons_after_edit_and_submit(bot, fake, citizen):
    chat = citizen(language_code="en")
    review = await to_review(chat)
    await chat.press(review, "✏️ Category")
    categories = await chat.reply("what is it about?")
    old_review = await closed(chat, review)
    assert "Please check your complaint" in old_review.plain_text
    await press_stale(bot, chat, old_review, "n:1:submit")  # not the latest review: nothing filed
    await chat.press(categories, "Gambling")
    review = await chat.reply("Please check your complaint")
    await chat.press(review, "✅ Submit")
    receipt = await chat.reply("Your complaint has been filed")
    await closed(chat, review)
    number = bot.query("SELECT tracking_no FROM complaints")[0]["tracking_no"]
    await press_stale(bot, chat, review, "n:1:submit", f"Already filed as {tracking.display(number, 'en')}.")
    await press_stale(bot, chat, review, "n:1:edit:category")

    # The receipt's 🏠 Menu keeps the receipt (the tracking number) and brings the menu below it.
    await chat.press(receipt, "🏠 Menu")
    menu = await chat.reply("What would you like to do?")
    assert menu.message_id > receipt.message_id
    kept = await closed(chat, receipt)
    assert tracking.display(number, "en") in kept.plain_text
    await press_stale(bot, chat, kept, "m:home")


async def test_the_cancel_confirmation_is_replaced_by_the_answer(bot, fake, citizen):
    chat = citizen(language_code="en")
    review = await to_review(chat)
    await chat.press(review, "✖️ Cancel")
    confirm = await chat.reply("Discard this complaint?")
    await closed(chat, review)
    await chat.press(confirm, "↩️ No, continue")
    review = await chat.reply("Please check your complaint")
    assert (await closed(chat, confirm)).plain_text == "↩️ OK, let's continue."
    await press_stale(bot, chat, confirm, "n:1:discard")  # an old "Yes" never throws the draft away
    assert draft_of(bot)["step"] == "review"


async def test_a_cancel_confirmation_left_unanswered_says_the_complaint_was_kept(bot, fake, citizen):
    # (A chat of its own: Telegram allows a private chat about 28 messages in 30 seconds.)
    chat = citizen(language_code="en")
    review = await to_review(chat)
    await chat.press(review, "✏️ What happened")
    await chat.reply("Already written")
    unanswered = await chat.say("/cancel", expect="Discard this complaint?")
    await chat.say("✅ Done", expect="Please check your complaint")
    assert (await closed(chat, unanswered)).plain_text == "↩️ OK, let's continue."
    await press_stale(bot, chat, unanswered, "n:1:discard")
    assert draft_of(bot)["step"] == "review"


async def test_a_discarded_draft_leaves_the_confirmation_saying_so_and_a_new_menu(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await chat.reply("what is it about?")
    confirm = await chat.say("/cancel", expect="Discard this complaint?")
    await closed(chat, categories)
    await chat.press(confirm, "🗑 Yes, discard it")
    menu = await chat.reply("What would you like to do?")
    assert (await closed(chat, confirm)).plain_text == "🗑 Your draft complaint was discarded."
    assert "📝 File a complaint" in [text for text, _ in menu.buttons()]
    await press_stale(bot, chat, confirm, "n:1:keep")
    assert bot.query("SELECT COUNT(*) AS n FROM drafts")[0]["n"] == 0


async def test_my_complaints_and_a_complaint_close_when_the_chat_moves_on(bot, fake, citizen):
    chat = citizen(language_code="en")
    review = await to_review(chat)
    await chat.press(review, "✅ Submit")
    await chat.reply("Your complaint has been filed")
    number = bot.query("SELECT tracking_no FROM complaints")[0]["tracking_no"]

    listing = await chat.say("/mycomplaints", expect="My complaints")
    await chat.press(listing, f"sc:{number}")  # in place: still the live screen
    detail = await chat.edited(listing, lambda m: "History" in m.plain_text)
    assert detail.buttons()
    await chat.say("/start", expect="What would you like to do?")
    old = await closed(chat, detail)
    assert "History" in old.plain_text
    for data in ("mc:0", f"sc:{number}", "m:mine"):
        await press_stale(bot, chat, old, data)

    # A number typed after the prompt: the complaint is the live screen, the prompt had no buttons.
    await chat.say("/status", expect="Please type the tracking number")
    shown = await chat.say(number, expect="History")
    assert shown.buttons()
    await chat.press(shown, "📋 My complaints")
    await chat.edited(shown, lambda m: "My complaints" in m.plain_text)


async def test_help_and_language_screens_close_when_another_comes(bot, fake, citizen):
    chat = citizen(language_code="en")
    await choose_language(chat)
    help_screen = await chat.say("/help", expect="How this bot works")
    picker = await chat.say("/language", expect="Please choose a language")
    await closed(chat, help_screen)
    await press_stale(bot, chat, help_screen, "m:home")
    await chat.press(picker, "lang:km")
    menu = await chat.edited(picker, has_button("m:new"))
    await press_stale(bot, chat, help_screen, "lang:en", Catalogs.load().get("km")(STALE))  # in the language chosen
    assert menu.buttons()
    assert bot.query("SELECT lang FROM users")[0]["lang"] == "km"


async def test_a_forget_question_left_unanswered_forgets_nobody(bot, fake, citizen):
    chat = citizen(language_code="en")
    await choose_language(chat)
    question = await chat.say("/forget", expect="Forget me")
    await chat.say("/help", expect="How this bot works")
    assert (await closed(chat, question)).plain_text == "↩️ Nothing was changed."
    await press_stale(bot, chat, question, "fg:yes")
    assert bot.query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'forget'")[0]["n"] == 0

    # Answered, it shows what was done; its 🏠 Menu brings the menu below and keeps those words.
    question = await chat.say("/forget", expect="Forget me")
    await chat.press(question, "🗑 Yes, forget me")
    done = await chat.edited(question, lambda m: "Done." in m.plain_text)
    await chat.press(done, "🏠 Menu")
    await chat.reply("What would you like to do?")
    assert "Done." in (await closed(chat, done)).plain_text
    await press_stale(bot, chat, done, "fg:yes")


async def test_after_an_upgrade_the_first_press_makes_its_message_the_live_screen(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)

    # A chat from before screens were recorded: no row says which message is live.
    def forget_screens() -> None:
        db = dbaccess.connect(bot.db_path, timeout=10)
        try:
            with db:
                db.execute("DELETE FROM live_screens")
        finally:
            db.close()

    # In a thread: the bot shares this event loop and must be free to finish its own writes.
    await asyncio.to_thread(forget_screens)
    await chat.press(menu, "m:help")  # trusted as before
    help_screen = await chat.edited(menu, lambda m: "How this bot works" in m.plain_text)
    await chat.say("/help", expect="How this bot works")
    await closed(chat, help_screen)  # it became the live screen, so the next one closed it
    await press_stale(bot, chat, help_screen, "m:home")
