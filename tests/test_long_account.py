"""A long account is kept, not refused (issue 11): a 5,000-character account, the size of the Facebook
posts this replaces, arrives as two Telegram messages and is filed whole; the card shows its start and
the rest follows the card; what goes over the limit is cut at a word and the citizen is told."""

from __future__ import annotations

import json

import pytest

from bot.domain import intake
from tests.stations import POST, file_complaint
from tests.test_intake_flow import to_description

WORDS = "The officer at the checkpoint stopped us again and asked for money before letting us pass. "


def account(chars: int, marker: str) -> str:
    text = (marker + " " + WORDS * (chars // len(WORDS) + 1))[:chars]
    return text.rsplit(" ", 1)[0] + " " + marker.lower()


@pytest.fixture
def world(post_world):
    return post_world


async def test_a_five_thousand_character_account_reaches_the_post_whole(world, citizen):
    first, second = account(4000, "BEGIN"), account(1000, "SECOND")
    chat = citizen(language_code="en")
    number = await file_complaint(chat, text=first, more_text=(second,))
    stored = world.bot.query("SELECT description FROM complaints")[0]["description"]
    assert stored == first + "\n\n" + second

    card = await world.card(POST, number)
    assert "BEGIN" in card.plain_text and "(continued in 1 message below)" in card.plain_text
    group = world.groups[POST].id
    rest = await world.fake.wait_for_message(group, lambda m: "what happened (2 of 2)" in m.plain_text)
    assert rest.reply_to_message_id == card.message_id
    shown = card.plain_text.split("What happened:")[1].split("… (continued")[0].strip()
    body = rest.plain_text.split("\n\n", 1)[1]
    assert " ".join((shown + " " + body).split()) == " ".join(stored.split())  # nothing lost at the cut


async def test_the_review_shows_the_start_and_says_the_rest_is_kept(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    await chat.say(account(4000, "ONE"), expect="Saved")
    await chat.say(account(3000, "TWO"), expect="Saved")
    await chat.say("✅ Done", expect="Evidence")
    await chat.say("⏭ Skip", expect="reach you")
    await chat.say("🙈 Stay anonymous", expect="anonymous")
    review = await chat.reply("Please check your complaint")
    assert "more characters, all kept" in review.plain_text and len(review.text) < 4096


async def test_what_goes_over_the_limit_is_cut_at_a_word_and_the_citizen_is_told(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    for marker in ("A", "B"):
        await chat.say(account(4000, marker), expect="Saved")
    last = account(4096, "C")
    told = await chat.say(last, expect="Saved as far as it fits")
    draft = json.loads(bot.query("SELECT data FROM drafts")[0]["data"])
    kept = "\n\n".join(draft["description"])
    assert len(kept) <= intake.DESCRIPTION_MAX_CHARS < len(kept) + 100  # filled up to a word boundary
    assert draft["description"][-1].startswith("C The officer") and not draft["description"][-1].endswith(" ")
    cut = int(told.plain_text.split("the last ")[1].split(" characters")[0])
    assert cut == len(last) - len(draft["description"][-1]) > 0
    await chat.say("more words", expect="Your description is full")
    assert json.loads(bot.query("SELECT data FROM drafts")[0]["data"])["description"] == draft["description"]
