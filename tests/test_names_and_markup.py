"""Names people and the ministry type are shown as typed: escaped, and unable to reorder the message."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from bot.domain.places import Gazetteer
from bot.services import units_io
from tests import dbaccess
from tests.stations import DISTRICT, POST, file_complaint, make_world
from tests.test_escalation import FAST, escalation_cards
from tests.test_handling import press

RLO, PDF = "\u202e", "\u202c"


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path, **FAST)
    for code in (POST, DISTRICT):
        await w.bind(code)
    yield w
    if not w.bot.task.done():
        await w.bot.stop()
    fake.assert_no_errors()  # among others: no message Telegram would refuse as malformed HTML


def rename_units(db_path, names: dict[str, str], tmp_path) -> None:
    """What the ministry does: export the units, edit names in a spreadsheet, import (bot running)."""

    async def edit() -> None:
        db = await dbaccess.open_db(db_path)
        try:
            exported = tmp_path / "units.csv"
            await units_io.export_to(db, exported)
            rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
            for row in rows:
                if row["code"] in names:
                    row["name_en"] = names[row["code"]]
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            exported.write_text(out.getvalue(), encoding="utf-8-sig")
            await units_io.import_from(db, exported, Gazetteer.load())
        finally:
            await db.close()

    asyncio.run(edit())


async def test_an_officers_name_cannot_reorder_the_card_it_appears_on(world, citizen):
    # The review's bypass: a PDF first, then an RLO left open, in a Telegram name.
    officer = await world.invite(POST, name=f"{PDF}{RLO}Dara")
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    await press(world, officer, card, "✅ Acknowledge")
    edited = await world.fake.wait_for_edit(card.chat_id, card.message_id, lambda m: "Acknowledged by" in m.text)
    assert f"{PDF}{RLO}Dara{PDF}" in edited.text  # the name as typed, then closed before the rest


async def test_unit_names_with_an_ampersand_reach_every_group_they_appear_in(world, citizen, tmp_path):
    # "&" is a fair character in a name; two messages put unit names into HTML unescaped, and
    # Telegram refused them ("can't parse entities"): the reminder and the refusal to a stranger.
    await asyncio.to_thread(
        rename_units,
        world.bot.db_path,
        {POST: "Sla Kram & Svay Dankum post", DISTRICT: "Siem Reap & Puok inspectorate"},
        tmp_path,
    )
    fake = world.fake
    chief = await world.invite(DISTRICT, name="Chief")
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    stranger = fake.user("Visitor", language_code="en")
    world.groups[POST].add_member(stranger)
    world.groups[POST].send(stranger, "Can I see this?", reply_to=card)
    refusal = await fake.wait_for_message(world.groups[POST].id, lambda m: "Only officers of" in m.plain_text)
    assert "Sla Kram & Svay Dankum post" in refusal.plain_text
    await fake.wait_for(lambda: escalation_cards(world, DISTRICT, number), timeout=8)
    escalation = escalation_cards(world, DISTRICT, number)[0]
    await press(world, chief, escalation, "🔔 Remind the unit")
    reminder = await fake.wait_for_message(world.groups[POST].id, lambda m: "reminds you" in m.plain_text)
    assert "Siem Reap & Puok inspectorate reminds you" in reminder.plain_text
