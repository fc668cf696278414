"""A voice message can be the whole account (issue 11): many citizens cannot write well. Sent at the
"what happened" step it counts as the description; the review shows "🎤 voice, 0:42", the card tells
the post to listen, and the voice message itself is under the card."""

from __future__ import annotations

import json

import pytest

from tests.stations import POST, file_complaint
from tests.test_intake_flow import to_description


@pytest.fixture
def world(post_world):
    return post_world


async def test_a_voice_message_alone_is_a_complaint_the_post_can_hear(world, citizen):
    chat = citizen(language_code="en")
    number = await file_complaint(chat, text="", spoken=(42,))
    card = await world.card(POST, number)
    assert "The citizen told it in a voice message (0:42), below: please listen to it." in card.plain_text
    voice = await world.fake.wait_for_message(world.groups[POST].id, lambda m: m.media_kind == "voice")
    assert voice.reply_to_message_id == card.message_id
    row = world.bot.query("SELECT kind, duration, account FROM complaint_evidence")[0]
    assert (row["kind"], row["duration"], row["account"]) == ("voice", 42, 1)


async def test_the_review_shows_the_voice_and_its_length(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    chat.user.send_voice(duration=65)
    saved = await chat.reply("Saved your voice message")
    assert "(1:05)" in saved.plain_text
    await chat.say("✅ Done", expect="Evidence")  # no typed letters needed
    await chat.say("⏭ Skip", expect="reach you")
    await chat.say("🙈 Stay anonymous", expect="anonymous")
    review = await chat.reply("Please check your complaint")
    assert "🎤 voice, 1:05" in review.plain_text


async def test_a_voice_message_sent_as_evidence_does_not_replace_the_account(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    await chat.say("ok", expect="Saved")
    await chat.say("✅ Done", expect="at least 6 letters")  # nothing told yet: two letters
    chat.user.send_voice(duration=7)  # at the description step: this is the account
    await chat.reply("Saved your voice message")
    await chat.say("✅ Done", expect="Evidence")
    chat.user.send_voice(duration=9)  # at the evidence step: evidence
    saved = await chat.reply("Saved: ")
    assert "voice message" in saved.plain_text
    draft = json.loads(bot.query("SELECT data FROM drafts")[0]["data"])
    assert [(e["duration"], e["account"]) for e in draft["evidence"]] == [(7, True), (9, False)]
