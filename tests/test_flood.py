"""One citizen cannot stall everyone: a bucket per person before anything is stored, caps on
complaints, fair turns per complaint in each chat, and coalesced relays and card refreshes."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.domain import tracking
from bot.domain.throttle import Throttle
from bot.outgoing import RELAY
from bot.sendqueue import ChatQueue, for_telegram, merged
from db.repositories.outbox import OutboxRow
from tests import dbaccess
from tests.conftest import Conversation
from tests.stations import POST, file_complaint, make_world
from tests.test_handling import answer_prompt, press
from tests.test_intake_flow import has_button, is_description_prompt

# --- the bucket -----------------------------------------------------------------------------------


def test_a_burst_passes_a_flood_is_cut_off_and_told_once_per_period():
    bucket = Throttle(60, 0.5, notice_every=60.0)
    assert all(bucket.admit(7, 0.0).admitted for _ in range(60))  # e.g. 50 forwarded messages at once
    verdicts = [bucket.admit(7, 0.0) for _ in range(140)]
    assert not any(v.admitted for v in verdicts)
    assert [v.notify for v in verdicts].count(True) == 1 and verdicts[0].notify and verdicts[0].dropped == 1
    assert bucket.admit(8, 0.0).admitted  # someone else is not affected
    assert bucket.admit(7, 2.0).admitted  # one more a second later (0.5 a second)
    assert not bucket.admit(7, 2.0).admitted
    later = [bucket.admit(7, 61.0) for _ in range(32)]  # refilled by 29.5, then dry again
    assert sum(v.admitted for v in later) == 29
    told = [v for v in later if v.notify]
    assert len(told) == 1 and told[0].dropped == 139 + 1 + 1  # the period's silent drops are counted


def test_a_person_acting_like_a_person_is_never_dropped():
    bucket = Throttle(60, 0.5)
    now = 0.0
    for step in range(2000):  # an answer every 2-3 s, with an album of 10 photos every 100 steps
        for _ in range(10 if step % 100 == 0 else 1):
            assert bucket.admit(1, now).admitted
        now += 2.0 + (step % 3) * 0.5


def test_memory_stays_bounded_by_forgetting_full_buckets():
    bucket = Throttle(60, 0.5, max_people=1000)
    for person in range(5000):
        bucket.admit(person, person * 200.0)  # each one long after the previous: their buckets refill
    assert bucket.size <= 1000


# --- the lanes of one chat ------------------------------------------------------------------------


def row(row_id: int, complaint: int | None, method: str = "sendMessage", **params: object) -> OutboxRow:
    return OutboxRow(row_id, -100, method, {"text": f"#{row_id}", **params}, "notify", 0, 0.0, complaint)


def relay_row(row_id: int, complaint: int, text: str) -> OutboxRow:
    marker = {RELAY: {"to": "police", "chat": 5, "message": 9}}
    return row(row_id, complaint, text=text, reply_to_outbox=100 + complaint, **marker)  # under its card, sent


def drain(queue: ChatQueue) -> list[int]:
    order = []
    while queue:
        order.append(queue.pop_head().id)
    return order


def test_complaints_take_turns_and_each_keeps_its_order():
    queue = ChatQueue()
    for r in [row(i, 1) for i in range(1, 6)] + [row(10, 2), row(11, 2), row(20, None), row(30, 3)]:
        queue.add(r)
    assert drain(queue) == [1, 10, 20, 30, 2, 11, 3, 4, 5]


def test_a_message_threaded_under_or_editing_a_queued_one_follows_it_in_its_lane():
    queue = ChatQueue()
    queue.add(row(1, 7))  # a card
    queue.add(row(2, None, reply_to_outbox=1))  # something under it that names no complaint
    queue.add(row(3, None))
    queue.add(row(4, None, "editMessageText", edit_of_outbox=1))
    assert drain(queue) == [1, 3, 2, 4]  # 2 and 4 after the card, in its lane; 3 in its own turn


def test_removing_a_person_from_the_group_goes_before_every_card_waiting_for_it():
    # A revoked officer must be out of the group before the next card reaches it.
    queue = ChatQueue()
    for r in (row(1, 7), row(2, 8), row(3, 8)):
        queue.add(r)
    queue.add(row(4, None, "banChatMember"), sending=True)  # 1 is being sent right now: it stays first
    queue.add(row(5, None, "unbanChatMember"))
    queue.add(row(6, 9))
    assert drain(queue) == [1, 4, 2, 6, 5, 3]


def test_only_the_newest_waiting_edit_of_a_card_is_sent_never_the_one_in_flight():
    queue = ChatQueue()
    queue.add(row(1, 7, "editMessageText", edit_of_outbox=50))
    superseded = queue.add(row(2, 7, "editMessageText", edit_of_outbox=50), sending=True)
    assert superseded is None  # 1 is being sent: it stays
    assert queue.add(row(3, 7, "editMessageText", edit_of_outbox=50)).id == 2
    assert queue.add(row(4, 7, "editMessageText", edit_of_outbox=51)) is None  # another card
    assert queue.add(row(5, 7, "editMessageText", edit_of_outbox=50)).id == 3
    assert drain(queue) == [1, 4, 5]


def test_a_group_upgraded_to_a_supergroup_keeps_its_lanes_and_order():
    old, new = ChatQueue(), ChatQueue()
    for r in (row(1, 7), row(3, 7, "editMessageText", edit_of_outbox=1), row(4, 8)):
        old.add(r)
    new.add(row(5, 7, "editMessageText", edit_of_outbox=1))  # queued for the new id meanwhile
    old.not_before = 99.0  # a retry pending for the old id still holds
    joined, superseded = ChatQueue.joined(old, new, -200)
    assert [r.id for r in superseded] == [3] and joined.not_before == 99.0
    assert {r.chat_id for r in joined.rows()} == {-200}
    assert drain(joined) == [1, 4, 5]


def test_a_citizens_waiting_texts_are_merged_up_to_4096_characters_media_keeps_its_place():
    queue = ChatQueue()
    queue.add(relay_row(1, 7, "a" * 1500))
    queue.add(row(2, 7, "editMessageText", edit_of_outbox=1))  # a card refresh in between is stepped over
    queue.add(relay_row(3, 7, "b" * 1500))
    queue.add(relay_row(4, 7, "c" * 1500))  # would make it 4,504
    queue.add(relay_row(5, 8, "other complaint"))
    run = queue.relay_run(4096)
    assert [r.id for r in run] == [3]
    sent = for_telegram(merged(queue.head(), run))
    assert sent.params["text"] == "a" * 1500 + "\n\n" + "b" * 1500 and RELAY not in sent.params
    queue.pop_head()
    queue.discard(run)
    assert drain(queue) == [5, 2, 4]
    queue.add(relay_row(6, 7, "x"))
    queue.add(row(7, 7, "copyMessage", from_chat_id=5, message_id=1, **{RELAY: {"to": "police"}}))
    queue.add(relay_row(8, 7, "y"))
    assert queue.relay_run(4096) == []  # the photo stays between the two texts


# --- through Telegram -----------------------------------------------------------------------------


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    await w.invite(POST, name="Dara")
    yield w
    await w.bot.stop()
    fake.assert_no_errors()


async def officer_message(world, chat: Conversation, number: str) -> object:
    """Dara writes to the citizen; returns the message the citizen got (with its ↩️ Answer)."""
    card = await world.card(POST, number)
    await press(world, world.officers[f"{POST}:Dara"], card, "💬 Reply")
    await answer_prompt(world, world.officers[f"{POST}:Dara"], "Please tell us more.")
    return await chat.reply("Please tell us more.")


async def to_review_at_the_post(chat: Conversation, patience: float = 5.0):
    """The intake up to the review, for a place the bound post covers (file_complaint without Submit).
    `patience`: a second intake soon after a first one meets the private chat's window (28 messages
    in 30 s), so the bot's answers may take that long."""
    fake = chat.fake

    async def say(text: str, expect: str | None):
        chat.user.send(text)
        return await chat.reply(expect, timeout=patience)

    menu = await say("/start", None)
    if "lang:en" in [d for _, d in menu.buttons()]:  # a new citizen picks a language first
        chat.user.press(menu, "lang:en")
        menu = await fake.wait_for_edit(chat.chat_id, menu.message_id, has_button("m:new"))
    chat.user.press(menu, "m:new")
    categories = await fake.wait_for_message(chat.chat_id, has_button(":cat:drugs"), timeout=patience)
    chat.user.press(categories, next(d for _, d in categories.buttons() if d.endswith(":cat:drugs")))
    picker = await fake.wait_for_edit(chat.chat_id, categories.message_id, has_button(":place:17"), timeout=patience)
    for code in (POST[:2], POST[:4], POST):
        current = await fake.wait_for(
            lambda c=code: (m := fake.message(chat.chat_id, picker.message_id)) and has_button(f":place:{c}")(m) and m,
            timeout=patience,
        )
        chat.user.press(current, next(d for _, d in current.buttons() if d.endswith(f":place:{code}")))
    await fake.wait_for_message(chat.chat_id, is_description_prompt, timeout=patience)
    await say("Drugs are sold at the market.", "Saved")
    await say("✅ Done", "Evidence")
    await say("⏭ Skip", "reach you")
    await say("🙈 Stay anonymous", "anonymous")
    return await chat.reply("Please check your complaint", timeout=patience)


