"""Nothing is lost and nothing happens twice: redelivered updates, restarts, Telegram failures."""

from __future__ import annotations

import asyncio
import json
import time

import asyncpg

from bot.outgoing import Screen
from db.repositories import forgetting, outbox
from tests import dbaccess
from tests.conftest import start_bot
from tests.test_intake_flow import choose_language, to_description, to_review


async def test_a_redelivered_update_is_not_applied_twice(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    await chat.say("Two men sell drugs near the bridge.", expect="Saved")
    fake.redeliver(fake.last_update_id())  # Telegram did not get our confirmation and sends it again
    await chat.say("Every evening.", expect="Saved")
    draft = json.loads(bot.query("SELECT data FROM drafts")[0]["data"])
    assert draft["description"] == ["Two men sell drugs near the bridge.", "Every evening."]


async def test_a_redelivered_or_double_tapped_submit_files_one_complaint(bot, fake, citizen):
    chat = citizen(language_code="en")
    review = await to_review(chat)
    first = chat.user.press(review, "✅ Submit")
    await chat.reply("Your complaint has been filed")
    fake.redeliver(fake.last_update_id())
    await fake.wait_for(lambda: bot.query("SELECT COUNT(*) AS n FROM inbox WHERE processed_at IS NULL")[0]["n"] == 0)
    second = chat.user.press_raw(review, "n:1:submit")  # the same button again (a double tap)
    await fake.wait_for(lambda: second in fake.callback_answers)
    number = bot.query("SELECT tracking_no FROM complaints")[0]["tracking_no"]
    assert chat.answer_of(first) == "Filed"
    assert chat.answer_of(second) == f"Already filed as {number[:3]}-{number[3:6]}-{number[6:]}."
    assert bot.query("SELECT COUNT(*) AS n FROM complaints")[0]["n"] == 1
    # Answering the redelivered query a second time is refused by Telegram; the bot shrugs it off.
    fake.errors[:] = [e for e in fake.errors if e.method != "answerCallbackQuery"]


async def test_a_restart_resumes_the_draft_at_the_same_step(fake, citizen, tmp_path):
    db = tmp_path / "bot.sqlite3"
    running = await start_bot(fake, db)
    chat = citizen(language_code="en")
    await to_description(chat)
    await chat.say("The police took my motorbike without a reason.", expect="Saved")
    await running.stop()

    running = await start_bot(fake, db)
    try:
        await chat.say("It happened on Monday.", expect="Saved")
        await chat.say("✅ Done", expect="Evidence")
        draft = json.loads(running.query("SELECT data FROM drafts")[0]["data"])
        assert draft["description"] == ["The police took my motorbike without a reason.", "It happened on Monday."]
        assert draft["step"] == "evidence"
    finally:
        await running.stop()
    fake.assert_no_errors()


async def test_answers_wait_out_telegram_failures_and_are_delivered_in_order(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    # Telegram fails every answer for a while (its gateway answers 502)…
    fake.inject("sendMessage", error_code=502, description="Bad Gateway", times=4, chat_id=chat.chat_id)
    for part in ("First.", "Second part.", "Third part here."):
        chat.user.send(part)
    # …but the citizen's words are stored at once, answers or not.
    await fake.wait_for(lambda: len(json.loads(bot.query("SELECT data FROM drafts")[0]["data"])["description"]) == 3)
    draft = json.loads(bot.query("SELECT data FROM drafts")[0]["data"])
    assert draft["description"] == ["First.", "Second part.", "Third part here."]
    replies = [await chat.reply("Saved", timeout=20) for _ in range(3)]
    assert [r.plain_text.split("(")[1].split(" ")[0] for r in replies] == ["6", "20", "38"]  # in order
    fake.errors[:] = [e for e in fake.errors if not e.injected]


async def test_429_delays_only_that_chat(bot, fake, citizen):
    slow, other = citizen("Slow", language_code="en"), citizen("Other", language_code="en")
    await to_description(slow)
    await to_description(other)
    fake.inject("sendMessage", error_code=429, retry_after=2, chat_id=slow.chat_id)
    started = time.monotonic()
    slow.user.send("My neighbour is selling drugs.")
    other.user.send("Someone stole rice from the market.")
    await other.reply("Saved")
    other_took = time.monotonic() - started
    await slow.reply("Saved")
    slow_took = time.monotonic() - started
    assert other_took < 1.0 <= 2.0 <= slow_took + 0.2
    sql = "SELECT attempts, state FROM outbox WHERE chat_id = ? AND last_error LIKE '429%' AND state = 'sent'"
    rows = await fake.wait_for(lambda: bot.query(sql, (slow.chat_id,)))
    assert [(r["attempts"], r["state"]) for r in rows] == [(2, "sent")]


async def test_server_errors_are_retried_and_bad_requests_are_parked(bot, fake, citizen):
    chat = citizen(language_code="en")
    await to_description(chat)
    fake.inject("sendMessage", error_code=502, description="Bad Gateway", times=2, chat_id=chat.chat_id)
    await chat.say(
        "Somebody broke into the shop.",
        expect="Saved",
    )
    # A message Telegram refuses for good is parked with the reason, and later ones still go out.
    db = await dbaccess.open_db(bot.db_path)
    try:
        async with db.transaction() as tx:
            await outbox.add(tx, Screen("<b>broken").send(chat.chat_id))
            await outbox.add(tx, Screen("after the broken one").send(chat.chat_id))
    finally:
        await db.close()
    await chat.reply("after the broken one", timeout=5)
    parked = bot.query("SELECT last_error FROM outbox WHERE state = 'failed'")
    assert len(parked) == 1 and "parse entities" in parked[0]["last_error"].lower()
    fake.errors[:] = [e for e in fake.errors if "<b>broken" not in str(e.params)]


async def test_a_group_upgraded_to_a_supergroup_gets_its_messages_at_the_new_id(bot, fake, citizen):
    member = fake.user("Officer")
    group = fake.group("Post 171001", members=[member])
    old_id = group.id
    new_id = group.migrate_to_supergroup()
    db = await dbaccess.open_db(bot.db_path)
    try:
        async with db.transaction() as tx:
            await outbox.add(tx, Screen("card for the post").send(old_id, priority="notify"))
    finally:
        await db.close()
    message = await fake.wait_for_message(new_id, lambda m: "card for the post" in m.plain_text, timeout=5)
    assert message.chat_id == new_id
    sent = await fake.wait_for(lambda: bot.query("SELECT chat_id FROM outbox WHERE state = 'sent'"))
    assert sent[-1]["chat_id"] == new_id
    fake.errors[:] = [e for e in fake.errors if "upgraded to a supergroup" not in e.description]


async def test_chats_are_handled_concurrently_and_each_chat_in_order(bot, fake, citizen):
    chats = [citizen(f"C{i}", language_code="en") for i in range(12)]
    await asyncio.gather(*(to_description(c) for c in chats))
    fake.set_latency(0.3)  # every Bot API call takes 300 ms
    started = time.monotonic()
    for chat in chats:
        for i in range(3):
            chat.user.send(f"part {i} of what happened to {chat.user.first_name}")
    for chat in chats:
        for _ in range(3):
            await chat.reply("Saved", timeout=20)
    elapsed = time.monotonic() - started
    # 36 updates, one at a time, would take well over 36 × 0.3 s = 10.8 s.
    assert elapsed < 6, elapsed
    fake.set_latency(0)
    for chat in chats:
        row = bot.query("SELECT data FROM drafts WHERE user_id = ?", (chat.user.id,))[0]
        assert json.loads(row["data"])["description"] == [
            f"part {i} of what happened to {chat.user.first_name}" for i in range(3)
        ]


async def test_a_handling_rolled_back_by_a_write_conflict_runs_again_unseen(bot, fake, citizen, monkeypatch):
    """PostgreSQL's deadlock detector rolls back one of two transactions that wait for each other:
    nothing of it was kept, so the update is handled again, and the person never sees an error."""
    original, calls = forgetting.counts, []

    async def conflicting(tx, citizen_id):
        calls.append(citizen_id)
        if len(calls) < 3:
            raise asyncpg.DeadlockDetectedError("deadlock detected")
        return await original(tx, citizen_id)

    chat = citizen(language_code="en")
    await choose_language(chat)
    monkeypatch.setattr(forgetting, "counts", conflicting)
    await chat.say("/forget", expect="Forget me")
    assert len(calls) == 3
    assert [m.plain_text for m in fake.bot_messages(chat.chat_id) if "Sorry" in (m.plain_text or "")] == []


async def test_a_write_conflict_that_keeps_coming_back_is_reported_once(bot, fake, citizen, monkeypatch):
    calls = []

    async def conflicting(tx, citizen_id):
        calls.append(citizen_id)
        raise asyncpg.DeadlockDetectedError("deadlock detected")

    chat = citizen(language_code="en")
    await choose_language(chat)
    monkeypatch.setattr(forgetting, "counts", conflicting)
    await chat.say("/forget", expect="Sorry, something went wrong")
    assert len(calls) == 4  # the first try and three more
    await fake.wait_for(lambda: not bot.query("SELECT 1 FROM inbox WHERE processed_at IS NULL"))
    monkeypatch.undo()
    await chat.say("/forget", expect="Forget me")  # the chat is not stuck behind it
