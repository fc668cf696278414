"""Nothing is lost while "✅ Sent" is said: long messages are cut into several, the writer is told
what could not be delivered, and a citizen's message finds a unit that can read it."""

from __future__ import annotations

import pytest

from bot.domain import tracking
from bot.domain.textsplit import html_length, split_plain, utf16_length
from bot.outgoing import user_text
from tests.stations import DISTRICT, POST, file_complaint, make_world
from tests.test_handling import answer_prompt, press


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    await w.invite(POST, name="Dara")
    yield w
    await w.bot.stop()
    fake.assert_no_errors()


def long_text(size: int = 4096) -> str:
    """Paragraphs, lines and words, with characters HTML must escape, exactly `size` long."""
    unit = "Tom & Jerry <b>saw</b> it at 9pm near the bridge.\nThen they left.\n\nNext day: "
    return (unit * (size // len(unit) + 1))[:size]


def words_of(text: str) -> str:
    return "".join(text.split())


async def officer_message(world, chat, number: str, text: str = "Please tell us more."):
    """Dara answers the citizen; returns the card and Dara's message, once everything is sent."""
    dara = world.officers[f"{POST}:Dara"]
    card = await world.card(POST, number)
    await press(world, dara, card, "💬 Reply")
    answer = await answer_prompt(world, dara, text)
    await world.fake.wait_for_message(world.groups[POST].id, lambda m: "Sent to Citizen" in m.plain_text)
    await settled(world)
    return card, answer


async def settled(world) -> None:
    """Nothing left to send (a fault injected next hits the message the test means)."""
    await world.fake.wait_for(lambda: not world.query("SELECT 1 FROM outbox WHERE state = 'pending'"), timeout=10)


def bodies(messages, header: str) -> str:
    """The words of the messages that carry `header`, without their frames."""
    return "".join(words_of(m.plain_text.split("\n\n", 1)[1]) for m in messages if header in m.plain_text)


# --- cutting ---------------------------------------------------------------------------------------


def test_a_text_is_cut_at_paragraphs_then_lines_then_words_and_never_inside_an_entity():
    text = long_text(9000)
    pieces = split_plain(text, 4000, lambda p: html_length(user_text(p)))
    assert len(pieces) == 3 and words_of("".join(pieces)) == words_of(text)
    assert all(html_length(user_text(p)) <= 4000 for p in pieces)
    assert all(p.endswith(("Then they left.", "Next day:")) for p in pieces[:-1])  # at a paragraph or line
    unbroken = "ក្ម" * 3000  # Khmer with a coeng in every cluster, no spaces at all
    pieces = split_plain(unbroken, 1000)
    assert "".join(pieces) == unbroken and all(utf16_length(p) <= 1000 for p in pieces)
    assert all(not p.endswith("\u17d2") for p in pieces)


# --- through Telegram -----------------------------------------------------------------------------


async def test_a_citizens_4096_character_answer_arrives_whole_in_several_messages(world, citizen):
    fake, group = world.fake, world.groups[POST]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card, _ = await officer_message(world, chat, number)
    asked = await chat.reply("Please tell us more.")
    text = long_text()
    chat.user.send(text, reply_to=asked)
    await chat.reply("Sent to the police")
    pseudonym = world.query("SELECT pseudonym FROM complaints")[0]["pseudonym"]
    header = f"Citizen {pseudonym} wrote about complaint"
    await fake.wait_for(lambda: bodies(fake.bot_messages(group.id), header) == words_of(text), timeout=10)
    parts = [m for m in fake.bot_messages(group.id) if header in m.plain_text]
    assert len(parts) == 2 and "(1/2)" in parts[0].plain_text and "(2/2)" in parts[1].plain_text
    assert all(p.reply_to_message_id == card.message_id for p in parts)


async def test_a_long_officer_answer_arrives_whole_and_the_last_part_has_the_answer_button(world, citizen):
    fake = world.fake
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    text = long_text()
    await officer_message(world, chat, number, text)
    header, hint = "Message from Sangkat Sla Kram", "To answer, press ↩️ Answer or reply to this message."
    await fake.wait_for(lambda: len([m for m in fake.bot_messages(chat.chat_id) if header in m.plain_text]) == 2)
    parts = [m for m in fake.bot_messages(chat.chat_id) if header in m.plain_text]
    assert "(1/2)" in parts[0].plain_text and tracking.display(number, "en") in parts[0].plain_text
    assert parts[1].plain_text.endswith("\n\n" + hint) and hint not in parts[0].plain_text  # the footer, once
    words = "".join(words_of(p.plain_text.removesuffix(hint).split("\n\n", 1)[1]) for p in parts)
    assert words == words_of(text)
    assert not parts[0].buttons() and any(d.startswith("ra:") for _, d in parts[1].buttons())


async def test_the_officers_are_told_when_the_citizen_has_blocked_the_bot(world, citizen):
    fake, group = world.fake, world.groups[POST]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    chat.user.block_bot()
    _, answer = await officer_message(world, chat, number, "Can you come to the post on Monday?")
    told = await fake.wait_for_message(group.id, lambda m: "Not delivered" in m.plain_text)
    assert tracking.display(number, "en") in told.plain_text and "blocked the bot" in told.plain_text
    assert told.reply_to_message_id == answer.message_id  # under the officer's own message
    assert world.query("SELECT state FROM outbox WHERE chat_id = ? ORDER BY id DESC", (chat.chat_id,))[0][0] == "failed"
    fake.errors[:] = [e for e in fake.errors if "blocked" not in e.description]


async def test_after_unbind_a_citizens_message_reaches_the_district_and_the_citizen_is_told(world, citizen):
    fake = world.fake
    district = await world.bind(DISTRICT)
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await officer_message(world, chat, number)
    asked = await chat.reply("Please tell us more.")
    world.groups[POST].send(world.admin, "/unbind")
    await fake.wait_for(lambda: world.query("SELECT chat_id FROM units WHERE code = ?", (POST,))[0][0] is None)
    chat.user.send("They are back tonight.", reply_to=asked)
    told = await chat.reply(tracking.display(number, "en"))
    district_name = world.query("SELECT name_en FROM units WHERE code = ?", (DISTRICT,))[0][0]
    assert told.plain_text.startswith(f"✅ Sent to {district_name}") and "cannot be reached" in told.plain_text
    shown = await fake.wait_for_message(district.id, lambda m: "They are back tonight." in m.plain_text)
    assert "Passed to you: Sangkat Sla Kram" in shown.plain_text and tracking.display(number, "en") in shown.plain_text
    assert shown.reply_to_message_id is None  # the card is not in this group: no reply to a stranger's message


async def test_with_no_unit_reachable_the_citizen_is_told_it_was_not_passed_on(world, citizen):
    fake = world.fake
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await officer_message(world, chat, number)
    asked = await chat.reply("Please tell us more.")
    world.groups[POST].send(world.admin, "/unbind")
    await fake.wait_for(lambda: world.query("SELECT chat_id FROM units WHERE code = ?", (POST,))[0][0] is None)
    queued = len(world.query("SELECT 1 FROM outbox"))
    chat.user.send("Is anyone there?", reply_to=asked)
    told = await chat.reply("not passed on")
    assert tracking.display(number, "en") in told.plain_text and "117" in told.plain_text
    assert "Sent to" not in told.plain_text
    new_rows = world.query("SELECT chat_id FROM outbox ORDER BY id")[queued:]
    assert [r["chat_id"] for r in new_rows] == [chat.chat_id]  # only the answer to the citizen


async def test_a_message_to_a_group_the_bot_lost_goes_up_a_level(world, citizen):
    fake, group = world.fake, world.groups[POST]
    district = await world.bind(DISTRICT)
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await officer_message(world, chat, number)
    asked = await chat.reply("Please tell us more.")
    # The bot was removed from the post's group, and learns it only when sending there.
    fake.inject("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", chat_id=group.id)
    chat.user.send("The seller has a red motorbike.", reply_to=asked)
    note = await fake.wait_for_message(district.id, lambda m: "Passed to you: Sangkat Sla Kram" in m.plain_text)
    shown = await fake.wait_for_message(district.id, lambda m: "The seller has a red motorbike." in m.plain_text)
    assert note.message_id < shown.message_id and tracking.display(number, "en") in shown.plain_text
    assert not [m for m in fake.bot_messages(chat.chat_id) if "could not be delivered" in m.plain_text]


async def test_the_citizen_is_told_when_the_police_group_refuses_their_message(world, citizen):
    fake, group = world.fake, world.groups[POST]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await officer_message(world, chat, number)
    asked = await chat.reply("Please tell us more.")
    fake.inject("sendMessage", 400, "Bad Request: message to be replied not found", chat_id=group.id)
    chat.user.send("Here is more.", reply_to=asked)
    told = await chat.reply("could not be delivered to the police")
    assert tracking.display(number, "en") in told.plain_text and "117" in told.plain_text
