"""Data rights and retention: /forget, what housekeeping deletes, what is never kept."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bot.app import build_services
from bot.domain import tracking
from bot.services import retention
from tests import dbaccess
from tests.conftest import start_bot
from tests.stations import POST, file_complaint, make_world
from tests.test_handling import answer_prompt, press

DAY = 86400.0


def copy_as_open(db_path, number: str) -> str:
    fresh = tracking.generate()
    conn = dbaccess.connect(db_path)
    try:
        with conn:
            conn.execute(
                "INSERT INTO complaints (tracking_no, citizen_id, draft_seq, category, province_code, district_code, "
                "commune_code, gazetteer_year, description, contact_mode, phone, lang, status, created_at, updated_at, "
                "pseudonym, unit_code, responsible_code, citizen_name, citizen_username) "
                "SELECT ?, citizen_id, draft_seq + 100, category, province_code, district_code, commune_code, "
                "gazetteer_year, 'Drugs sold near the school.', contact_mode, phone, lang, 'submitted', created_at, "
                "updated_at, pseudonym, unit_code, responsible_code, citizen_name, citizen_username "
                "FROM complaints WHERE tracking_no = ?",
                (fresh, number),
            )
    finally:
        conn.close()
    return fresh


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    w.officer = await w.invite(POST, name="Dara")
    yield w
    if not w.bot.task.done():
        await w.bot.stop()
    fake.assert_no_errors()


async def resolve(world, number: str, note: str) -> None:
    card = await world.card(POST, number)
    await press(world, world.officer, card, "✔️ Resolve")
    await answer_prompt(world, world.officer, note)
    await world.fake.wait_for(
        lambda: world.query("SELECT status FROM complaints WHERE tracking_no = ?", (number,))[0]["status"] == "resolved"
    )


async def test_forget_pseudonymises_closed_complaints_and_explains_open_ones(world, citizen):
    fake = world.fake
    chat = citizen("Sokha", language_code="en", username="sokha_pp")
    closed = await file_complaint(chat, share_phone=True, text="They took money at the checkpoint.")
    await resolve(world, closed, "The officer was disciplined.")
    await fake.wait_for_message(chat.chat_id, lambda m: any(d.startswith("fb:") for _, d in m.buttons()))
    fake.consume_all(chat.chat_id)  # the resolution and the rating question, read
    # A second, open complaint of the same citizen (a second intake right away would wait ~30 s for
    # Telegram's per-chat window): a copy of the first, written in a thread like other test seeding.
    still_open = await asyncio.to_thread(copy_as_open, world.bot.db_path, closed)
    me = chat.user.id
    assert {r["citizen_name"] for r in world.query("SELECT citizen_name FROM complaints")} == {"Sokha"}

    question = await chat.say("/forget", expect="Forget me")
    assert "1 closed complaint will be kept" in question.plain_text
    assert "1 open complaint stays linked" in question.plain_text
    await chat.press(question, "🗑 Yes, forget me")
    done = await chat.edited(question, lambda m: "Done." in m.plain_text)
    assert "1 closed complaint no longer leads to you" in done.plain_text

    gone = world.query("SELECT * FROM complaints WHERE tracking_no = ?", (closed,))[0]
    assert gone["citizen_id"] < 0 and gone["phone"] is None
    assert gone["citizen_name"] is None and gone["citizen_username"] is None
    assert gone["description"] == "They took money at the checkpoint."  # the record stays
    assert not world.query("SELECT 1 FROM complaint_events WHERE complaint_id = ? AND actor_id = ?", (gone["id"], me))
    to_me = world.query("SELECT payload, complaint_id FROM outbox WHERE chat_id = ? AND state = 'sent'", (me,))
    assert not any(r["complaint_id"] == gone["id"] for r in to_me)
    assert not any(closed in r["payload"] or tracking.display(closed, "en") in r["payload"] for r in to_me)
    assert not world.query("SELECT 1 FROM users WHERE first_name IS NOT NULL OR username IS NOT NULL")

    kept = world.query("SELECT * FROM complaints WHERE tracking_no = ?", (still_open,))[0]
    assert kept["citizen_id"] == me and kept["phone"] == "+85512345678"
    mine = await chat.say("/mycomplaints")
    assert tracking.display(still_open, "en") in mine.plain_text
    assert tracking.display(closed, "en") not in mine.plain_text
    answer = await chat.say(f"/status {closed}")
    assert "No complaint" in answer.plain_text or "not found" in answer.plain_text.lower()
    # The audit log records that it happened, not who asked.
    row = world.query("SELECT actor_id, detail FROM audit_log WHERE action = 'forget'")[0]
    assert row["actor_id"] is None and json.loads(row["detail"]) == {"forgotten": 1, "still_open": 1}
    assert fake.unanswered_callbacks() == []


async def test_no_keeps_everything(world, citizen):
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    question = await chat.say("/forget", expect="Forget me")
    await chat.press(question, "↩️ No, keep everything")
    await chat.edited(question, lambda m: "Nothing was changed" in m.plain_text)
    assert world.query("SELECT citizen_id FROM complaints WHERE tracking_no = ?", (number,))[0]["citizen_id"] > 0


async def test_housekeeping_expires_drafts_and_deletes_old_sent_messages_but_cards_stay_editable(world, citizen, fake):
    chat = citizen(language_code="en")
    number = await file_complaint(chat, text="Someone sells drugs behind the market.")
    writer = citizen("Vanna", language_code="en")
    await writer.say("/start")
    writer.user.send("/new")  # a draft started and left
    await fake.wait_for(lambda: world.query("SELECT COUNT(*) FROM drafts")[0][0] == 1)
    card = await world.card(POST, number)
    await fake.wait_for(lambda: not world.query("SELECT 1 FROM outbox WHERE state = 'pending'"))
    await world.bot.stop()

    services = await build_services(world.bot.settings)
    try:
        # A month on: nothing new yet is touched, then everything older than the retention is.
        assert await retention.housekeep(services, now=time.time()) == {"drafts": 0, "messages": 0, "files": 0}
        done = await retention.housekeep(services, now=time.time() + 31 * DAY)
    finally:
        await services.db.close()
    assert done["drafts"] == 1 and done["messages"] > 0
    assert world.query("SELECT COUNT(*) FROM drafts")[0][0] == 0
    assert not world.query("SELECT 1 FROM outbox")  # the sent messages went, their texts with them
    card_row = world.query("SELECT m.message_id FROM messages m JOIN complaints c ON c.card_outbox_id = m.outbox_id")
    assert card_row[0]["message_id"] == card.message_id  # what edits and replies need stays

    # The card is still the card: acknowledging it after a restart edits it in place.
    world.bot = await start_bot(fake, world.bot.db_path, ADMIN_IDS=str(world.admin.id))
    await press(world, world.officer, card, "✅ Acknowledge")
    await fake.wait_for_edit(world.groups[POST].id, card.message_id, lambda m: "Acknowledged by" in m.plain_text)
    await chat.reply("acknowledged")
