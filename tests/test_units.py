"""Police units receive complaints in their groups: routing, binding, people, chat changes."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import tracking
from tests import dbaccess
from tests.stations import DISTRICT, OTHER_POST, POST, file_complaint, make_world


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    yield w
    await w.bot.stop()


async def test_a_drugs_complaint_reaches_its_post_and_a_bribery_complaint_the_district(world, citizen):
    await world.bind(POST)
    await world.bind(DISTRICT)
    chat = citizen("Sophea", language_code="en", username="sophea_kh")
    drugs = await file_complaint(chat, text="A man sells yaba behind the school every evening.")
    card = await world.card(POST, drugs)
    assert "Drugs" in card.plain_text and "yaba behind the school" in card.plain_text
    other = citizen("Other", language_code="en")  # one citizen filing twice in a minute would be slowed down
    bribe = await file_complaint(other, category="police_misconduct", text="The officer asked me for 20 dollars.")
    card = await world.card(DISTRICT, bribe)
    assert "20 dollars" in card.plain_text
    assert not [m for m in world.fake.bot_messages(world.groups[POST].id) if "20 dollars" in m.plain_text]
    # The post never sees who the citizen is.
    for message in world.fake.messages(world.groups[POST].id) + world.fake.messages(world.groups[DISTRICT].id):
        text = message.plain_text or ""
        assert "Sophea" not in text and "sophea_kh" not in text and str(chat.user.id) not in text
    receipt = chat.seen[-1].plain_text
    assert "Sla Kram" in receipt  # the citizen is told which unit received it
    assert "Siem Reab" in other.seen[-1].plain_text


async def test_without_a_group_the_card_goes_to_the_nearest_bound_unit_above(world, citizen):
    await world.bind(DISTRICT)
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    card = await world.card(DISTRICT, number)
    assert "which has no Telegram group the bot can reach" in card.plain_text
    row = world.query("SELECT unit_code, responsible_code FROM complaints")[0]
    assert (row["unit_code"], row["responsible_code"]) == (DISTRICT, POST)


async def test_a_complaint_filed_before_any_group_is_delivered_once_one_is_bound(world, citizen):
    chat = citizen(language_code="en")
    number = await file_complaint(chat)
    assert "as soon as their group is connected" in chat.seen[-1].plain_text
    assert world.query("SELECT unit_code FROM complaints")[0]["unit_code"] is None
    await world.bind(POST)
    await world.card(POST, number)
    await chat.reply("was sent to")


async def test_only_admins_and_supervisors_in_scope_can_bind(world, citizen):
    stranger = world.fake.user("Stranger", language_code="en")
    stranger.send("/start")
    await world.english(stranger)
    group = world.fake.group("Somebody's group", supergroup=True, members=[stranger])
    group.set_bot_status("administrator", by=stranger)  # /bind also needs the bot to be able to ban users
    group.send(stranger, f"/bind {POST}")
    await world.fake.wait_for_message(group.id, lambda m: "Only a system administrator or a supervisor" in m.plain_text)
    # A supervisor of the district may bind its posts, not another district's.
    await world.bind(DISTRICT)
    supervisor = await world.invite(DISTRICT, "supervisor", "District chief")
    group.add_member(supervisor)
    group.send(supervisor, "/bind 0102")
    await world.fake.wait_for_message(group.id, lambda m: "Only a system administrator or a supervisor" in m.plain_text)
    group.send(supervisor, f"/bind {OTHER_POST}")
    await world.fake.wait_for_message(group.id, lambda m: f"({OTHER_POST})" in m.plain_text)
    assert world.query("SELECT chat_id FROM units WHERE code = ?", (OTHER_POST,))[0]["chat_id"] == group.id
    assert [r["action"] for r in world.query("SELECT action FROM audit_log ORDER BY id")] == [
        "bind",
        "invite",
        "enrol",
        "bind",
    ]


async def test_invitations_work_once_and_expire(fake, tmp_path):
    world = await make_world(fake, tmp_path, INVITE_TTL="2s")
    try:
        world.admin.send(f"/invite {POST} officer")
        message = await fake.wait_for_message(world.admin.chat_id, lambda m: "t.me/" in m.plain_text)
        payload = message.plain_text.split("start=")[1].split()[0]
        first, second = fake.user("First", language_code="en"), fake.user("Second", language_code="en")
        first.send(f"/start {payload}")
        await fake.next_bot_message(first.chat_id)
        second.send(f"/start {payload}")
        await fake.next_bot_message(second.chat_id)
        roles = world.query("SELECT user_id, role FROM members")
        assert [(r["user_id"], r["role"]) for r in roles] == [(first.id, "officer")]
        world.admin.send(f"/invite {POST}")
        message = await fake.wait_for_message(world.admin.chat_id, lambda m: "t.me/" in m.plain_text)
        late = message.plain_text.split("start=")[1].split()[0]
        await asyncio.sleep(2.2)
        third = fake.user("Third", language_code="en")
        third.send(f"/start {late}")
        await fake.next_bot_message(third.chat_id)
        assert len(world.query("SELECT * FROM members")) == 1
    finally:
        await world.bot.stop()


async def test_roster_and_revoking_an_officer(world, citizen):
    await world.bind(POST)
    officer = await world.invite(POST, name="Dara")
    group = world.groups[POST]
    group.send(world.admin, "/officers")
    roster = await world.fake.wait_for_message(group.id, lambda m: "People of" in m.plain_text)
    assert "Dara" in roster.plain_text
    query = world.admin.press(roster, roster.buttons()[0][1])
    await world.fake.wait_for(lambda: query in world.fake.callback_answers)
    assert world.query("SELECT revoked_at FROM members WHERE user_id = ?", (officer.id,))[0]["revoked_at"]
    # A removed officer is out of the group (tests/test_membership.py), and back in it can no longer act.
    await world.fake.wait_for(lambda: world.fake.world.member_status(group.chat, officer.id) == "left")
    group.add_member(officer)
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    query = officer.press(card, "✅ Acknowledge")
    await world.fake.wait_for(lambda: query in world.fake.callback_answers)
    assert world.fake.callback_answers[query]["show_alert"]
    assert world.query("SELECT status FROM complaints")[0]["status"] == "submitted"


async def test_the_bot_removed_from_a_group_marks_the_unit_unreachable_and_tells_the_ministry_once(
    fake, tmp_path, citizen
):
    ministry = fake.group("Ministry working group", supergroup=True)
    world = await make_world(fake, tmp_path, MINISTRY_CHAT_ID=str(ministry.id))
    try:
        await world.bind(POST)
        await world.bind(DISTRICT)
        world.groups[POST].remove_bot(by=world.admin)
        alert = await fake.wait_for_message(ministry.id, lambda m: m.plain_text.startswith("🚨"))
        assert POST in alert.plain_text  # (the ministry's group reads Khmer)
        assert world.query("SELECT unreachable_since FROM units WHERE code = ?", (POST,))[0]["unreachable_since"]
        number = await file_complaint(citizen(language_code="en"))
        await world.card(DISTRICT, number)  # the next level up gets it
        assert len([m for m in fake.bot_messages(ministry.id) if m.plain_text.startswith("🚨")]) == 1
    finally:
        await world.bot.stop()


async def test_a_card_the_group_refuses_goes_up_a_level_at_once(fake, tmp_path, citizen):
    ministry = fake.group("Ministry working group", supergroup=True)
    world = await make_world(fake, tmp_path, MINISTRY_CHAT_ID=str(ministry.id))
    try:
        await world.bind(POST)
        await world.bind(DISTRICT)
        # The bot was removed while it was down: it learns only when the card is refused.
        fake.inject(
            "sendMessage",
            error_code=403,
            description="Forbidden: bot was kicked from the supergroup chat",
            chat_id=world.groups[POST].id,
        )
        number = await file_complaint(citizen(language_code="en"))
        card = await world.card(DISTRICT, number)
        assert "which has no Telegram group the bot can reach" in card.plain_text
        await fake.wait_for_message(ministry.id, lambda m: m.plain_text.startswith("🚨") and POST in m.plain_text)
    finally:
        await world.bot.stop()


async def test_a_group_upgraded_to_a_supergroup_keeps_receiving(world, citizen):
    group = await world.bind(POST, supergroup=False)
    old_id = group.id
    new_id = group.migrate_to_supergroup(by=world.admin)
    await world.fake.wait_for(
        lambda: world.query("SELECT chat_id FROM units WHERE code = ?", (POST,))[0]["chat_id"] == new_id
    )
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    assert card.chat_id == new_id != old_id


async def test_group_language_and_khmer_cards(world, citizen):
    group = await world.bind(POST, lang="km")
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    assert "ពាក្យបណ្តឹង" in card.plain_text  # Khmer by default
    group.send(world.admin, "/language")
    picker = await world.fake.wait_for_message(group.id, lambda m: "gl:en" in [d for _, d in m.buttons()])
    query = world.admin.press(picker, "gl:en")
    await world.fake.wait_for(lambda: query in world.fake.callback_answers)
    number = await file_complaint(citizen("Second", language_code="en"))
    card = await world.card(POST, number)
    assert f"Complaint {tracking.display(number, 'en')}" in card.plain_text


async def test_a_unit_bound_to_a_forum_topic_gets_its_cards_in_that_topic(world, citizen):
    forum = world.fake.group("Siem Reap police", supergroup=True, forum=True, members=[world.admin])
    forum.set_bot_status("administrator", by=world.admin)
    topic = forum.create_topic("Sla Kram post", by=world.admin)
    forum.send(world.admin, f"/bind {POST}", topic=topic)
    await world.fake.wait_for_message(forum.id, lambda m: f"({POST})" in m.plain_text)
    world.groups[POST] = forum
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    assert card.message_thread_id == topic.thread_id


async def test_history_is_append_only(world, citizen):
    await world.bind(POST)
    await file_complaint(citizen(language_code="en"))

    def tamper() -> None:  # in a thread: the bot, on this event loop, may be mid-write
        conn = dbaccess.connect(world.bot.db_path, timeout=30)
        try:
            for statement in (
                "UPDATE complaint_events SET action = 'x'",
                "DELETE FROM complaint_events",
                "DELETE FROM audit_log",
            ):
                with pytest.raises(dbaccess.IntegrityError, match="append-only"):
                    conn.execute(statement)
                conn.rollback()  # PostgreSQL refuses every later statement of a failed transaction
        finally:
            conn.close()

    await asyncio.to_thread(tamper)
