"""Button data: within 64 bytes, nothing the bot did not issue is accepted, and each kind of button is
routed only where it lives (handlers/presses.py)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from tests.stations import POST, make_world
from tests.test_intake_flow import choose_language


def test_round_trip_of_what_the_bot_issues():
    press = callbacks.decode(callbacks.intake(123456789, "page", "commune", "250314", 12))
    assert press == callbacks.Press("intake", "page", ("commune", "250314", "12"), 123456789)
    assert callbacks.decode("lang:km") == callbacks.Press("lang", "km")
    assert callbacks.decode("sc:4829130574") == callbacks.Press("show", "4829130574")


@pytest.mark.parametrize(
    "forged",
    ["", "lang:fr", "n:1:drop_tables", "n:x:cat:drugs", "m:admin", "sc:123", "n:1:cat:" + "a" * 60, "n:1:cat:DRUGS"],
)
def test_forged_data_is_rejected(forged):
    assert callbacks.decode(forged) is None


def test_encode_refuses_more_than_64_bytes_or_non_ascii():
    with pytest.raises(ValueError):
        callbacks.encode("n", 1, "cat", "x" * 64)
    with pytest.raises(ValueError):
        callbacks.encode("n", 1, "cat", "គ")


@given(st.text(max_size=80))
def test_decode_never_raises(data):
    callbacks.decode(data)


# One sample of what the bot issues, per kind.
ISSUED = {
    "lang": "lang:km",
    "menu": "m:mine",
    "intake": callbacks.intake(12, "page", "commune", "1710", 2),
    "mine": "mc:3",
    "show": "sc:4829130574",
    "card": "c:12:reject:not_police",
    "answer": "ra:12",
    "feedback": "fb:12:down",
    "group_lang": "gl:en",
    "overdue": "ov:1",
    "escalation": "e:12:take",
    "revoke": "o:7:revoke",
    "forget": "fg:yes",
    "invite_cancel": "iv:3:cancel",
}


def test_each_kind_routes_exactly_its_own_presses():
    assert sorted(ISSUED) == sorted(callbacks.KINDS)
    for kind, data in ISSUED.items():
        assert callbacks.decode(data).kind == kind
        # python-telegram-bot matches from the start only: the routes' patterns must end where the data does.
        assert [k for k in callbacks.KINDS if callbacks.pattern(k).match(data)] == [kind]
        assert [k for k in callbacks.KINDS if callbacks.pattern(k).match(data + "!")] == []
        assert [k for k in callbacks.KINDS if callbacks.pattern(k).match(data + "\n")] == []


@pytest.mark.parametrize("forged", ["c:៤:ack", "sc:៤៨២៩១៣០៥៧៤", "mc:១", "n:១:cat:drugs", "ov:٣", "fb:12:up\n"])
def test_digits_other_than_ascii_and_trailing_lines_are_forged(forged):
    assert callbacks.decode(forged) is None
    assert not any(callbacks.pattern(kind).match(forged) for kind in callbacks.KINDS)


async def test_a_page_pressed_with_khmer_digits_is_refused(bot, fake, citizen):
    """A modified client sends "mc:១": int() reads Khmer digits, so it was taken as page 1."""
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    query = chat.user.press_raw(menu, "mc:១")
    await fake.wait_for(lambda: query in fake.callback_answers)
    assert chat.answer_of(query) == "This button is no longer valid."
    await asyncio.sleep(0.3)
    assert chat.current(menu).plain_text == menu.plain_text


async def test_buttons_out_of_their_place_or_of_no_kind_change_nothing(fake, tmp_path):
    world = await make_world(fake, tmp_path)
    try:
        group = await world.bind(POST)
        in_group = fake.bot_messages(group.id)[-1]
        world.admin.send("/help")
        in_private = await fake.next_bot_message(world.admin.chat_id)
        presses = [(in_group, data) for data in ("lang:en", "m:new", "mc:0", "sc:4829130574", "fg:yes", "ov:0")]
        presses += [(in_private, data) for data in ("gl:km", "c:1:ack", "e:1:take")]
        presses += [(message, data) for message in (in_group, in_private) for data in ("zz:1", "lang:km:x", "m:")]
        sent_before = {chat: len(fake.bot_messages(chat)) for chat in (group.id, world.admin.chat_id)}
        edits_before = [fake.message(m.chat_id, m.message_id).edit_count for m in (in_group, in_private)]
        for message, data in presses:
            query = world.admin.press_raw(message, data)
            await fake.wait_for(lambda q=query: q in fake.callback_answers)
            assert fake.callback_answers[query]["text"] == "This button is no longer valid.", data
        await asyncio.sleep(0.3)
        assert {chat: len(fake.bot_messages(chat)) for chat in sent_before} == sent_before
        assert [fake.message(m.chat_id, m.message_id).edit_count for m in (in_group, in_private)] == edits_before
        assert world.query("SELECT lang FROM units WHERE code = ?", (POST,))[0]["lang"] == "en"
        assert world.query("SELECT COUNT(*) FROM drafts")[0][0] == 0
    finally:
        await world.bot.stop()
    fake.assert_no_errors()
    assert fake.unanswered_callbacks() == []