def relayed_texts(world, pseudonym: str) -> list[str]:
    group = world.groups[POST]
    return [m.plain_text for m in world.fake.bot_messages(group.id) if f"Citizen {pseudonym} wrote" in m.plain_text]


async def test_one_citizens_40_messages_do_not_hold_back_another_citizens_new_card(world, citizen):
    fake, group = world.fake, world.groups[POST]
    a, b = citizen("A", language_code="en"), citizen("B", language_code="en")
    number_a = await file_complaint(a)
    asked = await officer_message(world, a, number_a)
    review = await to_review_at_the_post(b)
    pseudonym = world.query("SELECT pseudonym FROM complaints")[0]["pseudonym"]
    before = len(fake.bot_messages(group.id))
    # Telegram holds the group back for a few seconds (a 429) just as A sends 40 messages: all of them
    # are queued, with their card refreshes, before B files.
    fake.inject("sendMessage", error_code=429, retry_after=5, chat_id=group.id)
    words = [f"A-part {i:02d}: " + "what I saw that night, " * 12 for i in range(40)]
    for text in words:
        a.user.send(text, reply_to=asked)
    citizen_messages = "SELECT COUNT(*) FROM complaint_events WHERE action = 'citizen_message'"
    await fake.wait_for(lambda: world.query(citizen_messages)[0][0] == 40, timeout=10)
    b.user.press(review, "✅ Submit")
    receipt = await b.reply("Your complaint has been filed")
    number_b = tracking.parse(receipt.plain_text.split("Tracking number: ")[1].split()[0])[0]
    card_b = await world.card(POST, number_b, timeout=15)
    await fake.wait_for(lambda: sum(t.count("A-part ") for t in relayed_texts(world, pseudonym)) >= 40, timeout=30)

    after = fake.bot_messages(group.id)[before:]
    from_a = [m for m in after if f"Citizen {pseudonym} wrote" in m.plain_text]
    assert from_a[-1].message_id > card_b.message_id  # B's card came before A's backlog had drained
    assert len([m for m in from_a if m.message_id < card_b.message_id]) <= 2
    parts = [line.strip() for m in from_a for line in m.plain_text.split("\n") if line.startswith("A-part ")]
    assert parts == [w.strip() for w in words]  # every message arrived, once, in order
    print(f"A's 40 messages arrived as {len(from_a)}; {len(after)} messages in the group since")
    assert len(from_a) <= 6  # merged: 40 messages, a handful of Telegram messages
    assert all(len(m.plain_text) <= 4096 and m.reply_to_message_id for m in from_a)  # under A's card
    calls = [c for c in fake.calls if c.method == "sendMessage" and "A-part" in str(c.params.get("text"))]
    assert calls and not any(RELAY in c.params for c in calls)  # the bot's marker never reaches Telegram
    fake.errors[:] = [e for e in fake.errors if not e.injected]


