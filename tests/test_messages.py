"""Which Telegram message is which (db/repositories/messages.py): sent outbox rows can be deleted while
cards are still edited, prompts still answered and replies still find their complaint."""

from __future__ import annotations

import time

import pytest

from bot.app import build_services
from bot.outgoing import Outgoing
from bot.services import retention
from db.database import Database
from db.migrate import migrate
from db.repositories import messages, outbox
from db.repositories import retention as retention_rows
from tests import dbaccess
from tests.conftest import start_bot
from tests.stations import POST, file_complaint, make_world
from tests.test_handling import answer_prompt, press

DAY = 86400.0


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    w.officer = await w.invite(POST, name="Dara")
    yield w
    if not w.bot.task.done():
        await w.bot.stop()
    fake.assert_no_errors()


async def officer_writes(world, chat, card, text: str):
    """Dara writes to the citizen from the card; returns the message the citizen got."""
    await press(world, world.officer, card, "💬 Reply")
    await answer_prompt(world, world.officer, text)
    return await chat.reply(text)


async def a_month_later(world) -> dict[str, int]:
    """Stop the bot and run housekeeping as it would run 31 days from now."""
    await world.bot.stop()
    services = await build_services(world.bot.settings)
    try:
        return await retention.housekeep(services, now=time.time() + 31 * DAY)
    finally:
        await services.db.close()


async def test_once_old_sent_rows_are_deleted_cards_prompts_and_replies_still_work(world, citizen):
    fake, group, dara = world.fake, world.groups[POST], world.officer
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    told = await officer_writes(world, chat, card, "Please tell us more.")  # in the citizen's chat
    await press(world, dara, card, "✔️ Resolve")  # its prompt is answered only after the clean-up
    await fake.wait_for(lambda: not world.query("SELECT 1 FROM outbox WHERE state = 'pending'"))
    card_row = world.query("SELECT card_outbox_id FROM complaints")[0][0]
    prompt_row = world.query("SELECT prompt_outbox_id FROM pending_inputs WHERE done_at IS NULL")[0][0]

    done = await a_month_later(world)
    assert done["messages"] > 0
    assert world.query("SELECT COUNT(*) FROM outbox")[0][0] == 0  # every sent row went, with its text
    known = {r["outbox_id"]: r["message_id"] for r in world.query("SELECT outbox_id, message_id FROM messages")}
    assert known[card_row] == card.message_id and prompt_row in known

    world.bot = await start_bot(fake, world.bot.db_path, ADMIN_IDS=str(world.admin.id))
    # The citizen's reply to an old message still reaches the complaint, under its card.
    chat.user.send("It happened again last night.", reply_to=told)
    relayed = await fake.wait_for_message(group.id, lambda m: "It happened again last night." in m.plain_text)
    assert relayed.reply_to_message_id == card.message_id
    # The card is still the card: acknowledging it edits it in place.
    await press(world, dara, card, "✅ Acknowledge")
    await fake.wait_for_edit(group.id, card.message_id, lambda m: "Acknowledged by" in m.plain_text)
    # The prompt is still the prompt: Dara's answer to it resolves the complaint.
    await answer_prompt(world, dara, "The seller was arrested.")
    await chat.reply("The seller was arrested.")
    assert world.query("SELECT status FROM complaints")[0][0] == "resolved"


async def test_a_merged_relay_is_one_message_known_by_every_row_it_carried(world, citizen):
    fake, group = world.fake, world.groups[POST]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    told = await officer_writes(world, chat, await world.card(POST, number), "Please tell us more.")
    await fake.wait_for(lambda: not world.query("SELECT 1 FROM outbox WHERE state = 'pending'"))
    # The group is held back while the citizen writes three times: the texts go out as one message.
    fake.inject("sendMessage", error_code=429, retry_after=2, chat_id=group.id)
    for i in range(3):
        chat.user.send(f"part {i}", reply_to=told)
    merged = await fake.wait_for_message(group.id, lambda m: "part 2" in m.plain_text, timeout=10)
    assert "part 0" in merged.plain_text
    await fake.wait_for(lambda: not world.query("SELECT 1 FROM outbox WHERE state = 'pending'"))
    parts = world.query(
        "SELECT m.message_id FROM messages m JOIN outbox o ON o.id = m.outbox_id WHERE o.payload LIKE '%part _%'"
    )
    assert [r["message_id"] for r in parts] == [merged.message_id] * 3
    fake.errors[:] = [e for e in fake.errors if not e.injected]

    # Dara answers the merged message itself, once its rows are gone: the citizen gets it.
    await a_month_later(world)
    world.bot = await start_bot(fake, world.bot.db_path, ADMIN_IDS=str(world.admin.id))
    group.send(world.officer, "Thank you, we are looking into it.", reply_to=merged)
    await chat.reply("Thank you, we are looking into it.")


