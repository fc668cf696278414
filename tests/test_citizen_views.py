"""What the citizen reads of their complaint is where it really stands (issue 9, items 1 and 3).

/mycomplaints and /status NUMBER say when a complaint is overdue, to which level it was escalated
(by name) and who handles it; how a closed one ended. /status NUMBER announces only what it delivers:
a staff member's answer has the evidence under it, a citizen's names their own files without "below".
Through the fake Telegram server, with deadlines in seconds.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import tracking
from tests.stations import DISTRICT, POST, file_complaint, make_world
from tests.test_handling import answer_prompt, press

POST_FULL_NAME = "Sangkat Sla Kram Administrative Police Post"
DISTRICT_FULL_NAME = "Siem Reab Municipal Police Inspectorate"
# The post misses its time to acknowledge at once; the district's own step is far away, so the
# complaint stays escalated to the district while the test looks at it.
DEADLINES = {"ACK_DEADLINE": "2s", "ESCALATION_STEP": "1h", "SWEEP_INTERVAL": "0.3s"}


@pytest.fixture
async def world(fake, tmp_path):
    ministry = fake.group("Ministry working group", supergroup=True)
    w = await make_world(fake, tmp_path, MINISTRY_CHAT_ID=str(ministry.id), **DEADLINES)
    ministry.add_member(w.admin)
    await w.english_group(ministry)
    w.groups["KH"] = ministry
    for code in (POST, DISTRICT):
        await w.bind(code)
    yield w
    if not w.bot.task.done():
        await w.bot.stop()
    fake.assert_no_errors()
    assert fake.unanswered_callbacks() == []


async def test_an_overdue_escalated_complaint_says_so_and_names_the_district(world, citizen):
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await world.card(POST, number)
    await chat.reply("passed to", timeout=10)  # the post's time ran out: the district was asked

    listing = await chat.say("/mycomplaints", expect="My complaints")
    entry = listing.plain_text.split(tracking.display(number, "en"))[1]
    assert "Overdue: still waiting for " + POST_FULL_NAME + " to acknowledge it" in entry
    assert "Escalated to " + DISTRICT_FULL_NAME in entry
    assert "⏰" in listing.plain_text

    detail = await chat.say(f"/status {number}", expect="History")
    text = detail.plain_text
    assert "Status: ⏰ Overdue: still waiting for " + POST_FULL_NAME + " to acknowledge it" in text
    assert "Deadline passed:" in text
    assert "Escalated to: " + DISTRICT_FULL_NAME in text
    assert "Escalated to " + DISTRICT_FULL_NAME + ", because it was not acted on in time" in text
    assert "waiting for the police to acknowledge" not in text.lower()


async def test_a_resolved_and_a_rejected_complaint_say_how_they_ended(fake, tmp_path, citizen):
    world = await make_world(fake, tmp_path)
    try:
        await world.bind(POST)
        dara = await world.invite(POST, name="Dara")
        chat = citizen(language_code="en")
        resolved = await file_complaint(chat)
        card = await world.card(POST, resolved)
        await press(world, dara, card, "✔️ Resolve")
        await answer_prompt(world, dara, "The seller was arrested.")
        question = await chat.reply("Are you satisfied")
        await chat.press(question, next(d for _, d in question.buttons() if d.endswith(":up")))
        thanked = await chat.edited(question, lambda m: "Thank you" in m.plain_text)
        assert thanked.buttons() == []  # the question became the answer: nothing left to press

        listing = await chat.say("/mycomplaints", expect="My complaints")
        assert "✅" in listing.plain_text and "Resolved by " + POST_FULL_NAME in listing.plain_text
        shown = await chat.say(f"/status {resolved}", expect="History")
        assert "Status: ✅ Resolved by " + POST_FULL_NAME in shown.plain_text
        assert "Closed on:" in shown.plain_text and "Your rating: 👍" in shown.plain_text
        assert "Dara" not in shown.plain_text  # the unit, never the officer

        # Another citizen's complaint is rejected (one intake per chat: a private chat gets about one
        # message a second).
        other = citizen("Dany", language_code="en")
        rejected = await file_complaint(other, text="The same sellers again.")
        card = await world.card(POST, rejected)
        await press(world, dara, card, "⛔ Reject")
        reasons = await fake.wait_for_edit(card.chat_id, card.message_id, lambda m: "rr" in str(m.buttons()))
        await press(world, dara, reasons, "Duplicate")
        await answer_prompt(world, dara, "Already filed as another complaint.")
        await other.reply("closed your complaint")
        listing = await other.say("/mycomplaints", expect="My complaints")
        assert "⛔" in listing.plain_text and "Closed without action by " + POST_FULL_NAME in listing.plain_text
        shown = await other.say(f"/status {rejected}", expect="History")
        assert "Status: ⛔ Closed without action by " + POST_FULL_NAME in shown.plain_text
        assert "Closed on:" in shown.plain_text and "Deadline" not in shown.plain_text
    finally:
        await world.bot.stop()
    fake.assert_no_errors()


async def test_a_ministry_supervisor_gets_the_attachments_the_answer_names(world, citizen):
    fake = world.fake
    minister = await world.invite("KH", "supervisor", "Ministry")
    chat = citizen(language_code="en")
    number = await file_complaint(chat, evidence=("photo", "document"), location=(13.36, 103.86))
    await world.card(POST, number)

    minister.send(f"/status {number}")
    shown = tracking.display(number, "en")
    answer = await fake.wait_for_message(minister.chat_id, lambda m: "Complaint " + shown in m.plain_text)
    assert "2 attachments below" in answer.plain_text and "location below" in answer.plain_text

    def under_the_answer() -> list:
        return [m for m in fake.bot_messages(minister.chat_id) if m.reply_to_message_id == answer.message_id]

    await fake.wait_for(lambda: len(under_the_answer()) >= 3, timeout=10, what="the evidence under the answer")
    await asyncio.sleep(0.5)  # nothing more follows
    items = under_the_answer()
    assert [m.media_kind for m in items if m.media_kind] == ["photo", "document"]
    assert [m.location is not None for m in items] == [False, False, True]
    assert items[0].caption == f"📎 1/2 · complaint {shown}" and items[0].forward_origin is None
    assert items[1].media["file_name"] == "evidence-2.pdf"  # cleaned and renamed, as under the card


async def test_the_citizens_own_status_names_their_files_without_below(world, citizen):
    fake = world.fake
    chat = citizen(language_code="en")
    number = await file_complaint(chat, evidence=("photo", "voice"), location=(13.36, 103.86))
    detail = await chat.say(f"/status {number}", expect="History")
    assert "Evidence: 📎 your 2 attachments · 📍 the location you sent" in detail.plain_text
    assert "below" not in detail.plain_text
    await asyncio.sleep(0.5)
    assert [m for m in fake.bot_messages(chat.chat_id) if m.media_kind or m.location] == []


async def test_the_attachments_still_arrive_after_the_citizen_is_forgotten(world, citizen):
    """A closed complaint of a citizen who used /forget no longer leads to their chat: its evidence
    cannot be copied from there, and is sent by its files instead."""
    fake = world.fake
    dara = await world.invite(POST, name="Dara")
    chat = citizen(language_code="en")
    number = await file_complaint(chat, evidence=("photo", "video_note", "document"))
    card = await world.card(POST, number)
    await press(world, dara, card, "✔️ Resolve")
    await answer_prompt(world, dara, "The seller was arrested.")
    await chat.reply("Are you satisfied")
    question = await chat.say("/forget", expect="Forget me")
    await chat.press(question, "🗑 Yes, forget me")
    await chat.edited(question, lambda m: "Done." in m.plain_text)
    assert world.query("SELECT citizen_id FROM complaints")[0]["citizen_id"] < 0

    dara.send(f"/status {number}")
    answer = await fake.wait_for_message(dara.chat_id, lambda m: "3 attachments below" in m.plain_text)

    def under_the_answer() -> list:
        return [m for m in fake.bot_messages(dara.chat_id) if m.reply_to_message_id == answer.message_id]

    await fake.wait_for(lambda: len(under_the_answer()) >= 3, timeout=10, what="the evidence under the answer")
    photo, video_note, document = under_the_answer()
    assert (photo.media_kind, video_note.media_kind, document.media_kind) == ("photo", "video_note", "document")
    assert video_note.caption is None and document.media["file_name"] == "evidence-3.pdf"
    # The fixture checks that the bot made no call Telegram would refuse (a copy from a chat that is gone).