async def test_waiting_card_refreshes_become_one_edit(world, citizen):
    fake, group = world.fake, world.groups[POST]
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    asked = await officer_message(world, chat, number)
    await fake.wait_for(lambda: not world.query("SELECT 1 FROM outbox WHERE state = 'pending'"))
    calls_before = len(fake.calls)
    # The group is held back (Telegram says "retry after 3 s") while the citizen writes five times:
    # each message queues its relay and a refresh of the card.
    fake.inject("sendMessage", error_code=429, retry_after=3, chat_id=group.id)
    for i in range(5):
        chat.user.send(f"detail number {i}", reply_to=asked)
    pending_in_group = "SELECT 1 FROM outbox WHERE state = 'pending' AND chat_id = ?"
    await fake.wait_for(
        lambda: len(world.query("SELECT 1 FROM complaint_events WHERE action = 'citizen_message'")) == 5
    )
    await fake.wait_for(lambda: not world.query(pending_in_group, (group.id,)), timeout=15)

    refreshes = world.query(
        "SELECT state, message_id FROM outbox WHERE method = 'editMessageText' AND chat_id = ? AND id > "
        "(SELECT MIN(id) FROM outbox WHERE payload LIKE '%detail number 0%') ORDER BY id",
        (group.id,),
    )
    assert len(refreshes) == 5 and {r["state"] for r in refreshes} == {"sent"}
    assert [r["message_id"] is None for r in refreshes] == [True] * 4 + [False]  # superseded: no call
    edits = [c for c in fake.calls[calls_before:] if c.method == "editMessageText" and c.status == 200]
    assert len(edits) == 1
    shown = [m for m in fake.bot_messages(group.id) if "wrote about complaint" in m.plain_text]
    assert len(shown) == 1  # the five relays waited together: one message
    assert [line for line in shown[0].plain_text.split("\n") if line.startswith("detail")] == [
        f"detail number {i}" for i in range(5)
    ]
    fake.errors[:] = [e for e in fake.errors if not e.injected]


