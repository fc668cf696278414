"""A citizen's private chat outside the intake: welcome, language, menu, help, status lookups."""

from __future__ import annotations

import time

from bot.callbacks import Press
from bot.domain import tracking
from bot.i18n import LANGUAGES
from bot.outgoing import Screen
from bot.services import intake, screens, staff
from bot.services.screens import Kind
from bot.services.session import Session
from bot.views import common as views
from bot.views import status as status_views
from db.repositories import complaints, users

AWAITING_TRACKING_NUMBER = "tracking_number"


async def start(s: Session) -> None:
    """/start: the language picker the first time, the menu afterwards."""
    await users.set_awaiting(s.tx, s.user.user_id, None)
    if s.user.lang is None:
        await screens.show(s, None, views.language_picker(s.t))
    else:
        await screens.show(s, None, views.main_menu(s.t, has_draft=await intake.has_draft(s), greeting=True))


async def ask_language(s: Session, message_id: int | None = None) -> None:
    await screens.show(s, message_id, views.language_picker(s.t))


async def choose_language(s: Session, lang: str, message_id: int) -> str:
    stale = await screens.refuse_if_stale(s, message_id)
    if stale is not None:
        return stale
    if lang not in LANGUAGES:
        return views.unavailable_choice(s.t)
    await users.set_lang(s.tx, s.user.user_id, lang)
    s.use_language(lang)
    await screens.show(s, message_id, views.main_menu(s.t, has_draft=await intake.has_draft(s)))
    return views.language_chosen(s.t, lang)


async def show_help(s: Session, message_id: int | None = None) -> None:
    await screens.show(s, message_id, views.help_screen(s.t))


async def show_menu(s: Session, message_id: int | None = None) -> None:
    await users.set_awaiting(s.tx, s.user.user_id, None)
    await screens.show(s, message_id, views.main_menu(s.t, has_draft=await intake.has_draft(s)))


async def on_menu(s: Session, press: Press, message_id: int) -> str | None:
    """A button of the menu (or the 🏠 Menu, 📋 My complaints… buttons of other screens)."""
    stale = await screens.refuse_if_stale(s, message_id)
    if stale is not None:
        return stale
    # Navigation edits the pressed screen in place, except a record (the receipt with its tracking
    # number): that keeps its words, and what was asked for comes below it.
    pressed = None if await screens.live_kind(s) == Kind.RECORD else message_id
    action = press.action
    if action == "new":
        await intake.start(s, menu_message=pressed)
    elif action == "status":
        await ask_number(s, chosen=pressed is not None)
    elif action == "mine":
        await my_complaints(s, 0, pressed)
    elif action == "help":
        await show_help(s, pressed)
    elif action == "lang":
        await ask_language(s, pressed)
    else:
        await show_menu(s, pressed)
    return None


async def press_mine(s: Session, press: Press, message_id: int) -> str | None:
    """◀️ ▶️ of the citizen's list of complaints."""
    stale = await screens.refuse_if_stale(s, message_id)
    if stale is None:
        await my_complaints(s, int(press.action), message_id)
    return stale


async def press_show(s: Session, press: Press, message_id: int) -> str | None:
    """🔎 of one complaint in the citizen's list."""
    stale = await screens.refuse_if_stale(s, message_id)
    if stale is None:
        await show_complaint(s, press.action, message_id)
    return stale


async def ask_number(s: Session, *, chosen: bool = False) -> None:
    """/status alone, or 🔎 Check a complaint (`chosen`: pressed on the live menu, which then shows
    the choice): the number is typed next, and whatever was live closes."""
    await users.set_awaiting(s.tx, s.user.user_id, AWAITING_TRACKING_NUMBER)
    await screens.show(s, None, status_views.ask_number(s.t), closing=views.check_chosen(s.t) if chosen else None)


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
    detail = status_views.complaint_detail(
        s.t,
        complaint,
        history,
        s.services.categories,
        units,
        evidence_count=await complaints.evidence_count(s.tx, complaint.id),
        now=time.time(),
    )
    await screens.show(s, message_id, detail)  # a screen: closes the one above when sent anew


async def my_complaints(s: Session, page: int, message_id: int | None) -> None:
    total = await complaints.count_of_citizen(s.tx, s.user.user_id)
    pages = max(1, -(-total // status_views.PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    mine = await complaints.of_citizen(s.tx, s.user.user_id, status_views.PAGE_SIZE, page * status_views.PAGE_SIZE)
    units = (await s.registry()).units
    listing = status_views.my_complaints(s.t, mine, total, page, s.services.categories, units, now=time.time())
    await screens.show(s, message_id, listing)  # a screen: closes the one above when sent anew


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
    await s.say(views.file_hint(s.t))
    await show_menu(s)


async def not_in_intake(s: Session, what: str) -> None:
    """Media, a location or a contact sent while no complaint is being written."""
    await s.say(views.not_in_intake(s.t, what))


async def unsupported(s: Session, kind: str) -> None:
    await s.say(views.unsupported(s.t, kind))


def edit_notice(s: Session) -> Screen:
    return views.edit_notice(s.t)


async def unknown_command(s: Session) -> None:
    await s.say(views.unknown_command(s.t))


async def stale_press(s: Session) -> str:
    return views.invalid_button(s.t)
