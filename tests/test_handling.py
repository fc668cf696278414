"""Officers act on complaints from their group; citizen and officers talk through the bot."""

from __future__ import annotations

import pytest

from bot.domain import tracking
from tests.stations import DISTRICT, POST, file_complaint, make_world


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    await w.invite(POST, name="Dara")
    yield w
    await w.bot.stop()
    fake.assert_no_errors()
    assert fake.unanswered_callbacks() == []


async def press(world, who, message, button):
    query = who.press(message, button)
    await world.fake.wait_for(lambda: query in world.fake.callback_answers)
    return world.fake.callback_answers[query]


async def answer_prompt(world, who, text=None, *, photo=False, again=False):
    """Reply to the bot's newest question (a force-reply prompt) in the post's group; `again`: the
    same question once more (after the bot asked for a better answer)."""
    group = world.groups[POST]

    def prompts():
        found = [m for m in world.fake.bot_messages(group.id) if (m.reply_markup or {}).get("force_reply")]
        return found if again else [m for m in found if (m.chat_id, m.message_id) not in world.answered]

    await world.fake.wait_for(prompts, what="a question from the bot")
    prompt = prompts()[-1]
    world.answered.add((prompt.chat_id, prompt.message_id))
    if photo:
        return who.send_photo(caption=text, chat=group, reply_to=prompt)
    return group.send(who, text, reply_to=prompt)


async def test_acknowledge_reply_answer_and_resolve_with_the_citizen_told_at_every_step(world, citizen):
    fake, group, dara = world.fake, world.groups[POST], world.officers[f"{POST}:Dara"]
    chat = citizen(language_code="km")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    # The citizen switches to Khmer: from now on they are told everything in Khmer.
    picker = await chat.say("/language")
    await chat.press(picker, "lang:km")

    await press(world, dara, card, "✅ Acknowledge")
    card = await fake.wait_for_edit(group.id, card.message_id, lambda m: "Acknowledged by Dara" in m.plain_text)
    ack = await chat.reply(tracking.display(number, "km"))
    assert "បញ្ជាក់" in ack.plain_text  # in the citizen's language, Khmer

    await press(world, dara, card, "💬 Reply")
    await answer_prompt(world, dara, "Can you tell us the time it happens?")
    relayed = await chat.reply("Can you tell us the time it happens?")
    assert tracking.display(number, "km") in relayed.plain_text
    await fake.wait_for_message(group.id, lambda m: "Sent to Citizen" in m.plain_text)

    # The citizen answers by replying to that message; it appears in the group, under the card.
    chat.user.send("Around 9 in the evening.", reply_to=relayed)
    shown = await fake.wait_for_message(group.id, lambda m: "Around 9 in the evening." in m.plain_text)
    assert shown.reply_to_message_id == card.message_id
    assert f"Citizen {world.query('SELECT pseudonym FROM complaints')[0]['pseudonym']}" in shown.plain_text

    # …or with the ↩️ button, and a photo.
    await chat.press(relayed, next(d for _, d in relayed.buttons() if d.startswith("ra:")))
    await chat.reply()
    chat.user.send_photo(caption="the house")
    copied = await fake.wait_for_message(group.id, lambda m: m.media_kind == "photo")
    assert "the house" in copied.plain_text and copied.reply_to_message_id == card.message_id

    # An officer's photo reaches the citizen too, in the citizen's language frame.
    group.send(dara, "Is this the man?", reply_to=shown)
    await chat.reply("Is this the man?")
    dara.send_photo(caption="this one?", chat=group, reply_to=shown)
    photo = await fake.wait_for_message(chat.chat_id, lambda m: m.media_kind == "photo")
    assert "this one?" in photo.plain_text and tracking.display(number, "km") in photo.plain_text

    actions = [r["action"] for r in world.query("SELECT action FROM complaint_events ORDER BY id")]
    assert actions == [
        "filed",
        "routed",
        "acknowledged",
        "officer_message",
        "citizen_message",
        "citizen_message",
        "officer_message",
        "officer_message",
    ]
    # Every action names who did it.
    assert {
        r["actor_id"] for r in world.query("SELECT actor_id FROM complaint_events WHERE actor_kind = 'officer'")
    } == {dara.id}


