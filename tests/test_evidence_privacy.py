"""Evidence never carries the citizen's identity to the police post (issue 8, item 5).

Files sent "as a document" reach the bot byte for byte: EXIF GPS, the phone's serial number, the
author, the original file name and caption. Through the fake Telegram server: such files reach
the post's group re-encoded or renamed, under the bot's own captions; what cannot be cleaned is
refused at intake or held back with a note. Then the pure cleaning module on its own.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from bot.domain import evidence_files, intake, tracking
from bot.domain.evidence_files import CleanFile, Withheld
from bot.domain.intake import Draft, Evidence, IntakeError, Step
from bot.i18n import Catalogs
from bot.views import evidence as evidence_views
from tests.conftest import Conversation
from tests.stations import POST
from tests.test_intake_flow import choose_language, has_button, is_description_prompt

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description photoshop:City="Siem Reap"/></x:xmpmeta>'
HOSTILE_CAPTION = '<b>my house</b> & <a href="https://evil.example/track">map</a>'


def exif_jpeg(width: int = 64, height: int = 32, orientation: int = 6) -> bytes:
    """A phone's picture: GPS position, owner, serial number, an orientation, XMP and a comment."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x013B] = "Sokha Chan"  # Artist
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-998877"  # BodySerialNumber
    exif.get_ifd(0x8825).update({1: "N", 2: (13.0, 21.0, 36.0), 3: "E", 4: (103.0, 51.0, 36.0)})  # GPS
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    picture.paste((20, 20, 220), (0, 0, width // 4, height))  # a blue band on the left, to see the rotation
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, xmp=XMP, comment=b"Sokha Chan's phone")
    return out.getvalue()


@pytest.fixture
def world(post_world):
    return post_world


async def at_evidence_step(chat: Conversation):
    """Through the intake to the evidence step, the place chosen by buttons (the post's commune)."""
    fake = chat.fake
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await fake.wait_for_message(chat.chat_id, has_button(":cat:theft"))
    await chat.press(categories, next(d for _, d in categories.buttons() if d.endswith(":cat:theft")))
    picker = await chat.edited(categories, has_button(":place:17"))  # the category question becomes the picker
    for code in (POST[:2], POST[:4], POST):
        current = fake.message(chat.chat_id, picker.message_id)
        await chat.press(current, next(d for _, d in current.buttons() if d.endswith(f":place:{code}")))
        if code != POST:
            await fake.wait_for_edit(chat.chat_id, picker.message_id)
    await fake.wait_for_message(chat.chat_id, is_description_prompt)
    await chat.say("My motorbike was stolen in front of the market.", expect="Saved")
    return await chat.say("✅ Done", expect="Evidence")


async def submit(chat: Conversation) -> str:
    await chat.say("✅ Done", expect="reach you")
    await chat.say("🙈 Stay anonymous", expect="anonymous")
    review = await chat.reply("Please check your complaint")
    await chat.press(review, next(d for _, d in review.buttons() if d.endswith(":submit")))
    receipt = await chat.reply("Your complaint has been filed")
    return tracking.parse(receipt.plain_text.split("Tracking number: ")[1].split()[0])[0]


async def evidence_under_card(world, number: str, count: int):
    fake, group = world.fake, world.groups[POST]
    card = await world.card(POST, number)
    await fake.wait_for(lambda: len([m for m in fake.bot_messages(group.id) if m.media_kind]) >= count)
    items = [m for m in fake.bot_messages(group.id) if m.media_kind]
    assert all(m.reply_to_message_id == card.message_id and m.forward_origin is None for m in items)
    return items


async def test_documents_reach_the_post_cleaned_and_renamed_under_the_bots_captions(world, citizen):
    fake = world.fake
    chat = citizen(language_code="en")
    prompt = await at_evidence_step(chat)
    assert "can hide your name and where you are" in prompt.plain_text
    assert "sending pictures as photos is safest" in prompt.plain_text
    original = exif_jpeg()
    chat.user.send_document(original, HOSTILE_CAPTION, file_name="Sokha_Chan_home.jpg", mime_type="image/jpeg")
    await chat.reply("Saved")
    statement = b"%PDF-1.4\n% Author: Sokha Chan\n"
    chat.user.send_document(statement, file_name="Sokha_Chan_statement.pdf", mime_type="application/pdf")
    await chat.reply("Saved")
    chat.user.send_photo(caption="the <i>house</i>")
    await chat.reply("Saved")
    number = await submit(chat)

    picture, pdf, photo = await evidence_under_card(world, number, 3)
    shown = tracking.display(number, "en")
    # The picture: re-encoded from its pixels, upright, nothing else left.
    assert picture.media_kind == "document" and picture.media["file_name"] == "evidence-1.jpg"
    data = fake.world.files[picture.file_id].data
    assert data != original
    cleaned = Image.open(io.BytesIO(data))
    assert cleaned.format == "JPEG" and cleaned.size == (32, 64)  # orientation 6 applied
    assert cleaned.getpixel((16, 4))[2] > 150 and cleaned.getpixel((16, 60))[0] > 150  # the blue band is on top
    assert not cleaned.getexif() and "xmp" not in cleaned.info and "comment" not in cleaned.info
    for trace in (b"Exif", b"Sokha", b"SERIAL", b"PhoneMaker", b"xmpmeta", b"Siem Reap"):
        assert trace not in data
    # The PDF: its bytes (nothing to re-encode), under a neutral name.
    assert pdf.media_kind == "document" and pdf.media["file_name"] == "evidence-2.pdf"
    assert fake.world.files[pdf.file_id].data == statement
    # Captions: the bot's, the citizen's words shown as text, never as markup or a link.
    assert picture.caption == f"📎 1/3 · complaint {shown}\nCitizen's caption: {HOSTILE_CAPTION}"
    assert picture.caption_entities == []
    assert pdf.caption == f"📎 2/3 · complaint {shown}"
    assert (
        photo.media_kind == "photo"
        and photo.caption == f"📎 3/3 · complaint {shown}\nCitizen's caption: the <i>house</i>"
    )
    assert photo.caption_entities == []
    # Nothing the citizen's phone named the files reaches the group.
    assert not any("Sokha" in str(m.media) + m.plain_text for m in fake.messages(world.groups[POST].id))


async def test_a_picture_that_cannot_be_cleaned_is_held_back_with_a_note(world, citizen):
    fake = world.fake
    chat = citizen(language_code="en")
    await at_evidence_step(chat)
    broken = exif_jpeg()[:300]  # cut off inside its EXIF: still the start of the GPS data
    chat.user.send_document(broken, file_name="IMG_0001.jpg", mime_type="image/jpeg")
    await chat.reply("Saved")
    number = await submit(chat)
    (note,) = await evidence_under_card(world, number, 1)
    assert note.media["file_name"] == "evidence-1-withheld.txt"
    assert "This file was held back" in note.caption and "send it again as a photo" in note.caption
    assert note.caption.startswith(f"📎 1/1 · complaint {tracking.display(number, 'en')}")
    assert b"held back" in fake.world.files[note.file_id].data
    assert broken[:100] not in fake.world.files[note.file_id].data


async def test_documents_that_could_never_be_cleaned_are_refused_at_intake(world, citizen):
    chat = citizen(language_code="en")
    await at_evidence_step(chat)
    huge = b"%PDF-1.4\n" + bytes(20 * 1024 * 1024)  # Telegram lets bots download at most 20 MB
    chat.user.send_document(huge, file_name="scan.pdf", mime_type="application/pdf")
    refusal = await chat.reply("too big")
    assert "send it as a photo or a video instead" in refusal.plain_text
    chat.user.send_document(b"\x00\x00\x00\x18ftypheic" + bytes(64), file_name="IMG_4410.HEIC", mime_type="image/heic")
    refusal = await chat.reply("hidden data")
    assert "send it as a photo instead" in refusal.plain_text
    draft = world.query("SELECT data FROM drafts")[0]["data"]
    assert Draft.from_json(draft).evidence == ()


async def test_a_long_caption_is_shortened_to_fit_telegrams_limit(world, citizen):
    chat = citizen(language_code="en")
    await at_evidence_step(chat)
    chat.user.send_photo(caption="😀" * 300 + "\u202e" * 200 + "x" * 300)  # 1,100 UTF-16 units, 200 bidi overrides
    await chat.reply("Saved")
    number = await submit(chat)
    (photo,) = await evidence_under_card(world, number, 1)  # the fake refuses captions over 1,024
    caption = photo.caption
    assert caption.startswith("📎 1/1") and "…" in caption and len(caption.encode("utf-16-le")) // 2 <= 1024
    overrides = caption.count("\u202e")
    assert overrides > 0 and caption.endswith("…" + "\u202c" * overrides)  # each one closed


# --- the pure module ------------------------------------------------------------------------------


def test_png_text_chunks_and_exif_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Sokha Chan")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_text("Comment", "taken at home", zip=True)
    exif = Image.Exif()
    exif[0x013B] = "Sokha Chan"
    out = io.BytesIO()
    Image.new("RGBA", (10, 6), (1, 2, 3, 128)).save(out, "PNG", pnginfo=info, exif=exif)
    result = evidence_files.clean(out.getvalue(), 4, "pdf")
    assert isinstance(result, CleanFile) and result.name == "evidence-4.png" and result.reencoded
    cleaned = Image.open(io.BytesIO(result.data))
    assert cleaned.size == (10, 6) and cleaned.mode == "RGBA" and cleaned.getpixel((0, 0)) == (1, 2, 3, 128)
    assert cleaned.info == {} and not cleaned.getexif()
    assert b"Sokha" not in result.data and b"tEXt" not in result.data and b"iTXt" not in result.data


@pytest.mark.parametrize(("orientation", "size"), [(1, (40, 20)), (3, (40, 20)), (6, (20, 40)), (8, (20, 40))])
def test_orientation_is_applied_before_the_exif_goes(orientation, size):
    result = evidence_files.clean(exif_jpeg(40, 20, orientation), 1)
    assert isinstance(result, CleanFile)
    cleaned = Image.open(io.BytesIO(result.data))
    assert cleaned.size == size and not cleaned.getexif()
    band = {1: (2, 10), 3: (37, 10), 6: (10, 2), 8: (10, 37)}[orientation]  # where the blue band ends up
    assert cleaned.getpixel(band)[2] > 150


def test_other_formats_are_rebuilt_from_pixels():
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "green", "blue")]
    gif, webp, tiff = io.BytesIO(), io.BytesIO(), io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=200, comment=b"Sokha")
    exif = Image.Exif()
    exif[0x013B] = "Sokha"
    frames[0].save(webp, "WEBP", exif=exif, xmp=XMP)
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:], description="Sokha")
    animated = evidence_files.clean(gif.getvalue(), 1)
    assert isinstance(animated, CleanFile) and animated.name == "evidence-1.gif"
    assert Image.open(io.BytesIO(animated.data)).n_frames == 3 and b"Sokha" not in animated.data
    still = evidence_files.clean(webp.getvalue(), 2)
    assert isinstance(still, CleanFile) and still.name == "evidence-2.webp" and b"Sokha" not in still.data
    pages = evidence_files.clean(tiff.getvalue(), 3)  # a scan of three pages: every page kept
    assert isinstance(pages, CleanFile) and pages.name == "evidence-3.pdf" and pages.data.count(b"/Type /Page\n") == 3
    assert b"Sokha" not in pages.data


