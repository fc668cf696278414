"""`python run_bot.py sandbox`: the fake Telegram, the unmodified bot and the web page's API.

The browser journey is in tests/browser/; these tests check the parts under it over plain HTTP:
the demo set up through the bot, acting as each persona, what the page receives, a restart that
keeps the chats, and Ctrl-C leaving nothing running.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from sandbox.web.render import entities_to_html
from tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def wait_for_message(sandbox: SandboxProcess, chat_id: int, contains: str, timeout: float = 15) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        messages = (await sandbox.get(f"/api/chats/{chat_id}"))["messages"]
        found = [m for m in messages if contains in m["html"]]
        if found:
            return found[-1]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no message with {contains!r} in {chat_id}: {[m['html'][:60] for m in messages]}")
        await asyncio.sleep(0.2)


def chat_of(state: dict, *, unit: str | None = None, persona: str | None = None) -> dict:
    if unit is not None:
        return next(c for c in state["chats"] if c.get("unit") == unit)
    return next(c for c in state["chats"] if c["kind"] == "private" and c["default_persona"] == persona)


async def test_the_sandbox_sets_up_the_demo_through_the_bot_and_stops_cleanly(tmp_path):
    sandbox = SandboxProcess(tmp_path / "sandbox")
    await sandbox.start()
    bots = children(sandbox.process.pid)
    assert len(bots) == 1  # the bot, a process of its own
    try:
        printed = "".join(sandbox.output)
        assert sandbox.url in printed and "Citizen: Sokha" in printed and "supervisor Vanna" in printed
        state = await sandbox.get("/api/state")
        assert [c.get("unit") for c in state["chats"] if c["kind"] == "group"] == ["171001", "1710", "17", "KH"]
        for code in ("171001", "1710", "17", "KH"):  # each group was bound by the bot
            await wait_for_message(sandbox, chat_of(state, unit=code)["id"], f"({code})")
        citizen = chat_of(state, persona="citizen")["id"]
        refused = await sandbox.post("/api/send", {"chat_id": citizen, "persona": "officer", "text": "hi"})
        assert refused["ok"] is False  # nobody acts in a chat they are not in
        sent = await sandbox.post("/api/send", {"chat_id": citizen, "persona": "citizen", "text": "/start"})
        assert sent["ok"] and sent["message"]["html"] == '<span class="command">/start</span>'
        welcome = await wait_for_message(sandbox, citizen, "Please choose a language")
        assert [b["data"] for b in welcome["buttons"][0]] == ["lang:km", "lang:en"]
        await sandbox.post(
            "/api/press",
            {"chat_id": citizen, "persona": "citizen", "message_id": welcome["message_id"], "data": "lang:en"},
        )
        await wait_for_message(sandbox, citizen, "What would you like to do?")
        # A citizen's markup is shown as text, never as HTML.
        await sandbox.post("/api/send", {"chat_id": citizen, "persona": "citizen", "text": "<b>hi</b> & <script>"})
        typed = await wait_for_message(sandbox, citizen, "&lt;script&gt;")
        assert typed["html"] == "&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;"
        supervisor = chat_of(state, persona="supervisor")["id"]
        await sandbox.post("/api/send", {"chat_id": supervisor, "persona": "supervisor", "text": "/status"})
        await wait_for_message(sandbox, supervisor, "(17)")
        assert (await sandbox.get("/font/khmer.ttf"))[:4] == b"\x00\x01\x00\x00"  # a TrueType font
        strings = await sandbox.get("/api/i18n/km")
        assert strings and all(isinstance(v, str) and v for v in strings.values())
    finally:
        assert await sandbox.stop() == 0
    assert "Sandbox stopped." in "".join(sandbox.output)
    assert not process_alive(bots[0])  # Ctrl-C stopped the bot too

    # Started again without --reset: the same chats, and the bot continues where it was.
    again = SandboxProcess(tmp_path / "sandbox", reset=False)
    await again.start()
    try:
        assert "Setting up the demo" not in "".join(again.output)
        await wait_for_message(again, citizen, "What would you like to do?")
        await again.post("/api/send", {"chat_id": citizen, "persona": "citizen", "text": "/help"})
        await wait_for_message(again, citizen, "117")
    finally:
        assert await again.stop() == 0


def test_entities_become_escaped_html():
    assert entities_to_html("a <b> & c", []) == "a &lt;b&gt; &amp; c"
    assert entities_to_html("😀 bold", [{"type": "bold", "offset": 3, "length": 4}]) == "😀 <b>bold</b>"
    nested = [{"type": "bold", "offset": 0, "length": 6}, {"type": "italic", "offset": 2, "length": 2}]
    assert entities_to_html("abcdef", nested) == "<b>ab<i>cd</i>ef</b>"
    overlapping = [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 2, "length": 4}]
    assert entities_to_html("abcdef", overlapping) == "<b>ab<i>cd</i></b><i>ef</i>"
    link = [{"type": "text_link", "offset": 0, "length": 4, "url": 'https://x.org/?a="1"'}]
    assert entities_to_html("here", link) == (
        '<a href="https://x.org/?a=&quot;1&quot;" target="_blank" rel="noopener noreferrer">here</a>'
    )
    unsafe = [{"type": "text_link", "offset": 0, "length": 4, "url": "javascript:alert(1)"}]
    assert entities_to_html("evil", unsafe) == "evil"
    khmer = "ពាក្យបណ្តឹង"
    assert entities_to_html(khmer, [{"type": "bold", "offset": 0, "length": len(khmer)}]) == f"<b>{khmer}</b>"


def test_service_messages_go_to_the_page_as_an_event_it_words_itself():
    from sandbox.fake_telegram import FakeTelegram
    from sandbox.web.render import message_json
    from sandbox.web.strings import PAGE_STRINGS

    fake = FakeTelegram()
    admin, dara = fake.user("Admin"), fake.user("Dara")
    group = fake.group("Post", supergroup=True, members=[admin])
    joined = group.add_member(dara, by=admin)
    shown = message_json(fake.world, joined)
    assert shown["service"] == {"event": "joined", "name": "Dara"}
    assert f"service_{shown['service']['event']}" in PAGE_STRINGS


async def upload_voice(sandbox: SandboxProcess, chat_id: int, data: bytes, duration: str) -> dict:
    """POST /api/upload as the page sends a voice note (multipart, `as=voice`)."""
    import aiohttp

    form = aiohttp.FormData()
    for name, value in {"chat_id": str(chat_id), "persona": "citizen", "as": "voice", "duration": duration}.items():
        form.add_field(name, value)
    form.add_field("file", data, filename="voice.ogg", content_type="audio/ogg")
    async with aiohttp.ClientSession() as session, session.post(sandbox.url + "/api/upload", data=form) as response:
        return await response.json()


async def test_the_page_calls_units_what_the_bot_calls_them_and_sends_what_telegram_would(tmp_path):
    from bot.domain.places import Gazetteer
    from bot.domain.units import default_registry

    units = default_registry(Gazetteer.load()).units
    sandbox = SandboxProcess(tmp_path / "sandbox")
    await sandbox.start()
    try:
        state = await sandbox.get("/api/state")
        # A private chat shows the bot's name, as the person's Telegram does; the subtitle says whose it is.
        citizen_chat = chat_of(state, persona="citizen")
        assert citizen_chat["title"] == state["bot"]["name"] and "Sokha Chan" in citizen_chat["subtitle"]
        assert chat_of(state, persona="supervisor")["title"] == state["bot"]["name"]
        # One name per unit: the group's title, the page's demo notes, the start-up text and the bot's own words.
        printed = "".join(sandbox.output)
        for code in ("171001", "1710", "17", "KH"):
            unit, chat = units[code], chat_of(state, unit=code)
            assert chat["title"] == f"{unit.name_km} · {unit.name_en}"
            assert f"{unit.name_en} ({code})" in printed
            bound = await wait_for_message(sandbox, chat["id"], f"({code})")
            assert unit.name_km in bound["html"]  # the bot confirmed /bind in Khmer, with the same name
        km_demo = (await sandbox.get("/api/state"))["demo"]  # the page's default language is Khmer
        assert any(f"{units['171001'].name_km} (171001)" in line for line in km_demo)
        assert (await sandbox.get("/font/emoji.ttf"))[:4] == b"\x00\x01\x00\x00"  # Noto Emoji, a TrueType font

        citizen = citizen_chat["id"]
        await sandbox.post("/api/send", {"chat_id": citizen, "persona": "citizen", "text": "/start"})
        # Like Telegram's server, one message holds at most 4,096 UTF-16 units (the page splits first).
        too_long = await sandbox.post("/api/send", {"chat_id": citizen, "persona": "citizen", "text": "😀" * 2049})
        assert too_long["ok"] is False and "4096" in too_long["error"]
        longest = await sandbox.post("/api/send", {"chat_id": citizen, "persona": "citizen", "text": "a" * 4096})
        assert longest["ok"] is True, longest

        # A voice note goes as Telegram's voice message with its length, not as a file.
        voice = await upload_voice(sandbox, citizen, b"OggS\x00\x02" + bytes(200), "4")
        assert voice["ok"], voice
        media = voice["message"]["media"]
        assert (media["kind"], media["duration"], media["mime_type"]) == ("voice", 4, "audio/ogg")
        assert (await sandbox.get(media["url"]))[:4] == b"OggS"
        not_sound = await upload_voice(sandbox, citizen, b"%PDF-1.4 not a recording", "4")
        assert not_sound["ok"] is False
    finally:
        assert await sandbox.stop() == 0
