"""Every card of a complaint, in every group, tells the truth; a stale card's button moves nothing.

Deadlines in seconds (tests/test_escalation.py FAST): an unacknowledged complaint walks post →
district → province → ministry, each level getting an escalation card.
"""

from __future__ import annotations

import json

import pytest

from bot.domain import tracking
from bot.domain.case import replay
from bot.services.lifecycle import entry_of
from db.repositories.complaints import Event
from tests.stations import DISTRICT, POST, PROVINCE, file_complaint
from tests.test_escalation import escalation_cards
from tests.test_escalation import world as escalation_world

world = escalation_world  # the four bound levels, deadlines in seconds (a fixture)


def buttons(message) -> list[str]:
    return [text for text, _ in message.buttons()]


def row(world, number: str):
    return world.query("SELECT * FROM complaints WHERE tracking_no = ?", (number,))[0]


def replayed(world, number: str):
    rows = world.query(
        "SELECT e.* FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id "
        "WHERE c.tracking_no = ? ORDER BY e.id",
        (number,),
    )
    events = [
        Event(
            r["at"],
            r["actor_kind"],
            r["action"],
            r["from_status"],
            r["to_status"],
            r["unit_code"],
            json.loads(r["detail"] or "{}"),
            r["actor_id"],
            r["actor_role"],
        )
        for r in rows
    ]
    return replay(e for e in map(entry_of, events) if e is not None)


async def press(world, who, message, data: str) -> dict:
    query = who.press_raw(message, data)
    await world.fake.wait_for(lambda: query in world.fake.callback_answers, what="callback answer")
    return world.fake.callback_answers[query]


async def test_after_the_province_takes_over_no_other_level_can(world, citizen):
    # The review's case: the ministry's card kept a live Take over after the province had taken the
    # complaint, and pressing it moved the complaint from the province to the ministry.
    fake = world.fake
    chief = await world.invite(PROVINCE, name="Province officer")
    minister = await world.invite("KH", name="Ministry officer")
    district = await world.invite(DISTRICT, name="District officer")
    number = await file_complaint(citizen(language_code="en"))
    for code in (DISTRICT, PROVINCE, "KH"):
        await fake.wait_for(lambda c=code: escalation_cards(world, c, number), timeout=10)
    ministry_card = escalation_cards(world, "KH", number)[0]
    district_card = escalation_cards(world, DISTRICT, number)[0]
    complaint_id = row(world, number)["id"]
    assert "🙋 Take over" in buttons(fake.message(ministry_card.chat_id, ministry_card.message_id))

    province_card = escalation_cards(world, PROVINCE, number)[0]
    answer = await press(world, chief, province_card, f"e:{complaint_id}:take")
    assert not answer["show_alert"]
    await fake.wait_for(lambda: row(world, number)["unit_code"] == PROVINCE)
    # Every other level's card is edited: it says who handles it now, and offers nothing.
    for card in (ministry_card, district_card):
        shown = await fake.wait_for_edit(card.chat_id, card.message_id, lambda m: not m.buttons())
        assert "Province" in shown.plain_text or "Siemreap" in shown.plain_text
    # A forged press of the old button changes nothing.
    answer = await press(world, minister, ministry_card, f"e:{complaint_id}:take")
    assert answer["show_alert"] and "no longer escalated to your unit" in answer["text"]
    answer = await press(world, district, district_card, f"e:{complaint_id}:reassign")
    assert answer["show_alert"]
    after = row(world, number)
    assert (after["unit_code"], after["status"]) == (PROVINCE, "acknowledged")
    # The province's escalation card became its card, with the unit's actions.
    taken = fake.message(ministry_card.chat_id, ministry_card.message_id)
    assert "🙋 Take over" not in buttons(taken)
    await fake.wait_for_edit(province_card.chat_id, province_card.message_id, lambda m: "✔️ Resolve" in buttons(m))
    # The history replays to the complaint's state (its row is the projection of it).
    case, now = replayed(world, number), row(world, number)
    assert (case.handler, case.status.value) == (now["unit_code"], now["status"]) == (PROVINCE, "acknowledged")
    assert (case.escalated_to[-1] if case.escalated_to else None) == now["escalated_to"]


async def test_when_the_post_acknowledges_the_escalation_cards_above_stop_offering_actions(world, citizen):
    fake = world.fake
    officer = await world.invite(POST, name="Dara")
    number = await file_complaint(citizen(language_code="en"))
    await fake.wait_for(lambda: escalation_cards(world, DISTRICT, number), timeout=10)
    escalation = escalation_cards(world, DISTRICT, number)[0]
    card = await world.card(POST, number)
    await press(world, officer, card, f"c:{row(world, number)['id']}:ack")
    shown = await fake.wait_for_edit(escalation.chat_id, escalation.message_id, lambda m: not m.buttons())
    assert "acknowledged" in shown.plain_text.lower()
    assert tracking.display(number, "en") in shown.plain_text


@pytest.mark.parametrize("action", ["take", "remind", "reassign"])
async def test_an_escalation_button_after_the_unit_resolved_changes_nothing(world, citizen, action):
    fake = world.fake
    officer = await world.invite(POST, name="Dara")
    district = await world.invite(DISTRICT, name="District officer")
    number = await file_complaint(citizen(language_code="en"))
    await fake.wait_for(lambda: escalation_cards(world, DISTRICT, number), timeout=10)
    escalation = escalation_cards(world, DISTRICT, number)[0]
    complaint_id = row(world, number)["id"]
    card = await world.card(POST, number)
    await press(world, officer, card, f"c:{complaint_id}:resolve")
    prompt = await fake.wait_for_message(world.groups[POST].id, lambda m: (m.reply_markup or {}).get("force_reply"))
    world.groups[POST].send(officer, "The seller was arrested.", reply_to=prompt)
    await fake.wait_for(lambda: row(world, number)["status"] == "resolved")
    answer = await press(world, district, escalation, f"e:{complaint_id}:{action}")
    assert answer["show_alert"]
    assert (row(world, number)["unit_code"], row(world, number)["status"]) == (POST, "resolved")