def test_broken_and_unreadable_pictures_are_withheld_not_passed_on():
    assert evidence_files.clean(exif_jpeg()[:300], 1) == Withheld("unreadable")  # truncated
    assert evidence_files.clean(b"\x89PNG\r\n\x1a\n" + bytes(40), 2) == Withheld("unreadable")
    assert evidence_files.clean(b"\x00\x00\x00\x18ftypheic" + bytes(64), 3) == Withheld("unreadable")
    assert evidence_files.clean(b"II*\x00" + bytes(64), 4) == Withheld("unreadable")  # TIFF or camera raw


def test_decompression_bombs_are_withheld_and_large_jpegs_decoded_smaller():
    bomb = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(bomb, "PNG")  # 900 megapixels in about 100 kB
    assert len(bomb.getvalue()) < 200_000
    assert evidence_files.clean(bomb.getvalue(), 1) == Withheld("too_large")
    over = io.BytesIO()
    Image.new("L", (7_000, 7_000)).save(over, "PNG")  # 49 megapixels: over the limit, under Pillow's own
    assert evidence_files.clean(over.getvalue(), 2) == Withheld("too_large")
    large = io.BytesIO()
    Image.new("RGB", (9_000, 6_000)).save(large, "JPEG")  # a 54-megapixel camera
    result = evidence_files.clean(large.getvalue(), 3)
    assert isinstance(result, CleanFile) and Image.open(io.BytesIO(result.data)).size == (4_500, 3_000)


