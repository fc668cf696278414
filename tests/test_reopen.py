"""A supervisor reopens a complaint closed by mistake: back to the unit, the citizen told."""

from __future__ import annotations

import pytest

from bot.domain import tracking
from tests.stations import DISTRICT, POST, file_complaint, make_world
from tests.test_handling import answer_prompt, press


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    w.officer = await w.invite(POST, name="Dara")
    w.chief = await w.invite(DISTRICT, "supervisor", name="District chief")
    yield w
    await w.bot.stop()
    fake.assert_no_errors()
    assert fake.unanswered_callbacks() == []


def complaint(world, number: str):
    return world.query("SELECT * FROM complaints WHERE tracking_no = ?", (number,))[0]


async def test_a_wrongly_rejected_complaint_is_reopened_at_its_unit(world, citizen):
    fake, group = world.fake, world.groups[POST]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    await press(world, world.officer, card, "⛔ Reject")
    current = await fake.wait_for_edit(
        card.chat_id, card.message_id, lambda m: any(d.endswith(":rr:duplicate") for _, d in m.buttons())
    )
    await press(world, world.officer, current, next(d for _, d in current.buttons() if d.endswith(":rr:duplicate")))
    await answer_prompt(world, world.officer, "Already filed.")
    await chat.reply("Already filed.")
    assert complaint(world, number)["status"] == "rejected"
    await fake.wait_for_edit(card.chat_id, card.message_id, lambda m: "Rejected" in m.plain_text and not m.buttons())

    # Not for officers; a reason is needed.
    world.officer.send(f"/reopen {number} it is not a duplicate")
    await fake.wait_for_message(world.officer.chat_id, lambda m: "No complaint with the number" in m.plain_text)
    world.chief.send(f"/reopen {number}")
    await fake.wait_for_message(world.chief.chat_id, lambda m: "Send /reopen followed by" in m.plain_text)

    world.chief.send(f"/reopen {number} it is not a duplicate, the other one was about another shop")
    done = await fake.wait_for_message(world.chief.chat_id, lambda m: "is reopened" in m.plain_text)
    assert tracking.display(number, "en") in done.plain_text
    row = complaint(world, number)
    assert (row["status"], row["unit_code"], row["closed_at"]) == ("submitted", POST, None)
    told = await chat.reply("reopened")
    assert tracking.display(number, "en") in told.plain_text
    # A new card with the unit's actions; the old one says it was rejected and offers nothing.
    new_card = await fake.wait_for_message(
        group.id, lambda m: tracking.display(number, "en") in m.plain_text and "✅ Acknowledge" in str(m.buttons())
    )
    assert new_card.message_id != card.message_id
    old = await fake.wait_for_edit(card.chat_id, card.message_id, lambda m: "newer card below" in m.plain_text)
    assert old.buttons() == []
    actions = [r["action"] for r in world.query("SELECT action FROM complaint_events ORDER BY id")]
    assert actions[-2:] == ["reopened", "routed"]

    # An open complaint cannot be reopened.
    world.chief.send(f"/reopen {number} once more")
    await fake.wait_for_message(world.chief.chat_id, lambda m: "is still open" in m.plain_text)


async def test_reopen_in_a_group_only_points_to_the_private_chat(world, citizen):
    fake, group = world.fake, world.groups[POST]
    number = await file_complaint(citizen(language_code="en"))
    group.add_member(world.chief, by=world.admin)
    group.send(world.chief, f"/reopen {number} a reason long enough")
    pointer = await fake.wait_for_message(group.id, lambda m: "ask me in a private chat" in m.plain_text)
    assert number not in pointer.plain_text
