"""Bad input gets a clear, translated answer and changes nothing."""

from __future__ import annotations

import json

from tests.test_intake_flow import choose_language, has_button, is_description_prompt, to_description, to_review


def draft_of(bot) -> dict:
    return json.loads(bot.query("SELECT data FROM drafts")[0]["data"])


async def test_stickers_unknown_commands_and_edits_get_an_answer(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    before = draft_of(bot)
    chat.user.send_sticker()
    await chat.reply("Stickers cannot be used here")
    await chat.say("/frobnicate", expect="I don't know that command")
    sent = chat.user.send("They took my phone at the checkpoint.")
    await chat.reply("Saved")
    chat.user.edit(sent, "They took my phone and my money at the checkpoint.")
    await chat.reply("Changes to a message you already sent are not saved")
    assert draft_of(bot)["description"] == ["They took my phone at the checkpoint."]
    assert draft_of(bot)["step"] == before["step"]


async def test_too_short_descriptions(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    await chat.say("😀😀😀 !!! 123", expect="Saved")
    await chat.say("✅ Done", expect="at least 6 letters")
    assert draft_of(bot)["step"] == "description"


async def test_html_quotes_and_bidi_overrides_are_stored_as_typed_and_rendered_safely(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    nasty = 'Officer "Dara" said <script>alert(1)</script> & 1<2 \u202eevil\u202c and \u202eunclosed'
    await chat.say(nasty, expect="Saved")
    await chat.say("✅ Done", expect="Evidence")
    await chat.say("⏭ Skip", expect="How can the police reach you?")
    await chat.say("🙈 Stay anonymous", expect="anonymous")
    review = await chat.reply("Please check your complaint")
    assert nasty in review.plain_text
    # The override the citizen left open is closed right after their text, before the bot's own words.
    after = review.plain_text.split(nasty, 1)[1]
    assert after.startswith("\u202c")
    await chat.press(review, "✅ Submit")
    await chat.reply("Your complaint has been filed")
    assert bot.query("SELECT description FROM complaints")[0]["description"] == nasty


async def test_stale_and_forged_buttons_change_nothing(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    first_categories = await fake.wait_for_message(chat.chat_id, has_button("n:1:cat:drugs"))
    # Discard that draft and start another: the first draft's buttons are now stale.
    confirm = await chat.say("/cancel", expect="Discard this complaint?")
    await chat.press(confirm, "🗑 Yes, discard it")
    await chat.say("/new", expect="what is it about?")
    assert chat.current(first_categories).buttons() == []  # closed when the confirmation came
    query = chat.user.press_raw(first_categories, "n:1:cat:drugs")  # an old client still showing it
    await fake.wait_for(lambda: query in fake.callback_answers)
    assert "earlier message" in chat.answer_of(query)
    assert draft_of(bot)["step"] == "category"

    # Data the bot never issues, pressed with a modified client.
    for forged in ["n:2:cat:not_a_category", "n:2:submit", "admin:delete_all", "n:2:place:999999", "n:2:edit:review"]:
        query = chat.user.press_raw(first_categories, forged)
        await fake.wait_for(lambda q=query: q in fake.callback_answers)
        assert chat.answer_of(query), forged
    assert draft_of(bot) == {**draft_of(bot), "step": "category", "category": None}
    assert bot.query("SELECT COUNT(*) AS n FROM complaints")[0]["n"] == 0


async def test_typed_input_out_of_place(bot, fake, citizen):
    chat = citizen(language_code="en")
    review = await to_review(chat)
    await chat.say("hello?", expect="Please use the buttons under your complaint")
    await chat.press(review, "✏️ Contact")
    await chat.reply("How can the police reach you?")
    await chat.say("12345", expect="That is not a valid phone number")
    await chat.say("🙈 Stay anonymous", expect="anonymous")
    assert draft_of(bot)["contact_mode"] == "anonymous"


async def test_media_location_and_contact_outside_a_complaint(bot, fake, citizen):
    chat = citizen(language_code="en")
    await choose_language(chat)
    chat.user.send_photo()
    await chat.reply("first start a complaint")
    chat.user.send_location(11.56, 104.92)
    await chat.reply("start a complaint with /new")
    chat.user.send_contact("85512345678")
    await chat.reply("contact step")
    chat.user.send("hello")
    await chat.reply("To file a complaint press")


async def test_typing_a_category_name_works_and_nonsense_repeats_the_question(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    await chat.reply("what is it about?")
    await chat.say("pizza", expect="choose one of the categories")
    await chat.reply("what is it about?")
    chat.user.send("gambling")
    await fake.wait_for_message(chat.chat_id, has_button(":place:17"))
    assert draft_of(bot)["category"] == "gambling"
    assert not is_description_prompt(fake.bot_messages(chat.chat_id)[-1])