async def test_a_flooding_script_is_cut_off_and_told_once_while_others_are_answered(bot, fake, citizen):
    flooder, other = citizen("Script", language_code="en"), citizen("Sophea", language_code="en")
    for person in (flooder, other):
        picker = await person.say("/start")
        await person.press(picker, "lang:en")
    for i in range(200):
        flooder.user.send(f"spam {i}")
    started = time.monotonic()
    await other.say("/help", expect="117")
    assert time.monotonic() - started < 3
    notice = await flooder.reply("sending messages too fast", timeout=10)
    assert "were not received" in notice.plain_text
    await fake.wait_for(lambda: not fake.pending_updates(), timeout=10)
    stored = bot.query("SELECT COUNT(*) AS n FROM inbox WHERE chat_key = ?", (f"c{flooder.chat_id}",))[0]["n"]
    assert 60 <= stored <= 75  # the bucket (60) and what it refilled meanwhile; never the 200
    for i in range(50):  # still flooding: no second notice within the minute
        flooder.user.send(f"more spam {i}")
    await fake.wait_for(lambda: not fake.pending_updates(), timeout=10)
    await asyncio.sleep(1.0)
    notices = [m for m in fake.bot_messages(flooder.chat_id) if "too fast" in m.plain_text]
    assert len(notices) == 1


# --- caps on complaints ---------------------------------------------------------------------------