def test_other_files_keep_their_bytes_under_a_neutral_whitelisted_name():
    pdf = b"%PDF-1.7 statement"
    assert evidence_files.clean(pdf, 2, "pdf") == CleanFile(pdf, "evidence-2.pdf", "application/pdf", False)
    assert evidence_files.clean(b"PK\x03\x04 docx", 5, "docx").name == "evidence-5.docx"
    # A claimed picture that is not one gets no picture extension; unknown claims get .bin.
    assert evidence_files.clean(b"not a picture", 6, "jpg").name == "evidence-6.bin"
    assert evidence_files.clean(b"#!/bin/sh", 7, None).name == "evidence-7.bin"
    assert evidence_files.claimed_extension("Sokha Chan.PDF", None) == "pdf"
    assert evidence_files.claimed_extension("x", "application/vnd.ms-excel") == "xls"
    assert evidence_files.claimed_extension("run.exe", "application/x-msdownload") is None
    assert evidence_files.claimed_extension("../../Sokha.html", "text/html") is None


def test_intake_refuses_documents_it_could_not_clean():
    draft = Draft(step=Step.EVIDENCE)
    big = Evidence(
        "document", "f", "u", 1, file_size=evidence_files.MAX_DOCUMENT_BYTES + 1, mime_type="application/pdf"
    )
    with pytest.raises(IntakeError) as error:
        intake.add_evidence(draft, big)
    assert error.value.reason == "document_too_big" and error.value.details == {"limit_mb": 20}
    with pytest.raises(IntakeError) as error:
        intake.add_evidence(draft, Evidence("document", "f", "u", 1, file_size=10, mime_type="image/heic"))
    assert error.value.reason == "picture_not_cleanable"
    # Cleanable pictures, other documents, and big videos (copied, never downloaded) are accepted.
    for item in (
        Evidence("document", "a", "a", 1, file_size=10, mime_type="image/jpeg"),
        Evidence("document", "b", "b", 2, file_size=evidence_files.MAX_DOCUMENT_BYTES, mime_type="application/pdf"),
        Evidence("video", "c", "c", 3, file_size=evidence_files.MAX_DOCUMENT_BYTES * 3, mime_type="video/mp4"),
    ):
        draft = intake.add_evidence(draft, item)
    assert len(draft.evidence) == 3


