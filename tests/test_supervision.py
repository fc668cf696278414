"""Supervisors see their scope and only their scope: /status, /overdue, /stats, /export, /reveal."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import datetime, timedelta

import pytest

from bot.domain.places import Gazetteer
from bot.domain.units import Level, default_registry
from tests.seeding import Shape, seed
from tests.stations import DISTRICT, POST, PROVINCE, file_complaint, make_world

OTHER_PROVINCE = "02"


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    await w.bind(POST)
    registry = default_registry(Gazetteer.load())
    now = time.time()
    for province, seed_value in ((PROVINCE, 1), (OTHER_PROVINCE, 2)):
        posts = [u.code for u in registry.units.values() if u.level == Level.POST and u.code.startswith(province)]
        # In a thread: the bot shares this event loop and must be free to finish its own writes.
        await asyncio.to_thread(
            seed,
            w.bot.db_path,
            registry,
            Shape(
                400,
                now - 60 * 86400,
                now,
                open_share=0.2,
                overdue_share=0.5,
                citizen_base=8_000_000_000 + seed_value * 10_000,
            ),
            seed_value=seed_value,
            now=now,
            posts=posts,
        )
    w.chief = await w.invite(PROVINCE, "supervisor", "Province chief")
    w.minister = await w.invite("KH", "supervisor", "Ministry")
    w.officer = await w.invite(POST, "officer", "Dara")
    yield w
    await w.bot.stop()
    fake.assert_no_errors()


def count(world, sql: str, params: tuple = ()) -> int:
    return world.query(sql, params)[0][0]


async def test_a_province_supervisor_sees_the_province_and_only_it(world):
    fake, chief = world.fake, world.chief
    chief.send("/status")
    overview = await fake.wait_for_message(chief.chat_id, lambda m: "Status of" in m.plain_text)
    waiting = count(
        world, "SELECT COUNT(*) FROM complaints WHERE unit_province = ? AND status = 'submitted'", (PROVINCE,)
    )
    in_progress = count(
        world, "SELECT COUNT(*) FROM complaints WHERE unit_province = ? AND status = 'acknowledged'", (PROVINCE,)
    )
    assert f"{waiting} waiting to be acknowledged, {in_progress} being handled" in overview.plain_text
    assert "Siemreap" in overview.plain_text
    chief.send(f"/status {OTHER_PROVINCE}")
    await fake.wait_for_message(chief.chat_id, lambda m: "for supervisors only" in m.plain_text)
    chief.send(f"/status {DISTRICT}")
    unit = await fake.wait_for_message(chief.chat_id, lambda m: f"({DISTRICT})" in m.plain_text)
    assert "Open complaints, oldest deadline first" in unit.plain_text


async def test_officers_and_citizens_get_a_polite_refusal(world, citizen):
    fake, officer = world.fake, world.officer
    for command in ("/overdue", "/stats", "/export", "/reveal 482-913-0574 curious"):
        officer.send(command)
        await fake.wait_for_message(officer.chat_id, lambda m: "for supervisors only" in m.plain_text)
    # In a group every staff command only points to the private chat, whoever asks: not even a
    # refusal tells the group who is a supervisor (tests/test_staff_privacy.py covers the rest).
    world.groups[POST].send(officer, "/status")
    pointer = await fake.wait_for_message(world.groups[POST].id, lambda m: "ask me in a private chat" in m.plain_text)
    assert "for supervisors only" not in pointer.plain_text
    chat = citizen(language_code="en")
    await file_complaint(chat)
    await chat.say("/overdue", expect="for supervisors only")


async def test_overdue_list_is_paged_and_in_scope(world):
    fake, chief = world.fake, world.chief
    now = time.time()
    late = count(
        world,
        "SELECT COUNT(*) FROM complaints WHERE unit_province = ? AND ((status = 'submitted' AND "
        "ack_due_at < ?) OR (status = 'acknowledged' AND resolve_due_at < ?))",
        (PROVINCE, now, now),
    )
    assert late > 10
    chief.send("/overdue")
    first = await fake.wait_for_message(chief.chat_id, lambda m: "Overdue complaints" in m.plain_text)
    assert f"(page 1 of {-(-late // 10)})" in first.plain_text and first.plain_text.count("\n🔴") == 10
    query = chief.press(first, "▶️")
    await fake.wait_for(lambda: query in fake.callback_answers)
    await fake.wait_for_edit(chief.chat_id, first.message_id, lambda m: "(page 2 of" in m.plain_text)


async def test_stats_sends_a_chart(world):
    fake, chief = world.fake, world.chief
    chief.send("/stats 30")
    chart = await fake.wait_for_message(chief.chat_id, lambda m: m.media_kind == "photo", timeout=10)
    data = fake.world.files[chart.file_id].data
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
    assert "Last 30 days" in chart.plain_text and "(30 days)" in chart.plain_text
    chief.send("/stats 7")
    week = await fake.wait_for_message(chief.chat_id, lambda m: "Last 7 days" in m.plain_text, timeout=10)
    assert "(7 days)" in week.plain_text  # the medians are the week's, not the month's


async def test_export_is_a_csv_that_opens_with_khmer_and_stays_pseudonymous(world):
    fake, chief = world.fake, world.chief
    chief.send("/language")
    picker = await fake.wait_for_message(chief.chat_id, lambda m: "lang:km" in [d for _, d in m.buttons()])
    chief.press(picker, "lang:km")
    await fake.wait_for_edit(chief.chat_id, picker.message_id)
    chief.send("/export 30")
    document = await fake.wait_for_message(chief.chat_id, lambda m: m.media_kind == "document", timeout=10)
    data = fake.world.files[document.file_id].data
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: spreadsheet programs show Khmer
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    expected = count(
        world,
        "SELECT COUNT(*) FROM complaints WHERE unit_province = ? AND created_at >= ?",
        (PROVINCE, time.time() - 30 * 86400),
    )
    assert len(rows) - 1 == expected
    assert rows[0][0] == "លេខតាមដាន" and "ខេត្ត" not in rows[0][0]
    assert any("សៀមរាប" in cell for cell in rows[1])  # place names in Khmer
    assert "Telegram user id" not in rows[0] and len(rows[0]) == 22  # no identities without reveal rights
    # For analysis: ISO times, stable codes beside the Khmer labels, deadlines and whether they passed.
    for row in rows[1:]:
        filed = datetime.fromisoformat(row[1])
        assert filed.utcoffset() == timedelta(hours=7) and row[9] in (
            "submitted",
            "acknowledged",
            "resolved",
            "rejected",
        )
        assert row[12] in ("0", "1") and (row[12] == "0" or row[9] in ("submitted", "acknowledged"))
        assert row[15].isdigit() and row[19] in ("", "up", "down")
    late = sum(r[12] == "1" for r in rows[1:])
    overdue_now = count(
        world,
        "SELECT COUNT(*) FROM complaints WHERE unit_province = ? AND created_at >= ? AND ((status = 'submitted' "
        "AND ack_due_at < ?) OR (status = 'acknowledged' AND resolve_due_at < ?))",
        (PROVINCE, time.time() - 30 * 86400, time.time(), time.time()),
    )
    assert late == overdue_now > 0
    assert count(world, "SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == 1


async def test_reveal_is_for_the_ministry_in_private_and_logged(world, citizen):
    fake = world.fake
    chat = citizen("Sophea", language_code="en", username="sophea_kh")
    number = await file_complaint(chat, share_phone=True)
    world.chief.send(f"/reveal {number} to call the citizen back")
    await fake.wait_for_message(world.chief.chat_id, lambda m: "for supervisors only" in m.plain_text)
    world.minister.send(f"/reveal {number}")
    await fake.wait_for_message(
        world.minister.chat_id, lambda m: "followed by the tracking number and the reason" in m.plain_text
    )
    world.minister.send(f"/reveal {number} the citizen asked to be called back")
    shown = await fake.wait_for_message(world.minister.chat_id, lambda m: "Contact of the citizen" in m.plain_text)
    assert "Sophea" in shown.plain_text and "sophea_kh" in shown.plain_text and "012 345 678" in shown.plain_text
    assert str(chat.user.id) in shown.plain_text
    row = world.query("SELECT detail FROM audit_log WHERE action = 'reveal'")  # portable: JSON read in Python
    assert json.loads(row[0]["detail"])["reason"] == "the citizen asked to be called back"
