"""The intake conversation: applies a citizen's input to their stored draft and answers.

Each public function handles one kind of input inside the caller's Session (one transaction): load
the draft, apply a pure transition from bot.domain.intake, store it, queue the answer. This module
has the ways in and out (/new, /cancel) and the inline buttons; what is typed or sent is in
bot/services/intake_typed.py, and showing the steps in bot/services/intake_steps.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.callbacks import Press
from bot.domain import intake
from bot.domain.case import By
from bot.domain.complaint import NewComplaint
from bot.domain.intake import IntakeError, Step
from bot.services import caps, delivery, screens
from bot.services import intake_steps as steps
from bot.services.intake_typed import match_place_first, on_contact, on_location, on_media, on_text
from bot.services.screens import Kind
from bot.services.session import Session
from bot.views import common as common_views
from bot.views import intake as views
from bot.views import intake_notices as notices
from db.repositories import complaints, drafts, users
from db.repositories.drafts import StoredDraft

# What a draft receives from the handlers, wherever it is handled.
__all__ = [
    "ask_cancel",
    "has_draft",
    "match_place_first",
    "on_contact",
    "on_location",
    "on_media",
    "on_press",
    "on_text",
    "start",
]


# --- entering and leaving ---------------------------------------------------------------------


async def start(s: Session, *, menu_message: int | None = None) -> None:
    """/new or the menu's button (`menu_message`: that menu, which then shows the choice made): a
    fresh draft, or the one in progress where it was left."""
    await users.set_awaiting(s.tx, s.user.user_id, None)
    stored = await drafts.get(s.tx, s.user.user_id)
    over_a_cap = await caps.refusal(s, has_draft=stored is not None)  # told before writing anything
    if over_a_cap is not None:  # nothing starts: a menu pressed stays as it was
        await s.say(over_a_cap)
        return
    chosen = None if menu_message is None else common_views.new_complaint_chosen(s.t, has_draft=stored is not None)
    if stored:
        await s.say(notices.resumed(s.t))
        await steps.show(s, stored.seq, stored.draft, closing=chosen)
        return
    seq = await users.next_draft_seq(s.tx, s.user.user_id)
    draft = intake.Draft()
    await drafts.create(s.tx, s.user.user_id, seq, draft)
    await steps.show(s, seq, draft, closing=chosen)


async def ask_cancel(s: Session) -> None:
    """/cancel: confirm before anything typed is thrown away."""
    stored = await drafts.get(s.tx, s.user.user_id)
    if not stored:
        await s.say(notices.nothing_to_cancel(s.t))
        return
    await screens.show(s, None, views.confirm_cancel(s.t, stored.seq), Kind.CANCEL)


async def has_draft(s: Session) -> bool:
    return await drafts.get(s.tx, s.user.user_id) is not None


# --- button presses ---------------------------------------------------------------------------


async def on_press(s: Session, press: Press, message_id: int) -> str | None:
    """An inline button of the intake; returns the text of the callback answer, if any."""
    stored = await drafts.get(s.tx, s.user.user_id)
    if press.action == "submit" and (stored is None or stored.seq != press.draft_seq):
        return await _already_filed(s, press)
    if stored is None or stored.seq != press.draft_seq:
        return common_views.stale_button(s.t)
    stale = await screens.refuse_if_stale(s, message_id)
    if stale is not None:
        return stale
    handler = _PRESS_ACTIONS.get(press.action)
    if handler is None:
        return None  # "noop": the page indicator
    try:
        return await handler(s, stored, press, message_id)
    except IntakeError as error:
        return notices.error(s.t, error)


async def _press_category(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    valid = {c.key for c in s.services.categories.active()}
    key = press.args[0] if press.args else ""
    await steps.apply(s, stored, intake.choose_category(stored.draft, key, valid), message_id)


async def _press_place(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    await steps.choose_place(s, stored, press.args[0] if press.args else "", message_id)


async def _press_page(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    level, parent, page = ((*press.args, "", "", ""))[:3]
    draft = stored.draft
    if draft.step.value != level or (draft.step != Step.PROVINCE and parent != steps.parent_code(draft)):
        raise IntakeError("stale")
    screen = views.place_prompt(s.t, stored.seq, draft, s.services.gazetteer, s.services.categories, int(page or 0))
    await screens.show(s, message_id, screen, Kind.STEP)


async def _press_back(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    await steps.back(s, stored, message_id)


async def _press_cancel(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    # The confirmation comes below; the step pressed loses its buttons (shown again on "No").
    await screens.show(s, None, views.confirm_cancel(s.t, stored.seq), Kind.CANCEL)


async def _press_discard(s: Session, stored: StoredDraft, press: Press, message_id: int) -> str:
    await drafts.delete(s.tx, s.user.user_id)
    await screens.show(s, message_id, notices.discarded(s.t))
    await s.say(notices.nothing_sent(s.t))
    await screens.show(s, None, common_views.main_menu(s.t, has_draft=False))
    return notices.discarded_toast(s.t)


async def _press_keep(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    await screens.show(s, message_id, notices.kept(s.t))
    await steps.show(s, stored.seq, stored.draft)


async def _press_edit(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    step = Step(press.args[0]) if press.args and press.args[0] in Step._value2member_map_ else None
    if step is None:
        raise IntakeError("unknown_choice")
    await steps.apply(s, stored, intake.edit(stored.draft, step), message_id)


async def _press_submit(s: Session, stored: StoredDraft, press: Press, message_id: int) -> str:
    intake.ready_to_submit(stored.draft)
    over_a_cap = await caps.refusal(s, has_draft=True)
    if over_a_cap is not None:  # nothing filed; the review keeps its buttons for a later Submit
        await s.say(over_a_cap)
        return notices.not_filed_toast(s.t)
    person = s.person
    new = NewComplaint(s.user.user_id, stored.seq, stored.draft, s.t.lang, person.first_name, person.username)
    complaint = await complaints.file(s.tx, new, s.services.gazetteer.data_year)
    await drafts.delete(s.tx, s.user.user_id)
    complaint = await delivery.dispatch(s, complaint, By("citizen", s.user.user_id))  # card queued in this transaction
    unit = (await s.registry()).get(complaint.unit_code or "")
    # The receipt comes below; the review stays as it was sent, without its buttons.
    await screens.show(s, None, views.receipt(s.t, complaint, unit), Kind.RECORD)
    return notices.filed_toast(s.t)


async def _already_filed(s: Session, press: Press) -> str:
    """Submit pressed again (double tap, or an old review message): never a second complaint."""
    if press.draft_seq is not None:
        filed = await complaints.by_draft(s.tx, s.user.user_id, press.draft_seq)
        if filed:
            return notices.already_filed(s.t, filed.tracking_no)
    return common_views.stale_button(s.t)


PressAction = Callable[[Session, StoredDraft, Press, int], Awaitable[str | None]]

_PRESS_ACTIONS: dict[str, PressAction] = {
    "cat": _press_category,
    "place": _press_place,
    "page": _press_page,
    "back": _press_back,
    "cancel": _press_cancel,
    "discard": _press_discard,
    "keep": _press_keep,
    "edit": _press_edit,
    "submit": _press_submit,
}
