"""Places typed at the intake's place steps (issue 11), through the fake Telegram server: a place
meant by one choice at the step's level is taken without a tap, a whole address typed at once
fills every level, and a near match in another province is offered, never taken."""

from __future__ import annotations

import json

from tests.conftest import Conversation
from tests.test_intake_flow import choose_language, has_button, is_description_prompt


async def to_province_step(chat: Conversation):
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await chat.fake.wait_for_message(chat.chat_id, has_button(":cat:drugs"))
    await chat.press(categories, next(d for _, d in categories.buttons() if d.endswith(":cat:drugs")))
    return await chat.edited(categories, has_button(":place:17"))  # the category's question, edited


def draft_places(bot) -> dict[str, object]:
    data = json.loads(bot.query("SELECT data FROM drafts")[0]["data"])
    return {level: data.get(level) for level in ("province", "district", "commune")}


async def test_an_abbreviated_province_is_taken_without_a_tap(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_province_step(chat)
    chat.user.send("Kg. Cham")  # Kampong Cham, as written on signs and in posts
    await fake.wait_for_message(chat.chat_id, has_button(":place:0305"))  # its districts
    assert draft_places(bot) == {"province": "03", "district": None, "commune": None}


async def test_a_district_named_like_its_commune_is_the_district_at_the_district_step(bot, fake, citizen):
    chat = citizen(language_code="en")
    provinces = await to_province_step(chat)
    await chat.press(provinces, next(d for _, d in provinces.buttons() if d.endswith(":place:03")))
    await chat.edited(provinces, has_button(":place:0305"))  # the choices become its districts
    chat.user.send("Kampong Cham")  # the district 0305 and its commune 030502 are both called so
    await fake.wait_for_message(chat.chat_id, has_button(":place:030502"))  # the district's communes
    assert draft_places(bot) == {"province": "03", "district": "0305", "commune": None}


async def test_a_whole_address_typed_at_once_fills_every_level(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_province_step(chat)
    chat.user.send("Sangkat Olympic, Khan BKK, Phnom Penh")
    await fake.wait_for_message(chat.chat_id, is_description_prompt)
    assert draft_places(bot) == {"province": "12", "district": "1213", "commune": "121304"}


async def test_a_near_match_in_another_province_is_offered_not_taken(bot, fake, citizen):
    chat = citizen(language_code="en")
    provinces = await to_province_step(chat)
    await chat.press(provinces, next(d for _, d in provinces.buttons() if d.endswith(":place:08")))
    await chat.edited(provinces, has_button(":place:0811"))  # Kandal's districts
    chat.user.send("Svay Dankom")  # nothing in Kandal; Svay Dankum is in Siem Reap
    choices = await fake.wait_for_message(chat.chat_id, has_button(":place:171002"))
    assert "Svay Dankom" in choices.plain_text
    assert draft_places(bot) == {"province": "08", "district": None, "commune": None}
