"""Staff answers never leak to the wrong chat (issue 8: items 1, 6, 7, 11).

Figures, cards, charts, exports and contacts are answered in private chats only; a group gets a
pointer back to the private chat. Export cells cannot run as spreadsheet formulas. A /reveal is in
the audit log only, never in what units read. Card buttons count only where the card's unit is
bound; escalation buttons only in a level above.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time

import openpyxl
import pytest

from bot.domain import tracking
from bot.services.private_only import Asked, parse_payload
from bot.spreadsheets import FORMULA_STARTS, spreadsheet_safe
from tests import dbaccess
from tests.stations import DISTRICT, OTHER_POST, POST, PROVINCE, file_complaint, make_world

POINTER = "ask me in a private chat"
REASON = "the citizen asked to be called back"


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    w.minister = await w.invite("KH", "supervisor", "Ministry")
    w.chief = await w.invite(PROVINCE, "supervisor", "Province chief")
    w.officer = await w.invite(POST, "officer", "Dara")
    w.groups[POST].add_member(w.minister, by=w.admin)
    # A group the bot was merely added to, bound to no unit: a family, say.
    w.family = fake.group("Family", supergroup=True, members=[w.admin, w.minister, w.officer])
    yield w
    await w.bot.stop()
    fake.assert_no_errors()
    assert fake.unanswered_callbacks() == []


def is_pointer(message) -> bool:
    return POINTER in message.plain_text


def link_of(message) -> str:
    [[button]] = message.reply_markup["inline_keyboard"]
    return button["url"]


def complaint_id(world, number: str) -> int:
    return world.query("SELECT id FROM complaints WHERE tracking_no = ?", (number,))[0]["id"]


async def pressed(world, who, message, data: str) -> dict:
    query = who.press_raw(message, data)
    await world.fake.wait_for(lambda: query in world.fake.callback_answers, what="callback answer")
    return world.fake.callback_answers[query]


async def test_staff_commands_in_any_group_only_point_to_the_private_chat(world, citizen):
    fake = world.fake
    chat = citizen("Sophea", language_code="en", username="sophea_kh")
    number = await file_complaint(chat, share_phone=True)
    await world.card(POST, number)
    commands = (
        "/export",
        "/export 30",
        "/stats 7",
        "/overdue",
        "/status",
        f"/status {PROVINCE}",
        f"/status {number}",
        f"/reveal {number} {REASON}",
        f"/invite {POST} supervisor",  # a one-time link: whoever in the group opened it first would be enrolled
    )
    payloads = {}
    for group, who in ((world.groups[POST], world.minister), (world.family, world.admin)):
        before = len(fake.bot_messages(group.id))
        for command in commands:
            group.send(who, command)
            pointer = await fake.wait_for_message(group.id, is_pointer, timeout=10)
            link = link_of(pointer)
            assert link.startswith(f"https://t.me/{fake.bot_username}?start=ask_")
            payloads[command] = link.split("?start=")[1]
        await asyncio.sleep(1)  # anything else the bot might still send
        answers = fake.bot_messages(group.id)[before:]
        assert len(answers) == len(commands) and all(is_pointer(m) for m in answers)
        assert all(m.media_kind is None for m in answers)  # no CSV, no chart
        pointed = " ".join(m.plain_text + json.dumps(m.reply_markup) for m in answers)
        for secret in ("12 345 678", "Sophea", "sophea_kh", str(chat.user.id), REASON, "Status of", "History"):
            assert secret not in pointed
        everything = " ".join(m.plain_text for m in fake.bot_messages(group.id))
        assert not [x for x in ("Sophea", "sophea_kh", str(chat.user.id), REASON) if x in everything]
    assert payloads[f"/status {number}"] == f"ask_status_{number}"
    assert payloads[f"/status {PROVINCE}"] == f"ask_status_{PROVINCE}"
    assert payloads["/export 30"] == "ask_export_30" and payloads[f"/reveal {number} {REASON}"] == "ask_reveal"
    assert world.query("SELECT COUNT(*) FROM audit_log WHERE action IN ('export', 'reveal')")[0][0] == 0
    assert world.query("SELECT COUNT(*) FROM invites")[0][0] == 3  # the fixture's own, made in private chats
    assert payloads[f"/invite {POST} supervisor"] == "ask_invite" and "t.me/" not in everything.replace(
        f"t.me/{fake.bot_username}?start=ask_", ""
    )

    # The links run the same commands in the private chat, for whoever opens them, as if typed.
    minister = world.minister
    minister.send(f"/start {payloads[f'/status {number}']}")
    card = await fake.wait_for_message(minister.chat_id, lambda m: tracking.display(number, "en") in m.plain_text)
    assert "012 345 678" in card.plain_text
    minister.send(f"/start {payloads['/export 30']}")
    await fake.wait_for_message(minister.chat_id, lambda m: m.media_kind == "document", timeout=10)
    minister.send(f"/start {payloads['/stats 7']}")
    await fake.wait_for_message(minister.chat_id, lambda m: m.media_kind == "photo", timeout=10)
    outsider = await world.invite("0102", "supervisor", "Outsider")
    outsider.send(f"/start {payloads[f'/status {number}']}")
    await fake.wait_for_message(outsider.chat_id, lambda m: "No complaint with the number" in m.plain_text)
    outsider.send(f"/start {payloads['/export 30']}")
    document = await fake.wait_for_message(outsider.chat_id, lambda m: m.media_kind == "document", timeout=10)
    rows = list(csv.reader(io.StringIO(fake.world.files[document.file_id].data.decode("utf-8-sig"))))
    assert len(rows) == 1  # their own scope only: nothing from province 17
    world.officer.send(f"/start {payloads['/export 30']}")
    await fake.wait_for_message(world.officer.chat_id, lambda m: "for supervisors only" in m.plain_text)


def test_deep_link_payloads_are_parsed_strictly():
    assert parse_payload("ask_status_4829130574") == Asked("status", ("4829130574",))
    assert parse_payload("ask_status_KH") == Asked("status", ("KH",))
    assert parse_payload("ask_overdue") == Asked("overdue")
    assert parse_payload("ask_export_30") == Asked("export", ("30",))
    for forged in (
        "ask_reveal_4829130574",  # a reveal needs a typed reason: never carried by a link
        "ask_export_9999",
        "ask_status_123",
        "ask_status_17 01",
        "ask_delete",
        "ask_status_",
        "inv_status",
        "ask_status_4829130574_x",
    ):
        assert parse_payload(forged) is None, forged


async def test_the_officers_list_in_a_group_is_only_that_groups_own(world):
    fake = world.fake
    world.family.send(world.officer, "/officers")  # bound to no unit: not the asker's own unit here
    await fake.wait_for_message(world.family.id, is_pointer)
    world.groups[POST].send(world.admin, f"/officers {DISTRICT}")
    await fake.wait_for_message(world.groups[POST].id, is_pointer)
    world.groups[POST].send(world.admin, "/officers")
    roster = await fake.wait_for_message(world.groups[POST].id, lambda m: "People of" in m.plain_text)
    assert "Dara" in roster.plain_text
    assert not any("People of" in m.plain_text for m in fake.bot_messages(world.family.id))


async def test_export_cells_never_run_as_formulas(world, citizen):
    fake = world.fake
    hostile = citizen("@SUM(1+1)", language_code="en", username="sum_user")
    first = await file_complaint(hostile, text='=HYPERLINK("http://x","y")', share_phone=True)
    other = citizen("+cmd|' /C calc'!A0", language_code="en")
    second = await file_complaint(other, text="-2+3 is what they asked for")
    world.minister.send("/export 30")
    document = await fake.wait_for_message(world.minister.chat_id, lambda m: m.media_kind == "document", timeout=10)
    data = fake.world.files[document.file_id].data
    assert data.startswith(b"\xef\xbb\xbf")  # still UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, lines = rows[0], {row[0]: row for row in rows[1:]}
    name, phone, description = header.index("Telegram name"), header.index("Phone"), header.index("What happened")
    row = lines[tracking.display(first, "en")]
    assert row[description] == '\'=HYPERLINK("http://x","y")'
    assert row[name] == "'@SUM(1+1) @sum_user"
    assert row[phone].startswith("'+855")
    row = lines[tracking.display(second, "en")]
    assert row[name] == "'+cmd|' /C calc'!A0" and row[description] == "'-2+3 is what they asked for"
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]

    world.minister.send("/export 30 xlsx")
    document = await fake.wait_for_message(
        world.minister.chat_id,
        lambda m: m.media_kind == "document" and fake.world.files[m.file_id].file_name.endswith(".xlsx"),
        timeout=10,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(fake.world.files[document.file_id].data)).active
    table = list(sheet.iter_rows(values_only=False))
    header = [c.value for c in table[0]]
    found = {row[0].value: row for row in table[1:]}
    cell = found[tracking.display(first, "en")][header.index("What happened")]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"  # text, shown as typed, never run


def test_every_formula_start_is_neutralised_and_nothing_else():
    for cell in ("=1+1", "+855", "-2", "@A1", "\tx", "\rx"):
        assert spreadsheet_safe(cell) == "'" + cell
    for cell in ("Sla Kram", "482-913-0574", "ស្លក្រាម", "", 8_000_000_001, " =x"):
        assert spreadsheet_safe(cell) == cell


async def test_a_reveal_stays_in_the_audit_log_and_out_of_every_unit_view(world, citizen):
    fake = world.fake
    chat = citizen("Sophea", language_code="en", username="sophea_kh")
    number = await file_complaint(chat, share_phone=True)
    card = await world.card(POST, number)
    world.minister.send(f"/reveal {number} {REASON}")
    shown = await fake.wait_for_message(world.minister.chat_id, lambda m: "Contact of the citizen" in m.plain_text)
    assert "Sophea" in shown.plain_text and "sophea_kh" in shown.plain_text
    # A look-up recorded in the history by an older version (append-only: it stays there).
    cid = complaint_id(world, number)

    def older_version_row() -> None:  # in a thread: the bot, on this event loop, may be mid-write
        with dbaccess.connect(world.bot.db_path, timeout=30) as conn:
            conn.execute(
                "INSERT INTO complaint_events (complaint_id, at, actor_kind, actor_id, actor_role, unit_code, action, "
                "from_status, to_status, detail) VALUES (?, ?, 'supervisor', ?, 'supervisor', NULL, 'revealed', "
                "'submitted', 'submitted', ?)",
                (cid, time.time(), world.minister.id, json.dumps({"actor": "Old Ministry", "reason": "legacy lookup"})),
            )

    await asyncio.to_thread(older_version_row)
    traces = ("looked up", REASON, "legacy lookup", "Old Ministry", "look-up")

    # The unit's card, edited after the officer acknowledges it: its history has no trace.
    query = world.officer.press(card, "✅ Acknowledge")
    await fake.wait_for(lambda: query in fake.callback_answers)
    edited = await fake.wait_for_edit(card.chat_id, card.message_id, lambda m: "Acknowledged by" in m.plain_text)
    assert not [trace for trace in traces if trace in edited.plain_text]
    # The officer's /status NUMBER, and the citizen's.
    world.officer.send(f"/status {number}")
    staff_view = await fake.wait_for_message(world.officer.chat_id, lambda m: "History" in m.plain_text)
    assert "Acknowledged by" in staff_view.plain_text
    assert not [trace for trace in traces if trace in staff_view.plain_text]
    mine = await chat.say(f"/status {number}", expect="History")
    assert not [trace for trace in traces if trace in mine.plain_text]
    # The province chief (no reveal rights) sees the card without look-ups.
    world.chief.send(f"/status {number}")
    await fake.wait_for_message(world.chief.chat_id, lambda m: "History" in m.plain_text)

    # The history got no new row; the audit log has who, with which role, which complaint and why.
    assert [r[0] for r in world.query("SELECT action FROM complaint_events WHERE action = 'revealed'")] == [
        "revealed"
    ]  # only the older version's
    [audit] = world.query("SELECT actor_id, actor_role, detail FROM audit_log WHERE action = 'reveal'")
    detail = json.loads(audit["detail"])
    assert (audit["actor_id"], audit["actor_role"]) == (world.minister.id, "supervisor")
    assert (detail["tracking_no"], detail["reason"]) == (number, REASON)
    # The ministry sees the look-ups in its own /status NUMBER.
    world.minister.send(f"/status {number}")
    await fake.wait_for_message(world.minister.chat_id, lambda m: "History" in m.plain_text)
    listed = await fake.wait_for_message(world.minister.chat_id, lambda m: "Contact look-ups" in m.plain_text)
    assert REASON in listed.plain_text and "Ministry" in listed.plain_text
    await asyncio.sleep(0.5)
    assert not [m for m in fake.bot_messages(world.chief.chat_id) if "Contact look-ups" in m.plain_text]
    for group in (world.groups[POST], world.family):
        assert not [m for m in fake.bot_messages(group.id) if any(t in m.plain_text for t in traces)]


async def test_a_card_press_copied_into_another_group_changes_nothing(world, citizen):
    fake = world.fake
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    cid = complaint_id(world, number)
    # The officer is in both groups: any bot message in the family group can carry the card's data.
    world.family.send(world.officer, "/help")
    elsewhere = await fake.wait_for_message(world.family.id, lambda m: "Commands" in m.plain_text)
    for action in ("ack", "reply", "resolve", "transfer", "reject", "rr:duplicate"):
        answer = await pressed(world, world.officer, elsewhere, f"c:{cid}:{action}")
        assert answer["show_alert"] and "no longer valid" in answer["text"]
    await asyncio.sleep(0.5)
    assert fake.message(elsewhere.chat_id, elsewhere.message_id).edit_count == 0
    assert fake.bot_messages(world.family.id) == [fake.message(elsewhere.chat_id, elsewhere.message_id)]
    assert world.query("SELECT status FROM complaints")[0]["status"] == "submitted"
    assert [r["action"] for r in world.query("SELECT action FROM complaint_events ORDER BY id")] == ["filed", "routed"]
    assert world.query("SELECT COUNT(*) FROM pending_inputs")[0][0] == 0
    # On the card itself the same button works.
    answer = await pressed(world, world.officer, card, f"c:{cid}:ack")
    assert not answer["show_alert"]
    assert world.query("SELECT status FROM complaints")[0]["status"] == "acknowledged"


async def test_a_card_press_outside_its_forum_topic_is_refused(world, citizen):
    fake = world.fake
    forum = fake.group("Siem Reap police", supergroup=True, forum=True, members=[world.admin])
    forum.set_bot_status("administrator", by=world.admin)  # /bind needs the bot to be able to ban users
    topic = forum.create_topic("Post 171002", by=world.admin)
    forum.send(world.admin, f"/bind {OTHER_POST}", topic=topic)
    await fake.wait_for_message(forum.id, lambda m: f"({OTHER_POST})" in m.plain_text)
    world.groups[OTHER_POST] = forum
    officer = await world.invite(OTHER_POST, "officer", "Sokun")
    number = await file_complaint(citizen(language_code="en"), commune=OTHER_POST)
    card = await world.card(OTHER_POST, number)
    assert card.message_thread_id == topic.thread_id
    forum.send(officer, "/help")  # answered outside the unit's topic
    elsewhere = await fake.wait_for_message(forum.id, lambda m: "Commands" in m.plain_text)
    assert elsewhere.message_thread_id != topic.thread_id
    answer = await pressed(world, officer, elsewhere, f"c:{complaint_id(world, number)}:ack")
    assert answer["show_alert"] and "no longer valid" in answer["text"]
    assert world.query("SELECT status FROM complaints")[0]["status"] == "submitted"
    answer = await pressed(world, officer, card, f"c:{complaint_id(world, number)}:ack")
    assert not answer["show_alert"]
    assert world.query("SELECT status FROM complaints")[0]["status"] == "acknowledged"


async def test_escalation_buttons_are_refused_outside_a_level_above(world, citizen):
    fake = world.fake
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    cid = complaint_id(world, number)
    # The administrator may act on anything, so only the place refuses: the post's own group.
    for action in ("take", "remind", "reassign"):
        answer = await pressed(world, world.admin, card, f"e:{cid}:{action}")
        assert answer["show_alert"]  # "Only officers of a level above the unit…" (in Khmer: no level here)
    # 🔎 open in a group bound to no unit.
    world.family.send(world.admin, "/help")
    elsewhere = await fake.wait_for_message(world.family.id, lambda m: "Commands" in m.plain_text)
    answer = await pressed(world, world.admin, elsewhere, f"e:{cid}:open")
    assert answer["show_alert"]
    await asyncio.sleep(0.5)
    row = world.query("SELECT unit_code, status FROM complaints")[0]
    assert (row["unit_code"], row["status"]) == (POST, "submitted")
    assert [r["action"] for r in world.query("SELECT action FROM complaint_events ORDER BY id")] == ["filed", "routed"]
    assert world.query("SELECT COUNT(*) FROM pending_inputs")[0][0] == 0
    assert len(fake.bot_messages(world.family.id)) == 1


async def test_an_overdue_page_pressed_in_a_group_shows_nothing_there(world):
    fake, group = world.fake, world.groups[POST]
    group.send(world.minister, "/overdue")
    pointer = await fake.wait_for_message(group.id, is_pointer)
    answer = await pressed(world, world.minister, pointer, "ov:0")
    assert "Overdue" not in (answer["text"] or "")
    await asyncio.sleep(0.5)
    assert fake.message(pointer.chat_id, pointer.message_id).edit_count == 0
    assert not [m for m in fake.bot_messages(group.id) if "Overdue complaints" in m.plain_text]
