"""A citizen files a complaint through the fake Telegram server, over HTTP, against the real bot."""

from __future__ import annotations

import asyncio

from bot.domain import tracking
from tests.conftest import Conversation


async def choose_language(chat: Conversation, lang: str = "en"):
    """/start; the first time it shows the language picker, later the menu."""
    picker = await chat.say("/start")
    if "m:new" in [d for _, d in picker.buttons()]:
        return picker
    assert [text for text, _ in picker.buttons()] == ["ភាសាខ្មែរ", "English"]
    await chat.press(picker, f"lang:{lang}")
    return await chat.edited(picker, lambda m: "m:new" in [d for _, d in m.buttons()])


def has_button(data_suffix: str):
    return lambda m: any(d and d.endswith(data_suffix) for _, d in m.buttons())


def is_description_prompt(message) -> bool:
    # The typing steps show a reply keyboard: [✅ Done] over [⬅️ Back, ✖️ Cancel].
    return len((message.reply_markup or {}).get("keyboard", [])) == 2


async def to_description(chat: Conversation, *, lang: str = "en", commune_name: str = "Svay Dankum"):
    """From a new chat to the description step: Drugs, in a commune of Siem Reap typed by name."""
    menu = await choose_language(chat, lang)
    await chat.press(menu, "m:new")
    categories = await chat.fake.wait_for_message(chat.chat_id, has_button(":cat:drugs"))
    await chat.press(categories, next(d for _, d in categories.buttons() if d.endswith(":cat:drugs")))
    await chat.edited(categories, has_button(":place:17"))  # the same message asks for the place
    chat.user.send(commune_name)
    return await chat.fake.wait_for_message(chat.chat_id, is_description_prompt)


async def to_review(chat: Conversation, *, anonymous: bool = True):
    await to_description(chat)
    await chat.say("Drug dealing every night behind the market.", expect="Saved")
    await chat.say("✅ Done", expect="Evidence")
    await chat.say("⏭ Skip", expect="How can the police reach you?")
    if anonymous:
        await chat.say("🙈 Stay anonymous", expect="anonymous")
    else:
        await chat.say("012 345 678", expect="012 345 678")
    return await chat.reply("Please check your complaint")