def test_caption_is_escaped_and_fits():
    t = Catalogs.load().get("en")
    assert evidence_views.caption(t, 1, 2, "4829130574", None) == "📎 1/2 · complaint 482-913-0574"
    assert evidence_views.caption(t, 1, 2, "4829130574", "  ") == "📎 1/2 · complaint 482-913-0574"
    html = evidence_views.caption(t, 2, 2, "4829130574", "<a href='x'>me</a> & you")
    assert html.endswith("Citizen's caption: &lt;a href='x'&gt;me&lt;/a&gt; &amp; you")


async def test_a_document_sent_later_in_the_conversation_is_cleaned_too(world, citizen):
    # A citizen answering the police with a file sent "as a document" leaked it byte for byte.
    fake, group = world.fake, world.groups[POST]
    dara = await world.invite(POST, name="Dara")
    chat = citizen(language_code="en")
    await at_evidence_step(chat)
    number = await submit(chat)
    card = await world.card(POST, number)
    group.send(dara, "Do you have a picture?", reply_to=card)
    asked = await chat.reply("Do you have a picture?")
    chat.user.send_document(
        exif_jpeg(), "me at home", file_name="Sokha_Chan_home.jpg", mime_type="image/jpeg", reply_to=asked
    )
    passed = await fake.wait_for_message(group.id, lambda m: m.media_kind == "document")
    assert passed.media["file_name"].startswith("evidence-") and passed.media["file_name"].endswith(".jpg")
    data = fake.world.files[passed.file_id].data
    assert not Image.open(io.BytesIO(data)).getexif()
    for trace in (b"Exif", b"Sokha", b"SERIAL", b"xmpmeta"):
        assert trace not in data
    assert "me at home" in passed.caption and "Sokha" not in str(passed.media)
    assert passed.reply_to_message_id == card.message_id
