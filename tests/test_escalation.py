"""Deadlines in seconds: an unacknowledged complaint walks post → district → province → ministry."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import tracking
from tests import dbaccess
from tests.conftest import start_bot
from tests.stations import DISTRICT, POST, PROVINCE, file_complaint, make_world

FAST = {"ACK_DEADLINE": "2s", "RESOLVE_DEADLINE": "2s", "ESCALATION_STEP": "2s", "SWEEP_INTERVAL": "0.3s"}


@pytest.fixture
async def world(fake, tmp_path):
    ministry = fake.group("Ministry working group", supergroup=True)
    w = await make_world(fake, tmp_path, MINISTRY_CHAT_ID=str(ministry.id), **FAST)
    ministry.add_member(w.admin)
    await w.english_group(ministry)
    w.groups["KH"] = ministry
    for code in (POST, DISTRICT, PROVINCE):
        await w.bind(code)
    yield w
    if not w.bot.task.done():
        await w.bot.stop()
    fake.assert_no_errors()


def events(world, number: str) -> list[tuple[str, str | None]]:
    return [
        (r["action"], r["unit_code"])
        for r in world.query(
            "SELECT e.action, e.unit_code FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id "
            "WHERE c.tracking_no = ? ORDER BY e.id",
            (number,),
        )
    ]


def escalation_cards(world, code: str, number: str) -> list:
    shown = tracking.display(number, "en")
    return [
        m
        for m in world.fake.bot_messages(world.groups[code].id)
        if "Escalated to you" in m.plain_text and shown in m.plain_text
    ]


async def test_an_unacknowledged_complaint_walks_up_each_level_once(world, citizen):
    fake = world.fake
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await world.card(POST, number)
    # The post misses its deadline: reminded under its card; the ministry is told; the district asked.
    reminder = await fake.wait_for_message(world.groups[POST].id, lambda m: "overdue" in m.plain_text, timeout=8)
    assert reminder.reply_to_message_id is not None
    missed = await fake.wait_for_message(world.groups["KH"].id, lambda m: "did not acknowledge" in m.plain_text)
    assert "Sla Kram" in missed.plain_text
    await fake.wait_for(lambda: escalation_cards(world, DISTRICT, number), timeout=5)
    told = await chat.reply("passed to")
    assert "Siem Reab" in told.plain_text
    # The district lets its time pass: the province; then the ministry, once, at the top.
    await fake.wait_for(lambda: escalation_cards(world, PROVINCE, number), timeout=8)
    await fake.wait_for(lambda: escalation_cards(world, "KH", number), timeout=8)
    await asyncio.sleep(3)  # longer than a step: nothing more happens
    assert [len(escalation_cards(world, code, number)) for code in (DISTRICT, PROVINCE, "KH")] == [1, 1, 1]
    assert [a for a, _ in events(world, number) if a in ("overdue", "escalated")] == [
        "overdue",
        "escalated",
        "overdue",
        "escalated",
        "overdue",
        "escalated",
    ]
    assert [u for a, u in events(world, number) if a == "escalated"] == [DISTRICT, PROVINCE, "KH"]
    pings = [
        m
        for m in fake.bot_messages(world.groups["KH"].id)
        if "did not acknowledge" in m.plain_text and "Escalated to you" not in m.plain_text
    ]
    assert len(pings) == 1  # the ministry is told of the post's miss once; then it gets the card
    card = next(m for m in fake.bot_messages(world.groups[POST].id) if m.buttons())
    assert "Overdue" in card.plain_text and "Escalated to Ministry" in card.plain_text


async def test_a_restart_in_the_middle_fires_nothing_twice_and_misses_nothing(world, citizen, fake):
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await fake.wait_for(lambda: escalation_cards(world, DISTRICT, number), timeout=8)
    await world.bot.stop()
    await asyncio.sleep(2.5)  # the district's deadline passes while the bot is down
    world.bot = await start_bot(
        fake, world.bot.db_path, ADMIN_IDS=str(world.admin.id), MINISTRY_CHAT_ID=str(world.groups["KH"].id), **FAST
    )
    await fake.wait_for(lambda: escalation_cards(world, PROVINCE, number), timeout=5)  # caught up at start
    await fake.wait_for(lambda: escalation_cards(world, "KH", number), timeout=8)
    await asyncio.sleep(1)
    assert [len(escalation_cards(world, code, number)) for code in (DISTRICT, PROVINCE, "KH")] == [1, 1, 1]
    assert [u for a, u in events(world, number) if a == "escalated"] == [DISTRICT, PROVINCE, "KH"]


async def test_acknowledging_in_time_stops_the_clock_and_starts_the_resolution_one(world, citizen):
    fake = world.fake
    officer = await world.invite(POST, name="Dara")
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    query = officer.press(card, "✅ Acknowledge")
    await fake.wait_for(lambda: query in fake.callback_answers)
    # Not resolved within its 2 s: the same ladder, for the resolution.
    missed = await fake.wait_for_message(world.groups["KH"].id, lambda m: "did not resolve" in m.plain_text, timeout=8)
    assert tracking.display(number, "en") in missed.plain_text
    assert "acknowledge" not in [
        r["kind"] for r in world.query("SELECT kind FROM deadlines WHERE fired_at IS NOT NULL")
    ]


async def test_the_district_takes_over_reminds_or_reassigns(world, citizen):
    fake = world.fake
    district_officer = await world.invite(DISTRICT, name="Chief")
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    await fake.wait_for(lambda: escalation_cards(world, DISTRICT, number), timeout=8)
    card = escalation_cards(world, DISTRICT, number)[0]
    query = district_officer.press(card, "🔔 Remind the unit")
    await fake.wait_for(lambda: query in fake.callback_answers)
    await fake.wait_for_message(world.groups[POST].id, lambda m: "reminds you" in m.plain_text)
    # A post officer cannot act on the district's card.
    post_officer = await world.invite(POST, name="Dara")
    world.groups[DISTRICT].add_member(post_officer)
    query = post_officer.press(card, "🙋 Take over")
    await fake.wait_for(lambda: query in fake.callback_answers)
    assert fake.callback_answers[query]["show_alert"]
    query = district_officer.press(card, "🙋 Take over")
    await fake.wait_for(lambda: query in fake.callback_answers)
    taken = await fake.wait_for_edit(card.chat_id, card.message_id, lambda m: "✔️ Resolve" in str(m.buttons()))
    assert "Acknowledged" in taken.plain_text
    row = world.query("SELECT unit_code, status FROM complaints")[0]
    assert (row["unit_code"], row["status"]) == (DISTRICT, "acknowledged")
    await chat.reply("took over your complaint")


async def test_a_thumbs_down_appeals_one_level_above_the_resolver(world, citizen):
    fake = world.fake
    officer = await world.invite(POST, name="Dara")
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(POST, number)
    query = officer.press(card, "✔️ Resolve")
    await fake.wait_for(lambda: query in fake.callback_answers)
    prompt = await fake.wait_for_message(world.groups[POST].id, lambda m: (m.reply_markup or {}).get("force_reply"))
    world.groups[POST].send(officer, "Nothing was found.", reply_to=prompt)
    question = await fake.wait_for_message(chat.chat_id, lambda m: any(d.startswith("fb:") for _, d in m.buttons()))
    await chat.press(question, next(d for _, d in question.buttons() if d.endswith(":down")))
    await chat.reply("was reopened and passed to")
    appeal = await world.card(DISTRICT, number)
    assert "Appealed by the citizen" in appeal.plain_text
    chat.user.send("Nobody came to look. The seller is still there.")
    await fake.wait_for_message(world.groups[DISTRICT].id, lambda m: "The seller is still there" in m.plain_text)
    row = world.query("SELECT unit_code, status, feedback FROM complaints")[0]
    # Reopened: no rating yet for the district's answer (the citizen is asked again when it is
    # resolved); the 👎 stays in the history.
    assert (row["unit_code"], row["status"], row["feedback"]) == (DISTRICT, "submitted", None)
    assert ("feedback", POST) in events(world, number) and ("appealed", DISTRICT) in events(world, number)


async def test_a_unit_whose_group_is_lost_escalates_at_once(fake, tmp_path, citizen):
    ministry = fake.group("Ministry working group", supergroup=True)
    world = await make_world(fake, tmp_path, MINISTRY_CHAT_ID=str(ministry.id), ACK_DEADLINE="1h", SWEEP_INTERVAL="30s")
    try:
        world.groups["KH"] = ministry
        await world.bind(POST)
        await world.bind(DISTRICT)
        chat = citizen(language_code="en")
        number = await file_complaint(chat)
        await world.card(POST, number)
        world.groups[POST].remove_bot(by=world.admin)
        # Long before its hour is up, and without waiting for the 30 s sweep.
        await fake.wait_for(lambda: escalation_cards(world, DISTRICT, number), timeout=5)
    finally:
        await world.bot.stop()


async def test_300_complaints_escalating_at_once_reach_the_ministry_in_digests(fake, tmp_path):
    import time

    from bot.domain.places import Gazetteer
    from bot.domain.units import default_registry
    from tests.seeding import Shape, seed

    ministry = fake.group("Ministry working group", supergroup=True)
    world = await make_world(fake, tmp_path, MINISTRY_CHAT_ID=str(ministry.id), SWEEP_INTERVAL="0.5s")
    try:
        ministry.add_member(world.admin)
        await world.english_group(ministry)
        now = time.time()
        # In a thread: the bot shares this event loop and must be free to finish its own writes.
        await asyncio.to_thread(
            seed,
            world.bot.db_path,
            default_registry(Gazetteer.load()),
            Shape(300, now - 3 * 86400, now - 86400, open_share=1.0, overdue_share=1.0),
            now=now,
        )
        numbers = {r["tracking_no"] for r in world.query("SELECT tracking_no FROM complaints")}

        def listed() -> set[str]:
            text = " ".join(m.plain_text for m in fake.bot_messages(ministry.id))
            return {n for n in numbers if tracking.display(n, "en") in text}

        started = time.monotonic()
        await fake.wait_for(lambda: len(listed()) == 300, timeout=70, what="all 300 in the ministry's group")
        took = time.monotonic() - started
        digests = [m for m in fake.bot_messages(ministry.id) if "need attention" in m.plain_text]
        assert 15 <= len(digests) <= 19 and took < 60  # within one minute: under 20 messages a minute
        assert all(len(m.plain_text) <= 4096 for m in digests)
        assert fake.limit_report().per_group_chat[ministry.id] <= 20
        # A digest's button opens the full card, with the actions.
        query = world.admin.press(digests[0], digests[0].buttons()[0][1])
        await fake.wait_for(lambda: query in fake.callback_answers)
        card = await fake.wait_for_message(ministry.id, lambda m: "Escalated to you" in m.plain_text, timeout=10)
        assert "🙋 Take over" in [text for text, _ in card.buttons()]
    finally:
        await world.bot.stop()


async def test_each_supervising_group_gets_one_daily_summary_at_the_hour(world, citizen):
    fake = world.fake
    number = await file_complaint(citizen(language_code="en"))
    await world.card(POST, number)
    await fake.wait_for(lambda: world.query("SELECT due_at FROM schedules WHERE name = 'daily_summary'"), timeout=5)

    # The clock reaches the summary hour (08:00 in Phnom Penh by the policy file).
    def reach_the_hour() -> None:
        with dbaccess.connect(world.bot.db_path, timeout=30) as conn:
            conn.execute("UPDATE schedules SET due_at = ? WHERE name = 'daily_summary'", (time.time() - 1,))

    await asyncio.to_thread(reach_the_hour)  # the bot, on this event loop, may be mid-write

    def summaries(code: str) -> list:
        return [m for m in fake.bot_messages(world.groups[code].id) if "Daily summary for" in m.plain_text]

    await fake.wait_for(lambda: all(summaries(code) for code in (DISTRICT, PROVINCE, "KH")), timeout=8)
    await asyncio.sleep(1)  # a few more sweeps: nothing is sent twice
    assert [len(summaries(code)) for code in (DISTRICT, PROVINCE, "KH")] == [1, 1, 1]
    assert summaries(POST) == []  # posts answer complaints; summaries are for the levels above
    assert tracking.display(number, "en") in summaries(DISTRICT)[0].plain_text  # among the oldest open
    next_due = world.query("SELECT due_at FROM schedules WHERE name = 'daily_summary'")[0][0]
    local = datetime.fromtimestamp(next_due, ZoneInfo("Asia/Phnom_Penh"))
    assert (local.hour, local.minute) == (8, 0) and 0 < next_due - time.time() <= 86400


def _waiting_on_locks(world) -> int:
    return world.query(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )[0]["n"]


@dbaccess.postgres_only
async def test_an_acknowledgement_racing_the_sweep_for_its_clock_does_not_deadlock(
    fake, tmp_path, citizen, monkeypatch, caplog
):
    """Both lock the complaint before its clock. The race is forced: the acknowledgement holds the
    complaint and pauses before cancelling the clock; the clock falls due; the sweep starts on it."""
    from db.repositories import deadlines

    world = await make_world(fake, tmp_path, SWEEP_INTERVAL="0.2s")
    await world.bind(POST)
    officer = await world.invite(POST, name="Dara")
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    entered, go, original = asyncio.Event(), asyncio.Event(), deadlines.cancel_open

    async def paused(tx, complaint_id: int) -> None:
        entered.set()
        await go.wait()
        await original(tx, complaint_id)

    monkeypatch.setattr(deadlines, "cancel_open", paused)
    query = officer.press(card, "✅ Acknowledge")
    await asyncio.wait_for(entered.wait(), 10)

    def fall_due() -> None:
        with dbaccess.connect(world.bot.db_path) as conn:
            conn.execute("UPDATE deadlines SET due_at = ? WHERE kind = 'acknowledge'", (time.time() - 1,))

    await asyncio.to_thread(fall_due)
    await fake.wait_for(lambda: _waiting_on_locks(world) >= 1, timeout=5, what="the sweep waiting for the complaint")
    go.set()
    await fake.wait_for(lambda: query in fake.callback_answers)
    await asyncio.sleep(1.5)  # longer than the server's deadlock_timeout (1 s), a few sweeps
    assert [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")] == []
    first = world.query("SELECT kind, fired_at, cancelled_at FROM deadlines ORDER BY id")[0]
    assert first["kind"] == "acknowledge" and first["fired_at"] is None and first["cancelled_at"] is not None
    await world.bot.stop()
    fake.assert_no_errors()