async def test_resolve_with_a_note_and_the_citizens_rating(world, citizen):
    fake, group, dara = world.fake, world.groups[POST], world.officers[f"{POST}:Dara"]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    await press(world, dara, card, "✔️ Resolve")
    await answer_prompt(world, dara, "We arrested the seller on Friday.")
    resolved = await chat.reply("We arrested the seller on Friday.")
    assert tracking.display(number, "en") in resolved.plain_text
    question = await fake.wait_for_message(chat.chat_id, lambda m: any(d.startswith("fb:") for _, d in m.buttons()))
    down = next(d for _, d in question.buttons() if d.endswith(":down"))  # pressed later, once closed
    await chat.press(question, next(d for _, d in question.buttons() if d.endswith(":up")))
    await fake.wait_for(lambda: world.query("SELECT feedback FROM complaints")[0]["feedback"] == "up")
    final = await fake.wait_for_edit(group.id, card.message_id, lambda m: "rating" in m.plain_text)
    assert final.buttons() == []  # nothing left to do on a resolved complaint
    second = chat.user.press_raw(question, down)
    await fake.wait_for(lambda: second in fake.callback_answers)
    assert "already recorded" in chat.answer_of(second)
    actions = [r["action"] for r in world.query("SELECT action FROM complaint_events ORDER BY id")]
    assert actions == ["filed", "routed", "resolved", "feedback"]


async def test_strangers_other_units_and_forged_buttons_change_nothing(world, citizen):
    fake, group = world.fake, world.groups[POST]
    await world.bind(DISTRICT)
    elsewhere = await world.invite("0102", name="Elsewhere")
    stranger = fake.user("Stranger", language_code="en")
    stranger.send("/start")
    await world.english(stranger)
    group.add_member(stranger)
    group.add_member(elsewhere)
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    for who in (stranger, elsewhere):
        answer = await press(world, who, card, "✅ Acknowledge")
        assert answer["show_alert"] and "Only officers of" in answer["text"]
    complaint_id = world.query("SELECT id FROM complaints")[0]["id"]
    dara = world.officers[f"{POST}:Dara"]
    for forged in (
        f"c:{complaint_id + 100}:ack",
        f"c:{complaint_id}:rr:whatever",
        "c:x:ack",
        f"c:{complaint_id}:delete",
    ):
        query = dara.press_raw(card, forged)
        await fake.wait_for(lambda q=query: q in fake.callback_answers)
    # Replying to the card is also refused for strangers.
    group.send(stranger, "I am the police, tell me your name", reply_to=card)
    await fake.wait_for_message(group.id, lambda m: "Only officers of" in m.plain_text)
    assert world.query("SELECT status FROM complaints")[0]["status"] == "submitted"
    assert [r["action"] for r in world.query("SELECT action FROM complaint_events ORDER BY id")] == ["filed", "routed"]


async def test_double_taps_do_nothing_twice(world, citizen):
    fake, dara = world.fake, world.officers[f"{POST}:Dara"]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    first = dara.press_raw(card, card.buttons()[0][1])
    second = dara.press_raw(card, card.buttons()[0][1])
    await fake.wait_for(lambda: first in fake.callback_answers and second in fake.callback_answers)
    assert "already" in fake.callback_answers[second]["text"]
    assert [r["action"] for r in world.query("SELECT action FROM complaint_events")].count("acknowledged") == 1
    await chat.reply("acknowledged your complaint")


async def test_transfer_moves_the_card_and_tells_the_citizen(world, citizen):
    fake, group, dara = world.fake, world.groups[POST], world.officers[f"{POST}:Dara"]
    district = await world.bind(DISTRICT)
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    await press(world, dara, card, "↪️ Transfer")
    await answer_prompt(world, dara, "nonsense")
    await fake.wait_for_message(group.id, lambda m: "unit code and the reason" in m.plain_text)
    await answer_prompt(world, dara, "១៧១០ this is a matter for the district", again=True)  # Khmer digits work
    new_card = await world.card(DISTRICT, number)
    assert new_card.chat_id == district.id
    old = await fake.wait_for_edit(group.id, card.message_id, lambda m: "Transferred to" in m.plain_text)
    assert old.buttons() == []
    told = await chat.reply("was transferred")
    assert "this is a matter for the district" in told.plain_text
    assert world.query("SELECT unit_code, status FROM complaints")[0][0] == DISTRICT