async def test_forget_removes_the_links_of_the_citizens_messages_to_a_forgotten_complaint(world, citizen):
    chat = citizen(language_code="en")
    me = chat.user.id
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    await officer_writes(world, chat, card, "Please tell us more.")
    await press(world, world.officer, card, "✔️ Resolve")
    await answer_prompt(world, world.officer, "Handled.")
    await chat.reply("Handled.")
    complaint_id = world.query("SELECT id FROM complaints WHERE tracking_no = ?", (number,))[0][0]
    linked = "SELECT 1 FROM messages WHERE chat_id = ? AND complaint_id = ?"
    await world.fake.wait_for(lambda: world.query(linked, (me, complaint_id)))

    question = await chat.say("/forget", expect="Forget me")
    await chat.press(question, "🗑 Yes, forget me")
    await chat.edited(question, lambda m: "Done." in m.plain_text)
    assert not world.query(linked, (me, complaint_id))
    group = world.groups[POST].id
    assert world.query("SELECT 1 FROM messages WHERE chat_id = ? AND complaint_id = ?", (group, complaint_id))


# --- housekeeping on the outbox, on a real database -----------------------------------------------


@pytest.fixture
async def db(tmp_path):
    database = await dbaccess.open_db(tmp_path / "bot.sqlite3")
    await migrate(database)
    yield database
    await database.close()


async def queue(db: Database, text: str) -> int:
    async with db.transaction() as tx:
        return await outbox.add(tx, Outgoing(-100, "sendMessage", {"text": text}, "notify"))


async def test_housekeeping_deletes_old_sent_and_parked_rows_in_order_never_pending_or_the_last_minutes(db):
    sent_old, pending_old, parked_old, just_sent, fresh = [await queue(db, t) for t in "abcde"]
    now = time.time()
    async with db.transaction() as tx:
        await outbox.mark_attempts(tx, [(sent_old, now - 100), (just_sent, now - 10), (fresh, now - 5)])
        await outbox.mark_sent_many(tx, [(sent_old, 11, now - 100), (just_sent, 14, now - 10), (fresh, 15, now - 5)])
        await messages.record(tx, [(sent_old, 11, now - 100), (just_sent, 14, now - 10), (fresh, 15, now - 5)])
        await outbox.mark_failed(tx, parked_old, "400: Bad Request")
        # Everything but `fresh` was queued long ago (`just_sent` waited, e.g. behind a long outage).
        await tx.execute("UPDATE outbox SET created_at = ? WHERE id != ?", (now - 31 * DAY, fresh))

    def remaining(tx):
        return tx.fetchall("SELECT id FROM outbox ORDER BY id")

    cutoff, rate_memory = now - 30 * DAY, now - retention.RATE_MEMORY
    async with db.transaction() as tx:
        assert await retention_rows.delete_sent_messages(tx, cutoff, rate_memory, batch=1) == 1  # oldest first
        assert [r[0] for r in await remaining(tx)] == [pending_old, parked_old, just_sent, fresh]
        assert await retention_rows.delete_sent_messages(tx, cutoff, rate_memory) == 1
        assert [r[0] for r in await remaining(tx)] == [pending_old, just_sent, fresh]
        assert await retention_rows.delete_sent_messages(tx, cutoff, rate_memory) == 0
        # The sender's rate windows after a restart still see the last minute's sends.
        assert [at for _, _, at in await outbox.attempted_since(tx, now - 60)] == [now - 10, now - 5]
        assert await messages.message_id_of(tx, sent_old) == 11  # the message outlives its row

        await outbox.mark_sent_many(tx, [(pending_old, 12, now)])  # sent at last: goes with a later pass
        assert await retention_rows.delete_sent_messages(tx, cutoff, now + 60) == 2
        assert [r[0] for r in await remaining(tx)] == [fresh]