def policy_file(tmp_path, **limits: int):
    from bot.domain.policy import DEFAULT_FILE

    text = DEFAULT_FILE.read_text(encoding="utf-8")
    for key, value in limits.items():
        text = "\n".join(f"{key} = {value}" if line.startswith(f"{key} =") else line for line in text.splitlines())
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_a_citizen_over_the_open_cap_is_told_kindly_and_nothing_is_filed(fake, tmp_path, citizen):
    world = await make_world(fake, tmp_path, POLICY_FILE=policy_file(tmp_path, open_complaints=1))
    try:
        await world.bind(POST)
        chat = citizen(language_code="en")
        number = await file_complaint(chat)
        answer = await chat.say("/new", expect="open complaint")
        assert "You already have 1 open complaint, the most one person can have" in answer.plain_text
        assert tracking.display(number, "en") in answer.plain_text and "117" in answer.plain_text
        assert not world.query("SELECT 1 FROM drafts")  # no draft was started
        assert len(world.query("SELECT 1 FROM complaints")) == 1
    finally:
        await world.bot.stop()
    fake.assert_no_errors()


def filed_today(db_path, citizen_id: int) -> str:
    """A complaint the citizen filed earlier today, written in a thread like other test seeding (a
    second intake right after a first one waits ~30 s for Telegram's per-chat window)."""

    number, now = tracking.generate(), time.time()
    conn = dbaccess.connect(db_path)
    try:
        with conn:
            conn.execute(
                "INSERT INTO complaints (tracking_no, citizen_id, draft_seq, category, province_code, "
                "district_code, commune_code, gazetteer_year, description, contact_mode, lang, status, "
                "created_at, updated_at, unit_code) VALUES (?, ?, 999, 'drugs', '17', '1710', ?, 2025, "
                "'Drugs are sold at night.', 'anonymous', 'en', 'submitted', ?, ?, ?)",
                (number, citizen_id, POST, now - 60, now - 60, POST),
            )
    finally:
        conn.close()
    return number


async def test_the_daily_cap_stops_a_submit_and_keeps_the_draft(fake, tmp_path, citizen):
    world = await make_world(fake, tmp_path, POLICY_FILE=policy_file(tmp_path, complaints_per_day=1))
    try:
        await world.bind(POST)
        chat = citizen(language_code="en")
        review = await to_review_at_the_post(chat)
        # Meanwhile the citizen filed another complaint today (a second intake, seeded).
        first = await asyncio.to_thread(filed_today, world.bot.db_path, chat.user.id)
        query = chat.user.press(review, "✅ Submit")
        answer = await chat.reply("today")
        assert "You have already filed 1 complaint today" in answer.plain_text
        assert "Your draft is kept" in answer.plain_text and tracking.display(first, "en") in answer.plain_text
        await fake.wait_for(lambda: query in fake.callback_answers)
        assert "Not filed" in chat.answer_of(query)
        assert len(world.query("SELECT 1 FROM complaints")) == 1
        assert world.query("SELECT 1 FROM drafts")  # kept, with its review and buttons
        assert fake.message(chat.chat_id, review.message_id).buttons()
        again = await chat.say("/new", expect="today")
        assert "Your draft is kept" in again.plain_text
    finally:
        await world.bot.stop()
    fake.assert_no_errors()


def test_the_day_of_the_daily_cap_is_phnom_penhs():
    from datetime import datetime

    from bot.domain.deadlines import TIMEZONE
    from bot.domain.policy import Limits

    limits = Limits()
    late_evening = datetime(2025, 3, 4, 23, 30, tzinfo=TIMEZONE).timestamp()  # 16:30 UTC
    assert limits.day_start(late_evening) == datetime(2025, 3, 4, tzinfo=TIMEZONE).timestamp()
    assert limits.cap_reached(5, 0) == "open" and limits.cap_reached(4, 3) == "daily"
    assert limits.cap_reached(4, 2) is None