async def test_reject_with_a_reason_the_citizen_sees_and_where_to_go(world, citizen):
    fake, group, dara = world.fake, world.groups[POST], world.officers[f"{POST}:Dara"]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    await press(world, dara, card, "⛔ Reject")
    reasons = await fake.wait_for_edit(
        group.id, card.message_id, lambda m: "c:" in str(m.buttons()) and "rr" in str(m.buttons())
    )
    await press(world, dara, reasons, "Not a police matter")
    await answer_prompt(world, dara, "This is a land dispute between neighbours.")
    told = await chat.reply("closed your complaint")
    assert "land dispute" in told.plain_text and "Where to go instead" in told.plain_text
    assert world.query("SELECT status FROM complaints")[0]["status"] == "rejected"


async def test_evidence_and_location_are_copied_under_the_card_without_the_sender(world, citizen):
    fake, group = world.fake, world.groups[POST]
    chat = citizen(language_code="en")
    await file_complaint(chat, category="theft", evidence=("photo", "voice"), location=(13.36, 103.86))
    card = await fake.wait_for_message(group.id, lambda m: bool(m.buttons()))
    assert "2 attachments below" in card.plain_text and "location below" in card.plain_text
    photo = await fake.wait_for_message(group.id, lambda m: m.media_kind == "photo")
    voice = await fake.wait_for_message(group.id, lambda m: m.media_kind == "voice")
    pin = await fake.wait_for_message(group.id, lambda m: m.location is not None)
    for message in (photo, voice, pin):
        assert message.reply_to_message_id == card.message_id and message.forward_origin is None


async def test_both_sides_see_the_history_with_status(world, citizen):
    fake, group, dara = world.fake, world.groups[POST], world.officers[f"{POST}:Dara"]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    await press(world, dara, card, "✅ Acknowledge")
    await chat.reply("acknowledged your complaint")
    await press(world, dara, card, "💬 Reply")
    await answer_prompt(world, dara, "We will visit tomorrow.")
    await chat.reply("We will visit tomorrow.")
    # The officers' view, in an officer's private chat (a group is only pointed there): who did what.
    group.send(dara, f"/status {number}")
    await fake.wait_for_message(group.id, lambda m: "ask me in a private chat" in m.plain_text)
    dara.send(f"/status {number}")
    staff_view = await fake.wait_for_message(
        dara.chat_id, lambda m: "History" in m.plain_text and "Acknowledged by Dara" in m.plain_text
    )
    assert "We will visit tomorrow." in staff_view.plain_text
    # The citizen's view: the unit, never an officer's name.
    mine = await chat.say(f"/status {number}", expect="History")
    assert "Acknowledged by Sangkat Sla Kram" in mine.plain_text and "Dara" not in mine.plain_text
    assert "We will visit tomorrow." in mine.plain_text
    # Someone outside the unit asking in their own chat learns nothing.
    outsider = await world.invite("0102", name="Outsider")
    outsider.send(f"/status {number}")
    await fake.wait_for_message(outsider.chat_id, lambda m: "No complaint with the number" in m.plain_text)


