"""A citizen's private chat outside the intake: welcome, language, menu, help, status lookups."""

from __future__ import annotations

from bot.callbacks import Press
from bot.domain import tracking
from bot.i18n import LANGUAGES
from bot.outgoing import Screen
from bot.services import intake, staff
from bot.services.session import Session
from bot.views import common as views
from bot.views import status as status_views
from db.repositories import complaints, users

AWAITING_TRACKING_NUMBER = "tracking_number"


async def start(s: Session) -> None:
    """/start: the language picker the first time, the menu afterwards."""
    await users.set_awaiting(s.tx, s.user.user_id, None)
    if s.user.lang is None:
        await s.say(views.language_picker(s.t))
    else:
        await s.say(views.main_menu(s.t, has_draft=await intake.has_draft(s), greeting=True))


async def ask_language(s: Session, message_id: int | None = None) -> None:
    await s.replace(message_id, views.language_picker(s.t))


async def choose_language(s: Session, lang: str, message_id: int) -> str:
    if lang not in LANGUAGES:
        return s.t("That choice is not available. Please use the buttons.")
    await users.set_lang(s.tx, s.user.user_id, lang)
    s.use_language(lang)
    await s.replace(message_id, views.main_menu(s.t, has_draft=await intake.has_draft(s)))
    return s.t("Language: English") if lang == "en" else s.t("Language: Khmer")


async def show_help(s: Session, message_id: int | None = None) -> None:
    await s.replace(message_id, views.help_screen(s.t))


async def show_menu(s: Session, message_id: int | None = None) -> None:
    await users.set_awaiting(s.tx, s.user.user_id, None)
    await s.replace(message_id, views.main_menu(s.t, has_draft=await intake.has_draft(s)))


async def on_menu(s: Session, press: Press, message_id: int) -> str | None:
    action = press.action
    if action == "new":
        await intake.start(s)
    elif action == "status":
        await ask_number(s)
    elif action == "mine":
        await my_complaints(s, 0, message_id)
    elif action == "help":
        await show_help(s, message_id)
    elif action == "lang":
        await ask_language(s, message_id)
    else:
        await show_menu(s, message_id)
    return None


async def ask_number(s: Session) -> None:
    await users.set_awaiting(s.tx, s.user.user_id, AWAITING_TRACKING_NUMBER)
    await s.say(status_views.ask_number(s.t))


async def lookup(s: Session, typed: str) -> None:
    """/status <number> or a number typed after 'Check a complaint'."""
    await users.set_awaiting(s.tx, s.user.user_id, None)
    number, problem = tracking.parse(typed)
    if number is None:
        await s.say(status_views.bad_number(s.t, problem or tracking.TrackingInput.NOT_A_NUMBER))
        return
    await show_complaint(s, number, None)


async def show_complaint(s: Session, number: str, message_id: int | None) -> None:
    complaint = await complaints.of_citizen_by_number(s.tx, s.user.user_id, number)
    if complaint is None and message_id is None and await staff.is_staff(s):
        await staff.complaint_status(s, number)  # police staff: any complaint of their units
        return
    if complaint is None:
        await s.say(status_views.not_found(s.t, number))
        return
    history = await complaints.events(s.tx, complaint.id)
    units = (await s.registry()).units
    await s.replace(message_id, status_views.complaint_detail(s.t, complaint, history, s.services.categories, units))


async def my_complaints(s: Session, page: int, message_id: int | None) -> None:
    total = await complaints.count_of_citizen(s.tx, s.user.user_id)
    pages = max(1, -(-total // status_views.PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    mine = await complaints.of_citizen(s.tx, s.user.user_id, status_views.PAGE_SIZE, page * status_views.PAGE_SIZE)
    await s.replace(message_id, status_views.my_complaints(s.t, mine, total, page, s.services.categories))


async def on_text(s: Session, text: str) -> None:
    """Free text in a private chat: a tracking number, an intake answer, or a hint."""
    if s.user.awaiting == AWAITING_TRACKING_NUMBER:
        await lookup(s, text)
        return
    if await intake.on_text(s, text):
        return
    if tracking.looks_like_number(text):
        await lookup(s, text)
        return
    await s.say(Screen(s.t("To file a complaint press 📝 File a complaint, or send /new.")))
    await show_menu(s)


async def not_in_intake(s: Session, what: str) -> None:
    """Media, a location or a contact sent while no complaint is being written."""
    hints = {
        "media": s.t("To send photos or files as evidence, first start a complaint with /new."),
        "location": s.t(
            "To report something at this place, start a complaint with /new; you can send the "
            "location again at the place step."
        ),
        "contact": s.t("You can share your phone number at the contact step of a complaint (/new)."),
    }
    await s.say(Screen(hints[what]))


async def unsupported(s: Session, kind: str) -> None:
    if kind == "sticker":
        text = s.t("Stickers cannot be used here. Please type your answer in words.")
    else:
        text = s.t("This kind of message cannot be used here. Please type your answer, or use the buttons.")
    await s.say(Screen(text))


def edit_notice(s: Session) -> Screen:
    return Screen(
        s.t(
            "Changes to a message you already sent are not saved. Please send the correction as a "
            "new message, or change it with ✏️ at the review."
        )
    )


async def unknown_command(s: Session) -> None:
    await s.say(Screen(s.t("I don't know that command. Send /help to see what I can do.")))


async def stale_press(s: Session) -> str:
    return s.t("This button is no longer valid.")
