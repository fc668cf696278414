"""Citizens see their own complaints, and only their own."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import intake, tracking
from bot.domain.complaint import Complaint, NewComplaint, Status
from bot.domain.intake import ContactMode, Draft
from bot.domain.units import Level, Unit
from bot.i18n import Catalogs
from bot.views.status import Standing, situation
from db.repositories import complaints
from tests import dbaccess
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
    db = await dbaccess.open_db(db_path)
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


# --- where a complaint stands, as its citizen reads it (bot.views.status.situation) -------------

NOW = 1_800_000_000.0
UNITS = {
    u.code: u
    for u in (
        Unit("KH", Level.MINISTRY, None, "ក្រសួង", "Ministry of Interior working group"),
        Unit("17", Level.PROVINCE, "KH", "ខេត្ត", "Siemreap Provincial Police Commissariat"),
        Unit("1710", Level.DISTRICT, "17", "ក្រុង", "Siem Reab Municipal Police Inspectorate"),
        Unit("171001", Level.POST, "1710", "ប៉ុស្តិ៍", "Sangkat Sla Kram Administrative Police Post"),
    )
}


def a_complaint(**changes) -> Complaint:
    base = Complaint(
        id=1,
        tracking_no="4829130574",
        citizen_id=7,
        category="drugs",
        province_code="17",
        district_code="1710",
        commune_code="171001",
        description="Drugs are sold at night.",
        contact_mode="anonymous",
        phone=None,
        lang="en",
        status=Status.SUBMITTED,
        created_at=NOW - 7200,
        updated_at=NOW - 3600,
        unit_code="171001",
        responsible_code="171001",
        ack_due_at=NOW + 3600,
    )
    return replace(base, **changes)


def test_an_overdue_complaint_escalated_to_the_district_says_both():
    now_is = situation(a_complaint(ack_due_at=NOW - 60, escalated_to="1710"), UNITS, NOW)
    assert (now_is.standing, now_is.overdue, now_is.escalated_to.code) == (Standing.WAITING, True, "1710")
    en = Catalogs.load().get("en")
    assert (
        now_is.label(en)
        == "Overdue: still waiting for <b>Sangkat Sla Kram Administrative Police Post</b> to acknowledge it"
    )
    at_the_top = situation(
        a_complaint(resolve_due_at=NOW - 60, status=Status.ACKNOWLEDGED, escalated_to="KH"), UNITS, NOW
    )
    assert (at_the_top.standing, at_the_top.escalated_to.code) == (Standing.HANDLED, "KH")


def test_an_escalation_is_over_once_the_complaint_is_acted_on():
    # Acknowledged after the escalation: a new deadline runs, nothing is overdue or escalated.
    acknowledged = a_complaint(
        status=Status.ACKNOWLEDGED, ack_due_at=NOW - 60, resolve_due_at=NOW + 86400, escalated_to="1710"
    )
    now_is = situation(acknowledged, UNITS, NOW)
    assert (now_is.standing, now_is.overdue, now_is.escalated_to) == (Standing.HANDLED, False, None)
    # Taken over by the district, whose own time has passed since: overdue, and not "escalated" to itself.
    taken = a_complaint(status=Status.ACKNOWLEDGED, unit_code="1710", resolve_due_at=NOW - 60, escalated_to="1710")
    now_is = situation(taken, UNITS, NOW)
    assert (now_is.handler.code, now_is.overdue, now_is.escalated_to) == ("1710", True, None)


def test_no_unit_yet_and_closed_complaints_have_no_deadline():
    assert situation(a_complaint(unit_code=None, ack_due_at=None), UNITS, NOW).standing == Standing.NO_UNIT_YET
    for status, standing in ((Status.RESOLVED, Standing.RESOLVED), (Status.REJECTED, Standing.REJECTED)):
        now_is = situation(a_complaint(status=status, ack_due_at=NOW - 60, escalated_to="1710"), UNITS, NOW)
        assert (now_is.standing, now_is.due, now_is.overdue, now_is.escalated_to) == (standing, None, False, None)