async def test_file_a_complaint_in_english_from_start_to_tracking_number(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    assert "117" in menu.plain_text

    await chat.press(menu, "m:new")
    categories = await chat.reply("what is it about?")
    await chat.press(categories, "Drugs")
    # The question is edited into the place's (one message for both), the category answered above.
    provinces = await chat.edited(categories, lambda m: "Choose the province" in m.plain_text)
    assert provinces.plain_text.startswith("✅ Category: Drugs")
    await chat.press(provinces, "Siemreap")
    districts = await chat.edited(provinces, lambda m: "district" in m.plain_text)
    await chat.press(districts, "Siem Reab")
    communes = await chat.edited(provinces, lambda m: "commune" in m.plain_text)
    commune_button = communes.buttons()[0]
    await chat.press(communes, commune_button[1])
    prompt = await chat.reply("What happened?")
    assert "send its location" in prompt.plain_text  # the 📍 button is on this step's keyboard
    answered = await chat.edited(provinces, lambda m: not m.buttons())
    assert answered.plain_text.startswith("✅ Category: Drugs\n✅ Place: ")

    await chat.say("A man sells drugs <b>near</b> the school & the market", expect="Saved")
    await chat.say("✅ Done", expect="Evidence")
    chat.user.send_photo(caption="the house")
    await chat.reply("Saved: 1 photo")
    await chat.say("✅ Done", expect="How can the police reach you?")
    await chat.say("012 345 678", expect="Phone number: 012 345 678")
    review = await chat.reply("Please check your complaint")
    assert "A man sells drugs <b>near</b> the school & the market" in review.plain_text
    assert "1 photo" in review.plain_text

    await chat.press(review, "✅ Submit")
    receipt = await chat.reply("Your complaint has been filed")
    number = receipt.plain_text.split("Tracking number: ")[1].split()[0]
    assert tracking.parse(number)[0] is not None

    rows = bot.query("SELECT tracking_no, category, commune_code, description, phone, lang FROM complaints")
    assert len(rows) == 1
    assert rows[0]["category"] == "drugs" and rows[0]["commune_code"] == commune_button[1].split(":")[-1]
    assert rows[0]["description"] == "A man sells drugs <b>near</b> the school & the market"
    assert rows[0]["phone"] == "+85512345678" and rows[0]["lang"] == "en"
    assert bot.query("SELECT COUNT(*) AS n FROM drafts")[0]["n"] == 0
    assert bot.query("SELECT COUNT(*) AS n FROM complaint_evidence")[0]["n"] == 1

    status = await chat.say(f"/status {number}", expect="Complaint")
    assert "Filed: waiting for the police" in status.plain_text


async def test_khmer_citizen_types_places_and_checks_status_in_khmer_digits(bot, fake, citizen):
    chat = citizen()
    menu = await choose_language(chat, "km")
    await chat.press(menu, "m:new")
    categories = await fake.wait_for_message(chat.chat_id, has_button("n:1:cat:drugs"))
    assert "គ្រឿងញៀន" in [text for text, _ in categories.buttons()]
    await chat.press(categories, "n:1:cat:drugs")
    provinces = await chat.edited(categories, has_button("n:1:place:17"))
    # Typed with a zero-width space and the ខេត្ត prefix.
    chat.user.send("ខេត្តសៀម\u200bរាប")
    districts = await fake.wait_for_message(chat.chat_id, has_button("n:1:place:1710"))
    assert districts.message_id != provinces.message_id
    await chat.press(districts, "n:1:place:1710")
    communes = await chat.edited(districts, lambda m: any(d.startswith("n:1:place:1710") for _, d in m.buttons()))
    await chat.press(communes, communes.buttons()[0][1])
    await fake.wait_for_message(chat.chat_id, is_description_prompt)
    chat.user.send("មានគេលក់គ្រឿងញៀននៅជិតសាលារៀនរាល់យប់។")
    await fake.next_bot_message(chat.chat_id)
    # Reply-keyboard labels are recognised in either language, whatever the chosen one.
    for label in ("✅ Done", "⏭ Skip", "🙈 Stay anonymous"):
        chat.user.send(label)
    review = await fake.wait_for_message(chat.chat_id, has_button("n:1:submit"))
    await chat.press(review, "n:1:submit")
    rows = await fake.wait_for(lambda: bot.query("SELECT tracking_no, lang FROM complaints"), what="complaint")
    number = rows[0]["tracking_no"]
    assert rows[0]["lang"] == "km"
    receipt = await fake.wait_for_message(chat.chat_id, lambda m: tracking.display(number, "km") in m.plain_text)
    assert number not in receipt.plain_text  # shown in Khmer digits only

    khmer_digits = tracking.display(number, "km").replace("-", " ")
    await chat.say(f"/status {khmer_digits}", expect=tracking.display(number, "km"))
    # …and a number typed with no command at all, with a zero-width space inside.
    chat.user.send(tracking.display(number, "km").replace("-", "\u200b"))
    await fake.wait_for_message(chat.chat_id, lambda m: tracking.display(number, "km") in m.plain_text)


async def test_back_and_cancel_on_every_step(bot, fake, citizen):
    chat = citizen(language_code="en")
    review = await to_review(chat)
    # Back from the review walks back through contact, evidence, description and the place.
    await chat.press(review, "✏️ Contact")
    await chat.reply("How can the police reach you?")
    await chat.say("⬅️ Back", expect="Please check your complaint")  # while editing: back to the review
    draft = bot.query("SELECT data FROM drafts")[0]["data"]
    assert '"step":"review"' in draft

    # /cancel asks first; "No" keeps everything.
    confirm = await chat.say("/cancel", expect="Discard this complaint?")
    await chat.press(confirm, "↩️ No, continue")
    await chat.reply("Please check your complaint")
    assert bot.query("SELECT COUNT(*) AS n FROM drafts")[0]["n"] == 1

    # The Cancel button, then "Yes": the draft is gone, nothing was filed.
    confirm = await chat.say("✖️ Cancel", expect="Discard this complaint?")
    await chat.press(confirm, "🗑 Yes, discard it")
    await chat.reply("Nothing was sent to the police")
    assert bot.query("SELECT COUNT(*) AS n FROM drafts")[0]["n"] == 0
    assert bot.query("SELECT COUNT(*) AS n FROM complaints")[0]["n"] == 0


async def test_back_walks_all_the_way_to_the_menu_and_keeps_the_draft(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    await chat.say("Somebody stole my motorbike yesterday", expect="Saved")
    await chat.say("⬅️ Back", expect="location")  # ✅ Done would mean nothing at the place: that keyboard goes
    assert [b["text"] for row in fake.reply_keyboard(chat.chat_id)["keyboard"] for b in row] == ["📍 Send my location"]
    communes = await fake.wait_for_message(chat.chat_id, lambda m: "commune" in m.plain_text)
    await chat.press(communes, "⬅️ Back")
    districts = await chat.edited(communes, lambda m: "district" in m.plain_text)
    await chat.press(districts, "⬅️ Back")
    provinces = await chat.edited(communes, lambda m: "province" in m.plain_text)
    await chat.press(provinces, "⬅️ Back")
    categories = await chat.edited(communes, lambda m: "what is it about" in m.plain_text)
    await chat.press(categories, "⬅️ Back")
    menu = await chat.edited(communes, lambda m: "What would you like to do?" in m.plain_text)
    assert "📝 Continue my complaint" in [text for text, _ in menu.buttons()]
    # Nothing typed was lost: /new resumes the draft, with the description still there.
    await chat.say("/new", expect="Let's continue")
    data = bot.query("SELECT data FROM drafts")[0]["data"]
    assert "Somebody stole my motorbike yesterday" in data


async def test_edit_a_part_from_the_review(bot, fake, citizen):
    chat = citizen(language_code="en")
    review = await to_review(chat)
    await chat.press(review, "✏️ Category")
    categories = await chat.reply("what is it about?")
    await chat.press(categories, "Gambling")
    review = await chat.reply("Please check your complaint")
    assert "Gambling" in review.plain_text
    await chat.press(review, "✏️ What happened")
    await chat.reply("Already written")
    await chat.say("They play cards for money every night.", expect="Saved")
    await chat.say("✅ Done", expect="Saved.")
    review = await chat.reply("Please check your complaint")
    assert "behind the market.\n\nThey play cards" in review.plain_text
    await chat.press(review, "✅ Submit")
    await chat.reply("Your complaint has been filed")
    assert bot.query("SELECT category FROM complaints")[0]["category"] == "gambling"


async def test_ambiguous_and_unknown_place_names(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await chat.reply("what is it about?")
    await chat.press(categories, "Theft or robbery")
    await chat.edited(categories, lambda m: "Choose the province" in m.plain_text)
    await chat.say("Atlantis", expect="No place called “Atlantis”")
    choices = await chat.say("Samraong", expect="Several places match")
    assert len(choices.buttons()) > 3
    communes = [d for _, d in choices.buttons() if len(d.rsplit(":", 1)[-1]) == 6]
    await chat.press(choices, communes[0])
    await chat.reply("What happened?")
    commune = bot.query("SELECT data FROM drafts")[0]["data"]
    assert '"commune":"' in commune


async def test_location_pin_is_kept_beside_the_commune(bot, fake, citizen):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await chat.reply("what is it about?")
    await chat.press(categories, "Traffic")
    await chat.edited(categories, lambda m: "Choose the province" in m.plain_text)
    await chat.say("Svay Dankum", expect="What happened?")
    chat.user.tap("📍 Send my location", location=(13.3633, 103.8564))
    await chat.reply("Location saved")
    # Its work done, the 📍 button goes; ✅ Done and the way back stay.
    keyboard = [b["text"] for row in fake.reply_keyboard(chat.chat_id)["keyboard"] for b in row]
    assert keyboard == ["✅ Done", "⬅️ Back", "✖️ Cancel"]
    review = await to_review_from_description(chat)
    assert "Location pin attached" in review.plain_text
    await chat.press(review, "✅ Submit")
    await chat.reply("Your complaint has been filed")
    row = bot.query("SELECT latitude, longitude FROM complaints")[0]
    assert (row["latitude"], row["longitude"]) == (13.3633, 103.8564)


async def to_review_from_description(chat: Conversation):
    await chat.say("A truck blocks the road every morning.", expect="Saved")
    await chat.say("✅ Done", expect="Evidence")
    await chat.say("⏭ Skip", expect="How can the police reach you?")
    await chat.say("🙈 Stay anonymous", expect="anonymous")
    return await chat.reply("Please check your complaint")


async def test_shared_own_contact_and_refused_foreign_contact(bot, fake, citizen):
    chat = citizen(language_code="en", phone="+85597123456")
    await to_description(chat)
    await chat.say("A police officer asked me for money at the checkpoint.", expect="Saved")
    await chat.say("✅ Done", expect="Evidence")
    await chat.say("⏭ Skip", expect="How can the police reach you?")
    chat.user.send_contact("85512000111", own=False, first_name="Someone else")
    await chat.reply("share your own number")
    chat.user.tap("📱 Share my phone number")
    await chat.reply("097 123 456")
    review = await chat.reply("Please check your complaint")
    assert "the officers handling it will see this number" in review.plain_text
    await chat.press(review, "✅ Submit")
    await chat.reply("Your complaint has been filed")
    row = bot.query("SELECT contact_mode, phone FROM complaints")[0]
    assert (row["contact_mode"], row["phone"]) == ("shared", "+85597123456")


async def test_evidence_album_limit_and_kinds(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    await chat.say("They beat my neighbour in front of the house.", expect="Saved")
    await chat.say("✅ Done", expect="Evidence")
    chat.user.send_voice()
    await chat.reply("1 voice message")
    chat.user.send_document(file_name="report.pdf")
    await chat.reply("1 document")
    # Eight more files: the tenth is accepted, the eleventh refused.
    for _ in range(7):
        chat.user.send_photo()
        await chat.reply("Saved")
    chat.user.send_video()
    await chat.reply("(10 of 10)")
    chat.user.send_photo()
    await chat.reply("the most a complaint can have")
    chat.user.send_sticker()
    await chat.reply("Stickers cannot be used here")
    review = await chat.say("✅ Done", expect="How can the police reach you?")
    assert review
    assert len(bot.query("SELECT data FROM drafts")[0]["data"].split('"kind"')) - 1 == 10


async def test_concurrent_citizens_each_get_their_own_number(bot, fake, citizen):
    chats = [citizen(f"Citizen {i}", language_code="en") for i in range(15)]

    async def file(chat: Conversation) -> str:
        review = await to_review(chat)
        await chat.press(review, "✅ Submit")
        receipt = await chat.reply("Your complaint has been filed")
        return receipt.plain_text.split("Tracking number: ")[1].split()[0]

    numbers = await asyncio.gather(*(file(c) for c in chats))
    assert len(set(numbers)) == 15
    assert bot.query("SELECT COUNT(DISTINCT citizen_id) AS n FROM complaints")[0]["n"] == 15
