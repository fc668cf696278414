"""The sandbox in a real headless Chromium: a new user's whole journey, and Khmer in the bundled font.

Needs Debian's `chromium` (`.ci/run` installs it). Without it these tests are skipped, unless
REQUIRE_BROWSER=1 (as in CI), where a missing browser fails them. Screenshots of each step are
saved under build/screenshots/ (the path is printed) for a person to look at.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from bot.domain import tracking
from tests.sandbox_process import ROOT, SandboxProcess

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.async_api")

SHOTS = ROOT / "build" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Nothing outside this machine is reachable: don't let Chromium try.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A fake microphone (a tone), allowed without asking: the citizen records a voice note.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
# Time for the officer to acknowledge in the browser; then a short resolution deadline to watch.
JOURNEY_DEADLINES = {"ACK_DEADLINE": "120s", "RESOLVE_DEADLINE": "8s", "ESCALATION_STEP": "8s", "SWEEP_INTERVAL": "1s"}
STEP = 20_000  # ms a step may take in the page


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail("REQUIRE_BROWSER is set but Chromium is not installed (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium); set REQUIRE_BROWSER=1 to fail instead")


@pytest.fixture
async def browser():
    executable = chromium()
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


async def open_page(browser, sandbox: SandboxProcess, lang: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    await context.grant_permissions(["microphone"], origin=sandbox.url)
    await context.add_init_script(f"localStorage.setItem('sandbox.lang', '{lang}');")
    page = await context.new_page()
    page.set_default_timeout(STEP)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(sandbox.url)
    await dismiss_demo(page)
    return page, errors


async def dismiss_demo(page) -> None:
    close = page.get_by_test_id("demo-close")
    await close.wait_for()
    await close.click()


async def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


def last_message(page):
    return page.get_by_test_id("message").last


async def press_inline(page, text: str) -> None:
    """The inline button with this text on the newest message that has it."""
    await page.get_by_test_id("button").filter(has_text=text).last.click()


async def press_callback(page, suffix: str) -> None:
    await page.locator(f'[data-testid="button"][data-callback$="{suffix}"]').last.click()


async def say(page, text: str) -> None:
    composer = page.get_by_test_id("composer")
    await composer.fill(text)
    await page.get_by_test_id("send").click()


async def expect_message(page, pattern: str) -> None:
    await page.get_by_test_id("message").filter(has_text=re.compile(pattern)).last.wait_for()


async def open_chat(page, chat_id: int) -> None:
    await page.get_by_test_id(f"chat-{chat_id}").click()


async def test_a_new_user_walks_through_every_role_in_the_browser(browser, tmp_path):
    sandbox = SandboxProcess(tmp_path / "sandbox", **JOURNEY_DEADLINES)
    await sandbox.start()
    try:
        state = await sandbox.get("/api/state")
        chats = {c.get("unit") or c["default_persona"]: c["id"] for c in state["chats"]}
        page, errors = await open_page(browser, sandbox, "en")

        # The citizen files a complaint, in English, with a photo.
        await open_chat(page, chats["citizen"])
        await page.get_by_test_id("start").click()
        await press_inline(page, "English")
        await press_inline(page, "File a complaint")
        await press_inline(page, "Drugs")
        for place in ("Siemreap", "Siem Reab", "Sla Kram"):
            await page.get_by_test_id("button").filter(has_text=re.compile(f"^{place}")).first.click()
            await page.wait_for_timeout(400)  # the picker is edited in place
        await expect_message(page, "What happened")
        # The account is a voice note, recorded with the (fake) microphone: 🎤, speak, ➤.
        await page.get_by_test_id("record").click()
        await page.get_by_test_id("recording").wait_for()
        await page.wait_for_timeout(2_200)
        await page.get_by_test_id("record").click()
        await expect_message(page, "Saved your voice message")
        assert await last_message(page).locator("audio").count() == 0  # the bot's answer; the note is above it
        assert await page.get_by_test_id("message").filter(has=page.locator("audio")).count() == 1
        await page.get_by_test_id("reply-button").filter(has_text="Done").click()
        await expect_message(page, "photos, videos")
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(picture, "PNG")
        await page.get_by_test_id("attach").set_input_files(
            files=[{"name": "evidence.png", "mimeType": "image/png", "buffer": picture.getvalue()}]
        )
        await expect_message(page, "Saved: ")
        await page.get_by_test_id("reply-button").filter(has_text="Done").click()
        await page.get_by_test_id("reply-button").filter(has_text="Stay anonymous").click()
        await expect_message(page, "voice, 0:0")  # the review tells what happened: 🎤 voice, 0:02
        await shot(page, "1-citizen-review-with-voice")
        await press_inline(page, "Submit")
        await expect_message(page, "Your complaint has been filed")
        receipt = await last_message(page).inner_text()
        number = tracking.parse(receipt.split("Tracking number:")[1].split()[0])[0]
        await shot(page, "1-citizen-filed")

        # The post's officer acknowledges it and asks a question (the group's cards are in Khmer).
        await open_chat(page, chats["171001"])
        await expect_message(page, re.escape(tracking.display(number, "km")))
        await page.get_by_test_id("message").filter(has=page.locator("img")).last.wait_for()  # the evidence
        await page.get_by_test_id("message").filter(has=page.locator("audio")).last.wait_for()  # the account, to play
        await press_callback(page, ":ack")
        await expect_message(page, "Dara")  # the card names who acknowledged
        await press_callback(page, ":reply")
        await page.get_by_test_id("reply-cancel").wait_for()  # the bot's force-reply prompt set "replying to"
        await say(page, "We are on our way. Which side of the market?")
        await shot(page, "2-officer-acknowledged-and-asked")

        # The citizen sees the question and answers it by replying to it.
        await open_chat(page, chats["citizen"])
        question = page.get_by_test_id("message").filter(has_text="Which side of the market?").last
        await question.wait_for()
        await question.hover()
        await question.get_by_test_id("reply").click()
        await say(page, "The north side, near the pharmacy.")
        await shot(page, "3-citizen-answered")
        await open_chat(page, chats["171001"])
        await expect_message(page, "The north side, near the pharmacy.")

        # Left alone past the resolution deadline, it goes up: the district gets the escalation card.
        await open_chat(page, chats["1710"])
        await (
            page.get_by_test_id("message")
            .filter(has_text=tracking.display(number, "km"))
            .filter(has=page.get_by_test_id("button"))
            .last.wait_for(timeout=60_000)
        )
        await shot(page, "4-district-escalation")
        await open_chat(page, chats["KH"])
        await expect_message(page, re.escape(tracking.display(number, "km")))

        # The province's supervisor asks for the status of the province.
        await open_chat(page, chats["supervisor"])
        await say(page, "/status")
        await expect_message(page, r"\(17\)|\(១៧\)")
        await shot(page, "5-supervisor-status")
        # /stats sends a chart, shown inline; /export a CSV that downloads and keeps its Khmer.
        await say(page, "/stats 7")
        await page.get_by_test_id("message").filter(has=page.locator("img")).last.wait_for()
        await say(page, "/export 7")
        link = page.get_by_test_id("download").last
        await link.wait_for()
        async with page.expect_download() as downloading:
            await link.click()
        download = await downloading.value
        exported = Path(await download.path()).read_bytes()
        assert exported.startswith("\ufeff".encode()) and tracking.display(number, "en").encode() in exported
        assert "សង្កាត់".encode() in exported or "ស្លក្រាម".encode() in exported
        await shot(page, "6-supervisor-stats-and-export")
        assert errors == [], errors
    finally:
        assert await sandbox.stop() == 0
    print(f"screenshots in {SHOTS}")


async def test_khmer_is_drawn_with_the_bundled_font(browser, tmp_path):
    sandbox = SandboxProcess(tmp_path / "sandbox")
    await sandbox.start()
    try:
        state = await sandbox.get("/api/state")
        post = next(c["id"] for c in state["chats"] if c.get("unit") == "171001")
        page, errors = await open_page(browser, sandbox, "km")
        assert await page.evaluate("document.documentElement.lang") == "km"
        await open_chat(page, post)
        await expect_message(page, "ក្រុម")  # the bot's Khmer confirmation of /bind
        assert "អង្គភាព 171001" in await page.get_by_test_id(f"chat-{post}").inner_text()  # the page's words too
        await page.evaluate("document.fonts.ready")
        loaded = await page.evaluate(
            "[...document.fonts].filter(f => f.family.replace(/\"/g, '') === 'Noto Sans Khmer').map(f => f.status)"
        )
        assert "loaded" in loaded  # the page's own copy, from /font/khmer.ttf: nothing comes from outside
        assert await page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'សួស្តី')")
        family = await last_message(page).evaluate("e => getComputedStyle(e).fontFamily")
        assert family.replace('"', "").startswith("Noto Sans Khmer")
        # Drawn with it: Khmer text is as wide as in Noto Sans Khmer, not as in a fallback font.
        widths = await page.evaluate(
            """() => {
                const c = document.createElement('canvas').getContext('2d');
                const text = 'ប៉ុស្តិ៍នគរបាលរដ្ឋបាលសង្កាត់';
                c.font = '24px "Noto Sans Khmer"'; const bundled = c.measureText(text).width;
                c.font = '24px monospace'; const fallback = c.measureText(text).width;
                return [bundled, fallback];
            }"""
        )
        assert widths[0] > 0 and abs(widths[0] - widths[1]) > 1
        await shot(page, "khmer-page")
        assert errors == [], errors
    finally:
        assert await sandbox.stop() == 0


def wav_tone(seconds: float = 1.5, rate: int = 8000) -> bytes:
    """A short sound file, as a citizen might choose one instead of recording."""
    import math
    import struct
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        frames = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate)))
        sound.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return out.getvalue()


async def test_the_page_behaves_as_a_telegram_app(browser, tmp_path):
    sandbox = SandboxProcess(tmp_path / "sandbox")
    await sandbox.start()
    try:
        state = await sandbox.get("/api/state")
        citizen = next(c["id"] for c in state["chats"] if c["default_persona"] == "citizen" and c["kind"] == "private")
        page, errors = await open_page(browser, sandbox, "en")
        await open_chat(page, citizen)
        # The citizen's chat is with the bot: its header shows the bot, not the citizen.
        assert await page.locator("#chat-title").inner_text() == state["bot"]["name"]
        assert "Sokha" not in await page.locator(".chat-head .chat-heading").inner_text()
        await page.get_by_test_id("start").click()
        await press_inline(page, "English")
        await expect_message(page, "What would you like to do?")

        # Emoji are drawn with the bundled Noto Emoji (this machine has no emoji font), not as empty squares.
        await page.evaluate("document.fonts.ready")
        emoji_faces = await page.evaluate(
            "[...document.fonts].filter(f => f.family.replace(/\"/g, '') === 'Sandbox Noto Emoji').map(f => f.status)"
        )
        assert "loaded" in emoji_faces
        drawn = await page.evaluate(
            """() => {
                const ink = (text) => {
                    const canvas = document.createElement('canvas'); canvas.width = canvas.height = 64;
                    const c = canvas.getContext('2d'); c.font = '48px "Sandbox Noto Emoji"'; c.fillText(text, 4, 52);
                    return Array.from(c.getImageData(0, 0, 64, 64).data).join();
                };
                return [ink('🎤'), ink('📱'), ink('\ue000')];
            }"""
        )
        assert drawn[0] != drawn[2] and drawn[1] != drawn[2] and drawn[0] != drawn[1]  # real glyphs, not .notdef

        # A text longer than 4,096 goes out as several messages, cut where a sentence ends.
        sentence = "ប៉ូលិសមិនបានមកទេ ទោះបីយើងបានហៅច្រើនដងក៏ដោយ។ "
        account = (sentence * 120).strip()
        before = len((await sandbox.get(f"/api/chats/{citizen}"))["messages"])
        await page.get_by_test_id("composer").fill(account)
        await page.get_by_test_id("send").click()
        await page.get_by_test_id("message").filter(has_text="ដោយ។").nth(1).wait_for()
        sent = [m for m in (await sandbox.get(f"/api/chats/{citizen}"))["messages"][before:] if not m["from"]["is_bot"]]
        texts = [m["html"] for m in sent]
        assert len(texts) == 2 and all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
        assert texts[0].endswith("។") and " ".join(texts) == account  # nothing lost, cut between sentences
        await shot(page, "7-long-text-split")

        # A toast takes its own line: every message stays visible above it.
        await page.evaluate("showToast('Toast text for the test')")
        toast = await page.get_by_test_id("toast").filter(has_text="Toast text").bounding_box()
        scroller = await page.locator("#messages").bounding_box()
        assert toast["y"] >= scroller["y"] + scroller["height"] - 1
        newest = await last_message(page).bounding_box()
        assert newest["y"] + newest["height"] <= toast["y"] + 1

        # A voice note chosen as a sound file goes as a voice message, with its length.
        await page.get_by_test_id("voice-file").set_input_files(
            files=[{"name": "account.wav", "mimeType": "audio/wav", "buffer": wav_tone()}]
        )
        voice = page.get_by_test_id("message").filter(has=page.locator("audio")).last
        await voice.wait_for()
        assert "0:02" in await voice.inner_text() or "0:01" in await voice.inner_text()
        shown = (await sandbox.get(f"/api/chats/{citizen}"))["messages"]
        assert [m["media"]["kind"] for m in shown if m["media"]][-1] == "voice"
        assert errors == [], errors
    finally:
        assert await sandbox.stop() == 0