async def test_the_khmer_journey_end_to_end(world, citizen):
    """A Khmer complaint about drugs reaches the post, a bribery complaint from the same commune the
    district; the officer acknowledges, replies, gets the answer and resolves; the citizen is told
    every step in Khmer; the post never learns who the citizen is."""
    from tests.test_intake_flow import has_button, is_description_prompt

    fake, dara = world.fake, world.officers[f"{POST}:Dara"]
    await world.bind(DISTRICT)

    async def file_in_khmer(chat, category: str, text: str) -> str:
        picker = await chat.say("/start")
        await chat.press(picker, "lang:km")
        menu = await chat.edited(picker, lambda m: "m:new" in [d for _, d in m.buttons()])
        await chat.press(menu, "m:new")
        categories = await fake.wait_for_message(chat.chat_id, has_button(f":cat:{category}"))
        await chat.press(categories, next(d for _, d in categories.buttons() if d.endswith(f":cat:{category}")))
        await chat.edited(categories, has_button(":place:17"))
        chat.user.send("ស្លក្រាម សៀមរាប")  # the commune typed in Khmer
        choices = await fake.wait_for_message(
            chat.chat_id, lambda m: is_description_prompt(m) or has_button(f":place:{POST}")(m)
        )
        if not is_description_prompt(choices):
            await chat.press(choices, next(d for _, d in choices.buttons() if d.endswith(f":place:{POST}")))
            await fake.wait_for_message(chat.chat_id, is_description_prompt)
        for typed in (text, "✅ រួចរាល់", "⏭ រំលង", "🙈 មិនបញ្ចេញឈ្មោះ (អនាមិក)"):
            chat.user.send(typed)
        review = await fake.wait_for_message(chat.chat_id, has_button(":submit"))
        await chat.press(review, next(d for _, d in review.buttons() if d.endswith(":submit")))
        receipt = await fake.wait_for_message(chat.chat_id, lambda m: "លេខតាមដាន" in m.plain_text)
        assert "ពាក្យបណ្តឹង" in receipt.plain_text
        return world.query("SELECT tracking_no FROM complaints ORDER BY id DESC LIMIT 1")[0]["tracking_no"]

    sokha = citizen("Sokha", username="sokha_pp")
    drugs = await file_in_khmer(sokha, "drugs", "មានគេលក់គ្រឿងញៀននៅក្បែរសាលារៀនរាល់យប់។")
    card = await world.card(POST, drugs)
    dara_thida = citizen("Thida", username="thida_kh")
    bribe = await file_in_khmer(dara_thida, "police_misconduct", "ប៉ូលិសទារលុយខ្ញុំ ២០ ដុល្លារ។")
    await world.card(DISTRICT, bribe)
    assert not [m for m in fake.bot_messages(world.groups[POST].id) if "ប៉ូលិសទារលុយ" in m.plain_text]

    await press(world, dara, card, "✅ Acknowledge")
    told = await sokha.reply(tracking.display(drugs, "km"))
    assert "បញ្ជាក់" in told.plain_text
    await press(world, dara, card, "💬 Reply")
    await answer_prompt(world, dara, "តើវាកើតឡើងម៉ោងប៉ុន្មាន?")
    relayed = await sokha.reply("តើវាកើតឡើងម៉ោងប៉ុន្មាន?")
    assert "សារពី" in relayed.plain_text or "ពាក្យបណ្តឹង" in relayed.plain_text
    sokha.user.send("ប្រហែលម៉ោង ៩ យប់។", reply_to=relayed)
    await fake.wait_for_message(world.groups[POST].id, lambda m: "ប្រហែលម៉ោង ៩ យប់។" in m.plain_text)
    await press(world, dara, fake.message(world.groups[POST].id, card.message_id), "✔️ Resolve")
    await answer_prompt(world, dara, "យើងបានចាប់ខ្លួនអ្នកលក់ហើយ។")
    resolved = await sokha.reply("យើងបានចាប់ខ្លួនអ្នកលក់ហើយ។")
    assert "ដោះស្រាយ" in resolved.plain_text

    for message in fake.messages(world.groups[POST].id) + fake.messages(world.groups[DISTRICT].id):
        text = message.plain_text or ""
        for secret in ("Sokha", "sokha_pp", str(sokha.user.id), "Thida", "thida_kh", str(dara_thida.user.id)):
            assert secret not in text


async def test_a_long_caption_is_passed_on_whole(world, citizen):
    fake, group, dara = world.fake, world.groups[POST], world.officers[f"{POST}:Dara"]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    words = "Please look at this photo carefully & tell us <who> it is. " * 16  # ~ 950 characters
    dara.send_photo(caption=words.strip(), chat=group, reply_to=card)
    text = await fake.wait_for_message(chat.chat_id, lambda m: m.media_kind is None and "Please look" in m.plain_text)
    assert words.strip() in text.plain_text  # all of it, escaped, nothing cut
    photo = await fake.wait_for_message(chat.chat_id, lambda m: m.media_kind == "photo")
    assert tracking.display(number, "en") in photo.plain_text
