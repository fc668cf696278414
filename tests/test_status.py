"""Citizens see their own complaints, and only their own."""

from __future__ import annotations

from bot.domain import intake, tracking
from bot.domain.complaint import NewComplaint
from bot.domain.intake import ContactMode, Draft
from db.database import Database
from db.repositories import complaints
from tests.test_intake_flow import choose_language, to_review


async def file_one(chat) -> str:
    review = await to_review(chat)
    await chat.press(review, "✅ Submit")
    receipt = await chat.reply("Your complaint has been filed")
    return tracking.parse(receipt.plain_text.split("Tracking number: ")[1].split()[0])[0]


async def test_someone_elses_number_answers_like_a_number_that_does_not_exist(bot, fake, citizen):
    owner, stranger = citizen("Owner", language_code="en"), citizen("Stranger", language_code="en")
    number = await file_one(owner)
    await choose_language(stranger)
    theirs = await stranger.say(f"/status {number}", expect="No complaint")
    unused = "100000000" + str(tracking.damm_digit("100000000"))
    nobodys = await stranger.say(f"/status {unused}", expect="No complaint")
    assert theirs.plain_text.replace(tracking.display(number, "en"), "N") == nobodys.plain_text.replace(
        tracking.display(unused, "en"), "N"
    )


async def test_wrong_check_digit_and_wrong_length(bot, fake, citizen):
    chat = citizen(language_code="en")
    await choose_language(chat)
    await chat.say("/status 482-913-0575", expect="That number is not right")
    await chat.say("/status 12345678", expect="A tracking number has 10 digits")
    # "Check a complaint" asks for the number; the next text is taken as one.
    await chat.say("/status", expect="Please type the tracking number")
    await chat.say("482 913 0574", expect="No complaint")


async def file_directly(db_path, citizen_id: int, count: int) -> list[str]:
    """Complaints filed straight into the database: six intakes in a row would take a minute at
    Telegram's pace of about one message a second to a private chat."""
    draft = intake.choose_category(Draft(), "theft", {"theft"})
    draft = intake.choose_place(draft, "120101", ["12", "1201", "120101"])
    draft = intake.finish_description(intake.add_description(draft, "My bicycle was stolen."))
    draft = intake.set_contact(intake.finish_evidence(draft), ContactMode.ANONYMOUS)
    db = await Database.open(db_path)
    numbers = []
    try:
        for seq in range(100, 100 + count):
            async with db.transaction() as tx:
                numbers.append(
                    (await complaints.file(tx, NewComplaint(citizen_id, seq, draft, "en"), 2025)).tracking_no
                )
    finally:
        await db.close()
    return numbers


async def test_my_complaints_lists_and_pages(bot, fake, citizen):
    chat = citizen(language_code="en")
    numbers = [await file_one(chat)]
    numbers += await file_directly(bot.db_path, chat.user.id, 5)
    listing = await chat.say("/mycomplaints", expect="My complaints")
    assert "(page 1 of 2)" in listing.plain_text
    shown = [d.split(":")[1] for _, d in listing.buttons() if d.startswith("sc:")]
    assert shown == list(reversed(numbers))[:5]
    await chat.press(listing, "▶️")
    page2 = await chat.edited(listing, lambda m: "(page 2 of 2)" in m.plain_text)
    assert [d.split(":")[1] for _, d in page2.buttons() if d.startswith("sc:")] == [numbers[0]]
    await chat.press(page2, f"sc:{numbers[0]}")
    detail = await chat.edited(listing, lambda m: "History" in m.plain_text)
    assert "Complaint filed" in detail.plain_text
