"""The intake conversation: applies a citizen's input to their stored draft and answers.

Each public function handles one kind of input inside the caller's Session (one transaction): load
the draft, apply a pure transition from bot.domain.intake, store it, queue the answer.
"""

from __future__ import annotations

import asyncio
import functools

from bot.callbacks import Press
from bot.domain import intake, phone, tracking
from bot.domain.complaint import NewComplaint
from bot.domain.intake import PLACE_STEPS, ContactMode, Draft, Evidence, IntakeError, Step
from bot.domain.places import QUERY_MAX_CHARS, Gazetteer, Match
from bot.domain.textnorm import match_key
from bot.i18n import Catalogs
from bot.outgoing import REMOVE_KEYBOARD, Outgoing, Screen
from bot.services import caps, delivery
from bot.services.session import Services, Session
from bot.views import common as common_views
from bot.views import evidence as evidence_views
from bot.views import intake as views
from bot.views.intake import ReplyButtons
from db.repositories import complaints, drafts, users
from db.repositories.drafts import StoredDraft

TYPING_STEPS = (Step.DESCRIPTION, Step.EVIDENCE, Step.CONTACT)


# --- entering and leaving ---------------------------------------------------------------------


async def start(s: Session) -> None:
    """/new or the menu button: a fresh draft, or the one in progress where it was left."""
    await users.set_awaiting(s.tx, s.user.user_id, None)
    stored = await drafts.get(s.tx, s.user.user_id)
    over_a_cap = await caps.refusal(s, has_draft=stored is not None)  # told before writing anything
    if over_a_cap is not None:
        await s.say(over_a_cap)
        return
    if stored:
        await s.say(Screen(s.t("You have a complaint in progress. Let's continue where you left off.")))
        await _show(s, stored.seq, stored.draft)
        return
    seq = await users.next_draft_seq(s.tx, s.user.user_id)
    draft = Draft()
    await drafts.create(s.tx, s.user.user_id, seq, draft)
    await _show(s, seq, draft)


async def ask_cancel(s: Session) -> None:
    """/cancel or a Cancel button: confirm before anything typed is thrown away."""
    stored = await drafts.get(s.tx, s.user.user_id)
    if not stored:
        await s.say(Screen(s.t("There is nothing to cancel."), REMOVE_KEYBOARD))
        return
    await s.say(views.confirm_cancel(s.t, stored.seq))


async def has_draft(s: Session) -> bool:
    return await drafts.get(s.tx, s.user.user_id) is not None


# --- button presses ---------------------------------------------------------------------------


async def on_press(s: Session, press: Press, message_id: int) -> str | None:
    """An inline button of the intake; returns the text of the callback answer, if any."""
    stored = await drafts.get(s.tx, s.user.user_id)
    if press.action == "submit" and (stored is None or stored.seq != press.draft_seq):
        return await _already_filed(s, press)
    if stored is None or stored.seq != press.draft_seq:
        return s.t("This button belongs to an earlier message and no longer works.")
    handler = _PRESS_ACTIONS.get(press.action)
    if handler is None:
        return None  # "noop": the page indicator
    try:
        return await handler(s, stored, press, message_id)
    except IntakeError as error:
        return _error_text(s, error)


async def _press_category(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    valid = {c.key for c in s.services.categories.active()}
    await _apply(
        s, stored, intake.choose_category(stored.draft, press.args[0] if press.args else "", valid), message_id
    )


async def _press_place(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    code = press.args[0] if press.args else ""
    await _choose_place(s, stored, code, message_id)


async def _press_page(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    level, parent, page = ((*press.args, "", "", ""))[:3]
    draft = stored.draft
    if draft.step.value != level or (draft.step != Step.PROVINCE and parent != _parent_code(draft)):
        raise IntakeError("stale")
    screen = views.place_prompt(s.t, stored.seq, draft, s.services.gazetteer, page=int(page or 0))
    await s.replace(message_id, screen)


async def _press_back(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    await _back(s, stored, message_id)


async def _press_cancel(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    await s.say(views.confirm_cancel(s.t, stored.seq))


async def _press_discard(s: Session, stored: StoredDraft, press: Press, message_id: int) -> str:
    await drafts.delete(s.tx, s.user.user_id)
    await s.replace(message_id, Screen("🗑 " + s.t("Your draft complaint was discarded.")))
    await s.say(Screen(s.t("Nothing was sent to the police."), REMOVE_KEYBOARD))
    await s.say(common_views.main_menu(s.t, has_draft=False))
    return s.t("Discarded")


async def _press_keep(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    await s.replace(message_id, Screen("↩️ " + s.t("OK, let's continue.")))
    await _show(s, stored.seq, stored.draft)


async def _press_edit(s: Session, stored: StoredDraft, press: Press, message_id: int) -> None:
    step = Step(press.args[0]) if press.args and press.args[0] in Step._value2member_map_ else None
    if step is None:
        raise IntakeError("unknown_choice")
    await _apply(s, stored, intake.edit(stored.draft, step), message_id)


async def _press_submit(s: Session, stored: StoredDraft, press: Press, message_id: int) -> str:
    intake.ready_to_submit(stored.draft)
    over_a_cap = await caps.refusal(s, has_draft=True)
    if over_a_cap is not None:  # nothing filed; the review keeps its buttons for a later Submit
        await s.say(over_a_cap)
        return s.t("Not filed: see the message below.")
    person = s.person
    new = NewComplaint(s.user.user_id, stored.seq, stored.draft, s.t.lang, person.first_name, person.username)
    complaint = await complaints.file(s.tx, new, s.services.gazetteer.data_year)
    await drafts.delete(s.tx, s.user.user_id)
    complaint = await delivery.dispatch(s, complaint)  # the card is queued in this same transaction
    await s.queue(_remove_buttons(s.person.chat_id, message_id))
    unit = (await s.registry()).get(complaint.unit_code or "")
    await s.say(views.receipt(s.t, complaint, unit))
    return s.t("Filed")


async def _already_filed(s: Session, press: Press) -> str:
    """Submit pressed again (double tap, or an old review message): never a second complaint."""
    if press.draft_seq is not None:
        filed = await complaints.by_draft(s.tx, s.user.user_id, press.draft_seq)
        if filed:
            return s.t("Already filed as %(number)s.", number=tracking.display(filed.tracking_no, s.t.lang))
    return s.t("This button belongs to an earlier message and no longer works.")


_PRESS_ACTIONS = {
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


# --- typed and sent things --------------------------------------------------------------------


async def match_place_first(services: Services, user_id: int, text: str) -> None:
    """Before the session of a text message: if the citizen's draft is at a place step, match the
    text now, outside the database lock and off the event loop, so that `_typed_place` inside the
    session (a write transaction every other chat waits for) only reads the result back. If the
    draft moved on in between, `_typed_place` matches again for its new step (bounded work)."""
    async with services.db.read() as tx:
        stored = await drafts.get(tx, user_id)
    if stored is None or stored.draft.step not in PLACE_STEPS or _reply_button(services.catalogs, text):
        return
    await asyncio.to_thread(_place_matches, services.gazetteer, text, _parent_code(stored.draft))


async def on_text(s: Session, text: str) -> bool:
    """Text while a draft is open; False if there is no draft (the caller answers instead)."""
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    try:
        await _on_text(s, stored, text)
    except IntakeError as error:
        await s.say(Screen(_error_text(s, error)))
    return True


async def _on_text(s: Session, stored: StoredDraft, text: str) -> None:
    draft, button = stored.draft, _reply_button(s.services.catalogs, text)
    if button == ReplyButtons.CANCEL:
        await s.say(views.confirm_cancel(s.t, stored.seq))
    elif button == ReplyButtons.BACK:
        await _back(s, stored, None)
    elif draft.step == Step.CATEGORY:
        await _typed_category(s, stored, text)
    elif draft.step in PLACE_STEPS:
        await _typed_place(s, stored, text)
    elif draft.step == Step.DESCRIPTION:
        if button == ReplyButtons.DONE:
            await _apply(s, stored, intake.finish_description(draft), None)
        else:
            updated = intake.add_description(draft, text)
            await _save(s, updated)
            await s.say(views.description_saved(s.t, updated))
    elif draft.step == Step.EVIDENCE:
        if button in (ReplyButtons.DONE, ReplyButtons.SKIP):
            await _apply(s, stored, intake.finish_evidence(draft), None)
        else:  # more words about what happened: keep them rather than refuse them
            updated = intake.add_description(draft, text)
            await _save(s, updated)
            await s.say(Screen(s.t("✍️ Added to your description of what happened.")))
    elif draft.step == Step.CONTACT:
        await _typed_contact(s, stored, text, button)
    else:
        await s.say(Screen(s.t("Please use the buttons under your complaint: ✅ Submit, or ✏️ to change a part.")))


async def on_media(s: Session, item: Evidence, media_group_id: str | None) -> bool:
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    try:
        updated = intake.add_evidence(stored.draft, item)
    except IntakeError as error:
        await s.say(evidence_views.refused(s.t, error.reason, error.details) or Screen(_error_text(s, error)))
        return True
    if updated is stored.draft:
        return True  # the same file again
    # An album arrives as one message per file: acknowledge it once, not ten times.
    later_in_album = media_group_id is not None and media_group_id == stored.draft.media_group_id
    await _save(s, intake.remember_media_group(updated, media_group_id))
    if not later_in_album:
        await s.say(views.evidence_saved(s.t, updated, album=media_group_id is not None))
    return True


async def on_location(s: Session, latitude: float, longitude: float) -> bool:
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    updated = intake.set_location(stored.draft, latitude, longitude)
    await _save(s, updated)
    await s.say(
        Screen(
            "📍 " + s.t("Location saved with your complaint. Now choose the place from the list, or type its name.")
            if updated.step in PLACE_STEPS
            else "📍 " + s.t("Location saved with your complaint.")
        )
    )
    return True


async def on_contact(s: Session, phone_number: str, contact_user_id: int | None) -> bool:
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    if stored.draft.step != Step.CONTACT:
        await s.say(Screen(s.t("You can share your phone number at the contact step of your complaint.")))
        return True
    if contact_user_id != s.user.user_id:
        await s.say(Screen(s.t("Please share your own number with the 📱 button, or type it.")))
        return True
    e164 = phone.parse_shared(phone_number)
    if e164 is None:
        await s.say(
            Screen(
                s.t(
                    "That phone number could not be read. Please type it, e.g. %(example)s",
                    example=s.t.digits("012 345 678"),
                )
            )
        )
        return True
    await _apply(s, stored, intake.set_contact(stored.draft, ContactMode.SHARED, e164), None)
    return True


# --- helpers ------------------------------------------------------------------------------------


async def _typed_category(s: Session, stored: StoredDraft, text: str) -> None:
    key = match_key(text) if len(text) <= _LABEL_TEXT_MAX else ""
    found = [
        c
        for c in s.services.categories.active()
        if key and (key == match_key(c.label_km) or key == match_key(c.label_en))
    ]
    if len(found) == 1:
        valid = {c.key for c in s.services.categories.active()}
        await _apply(s, stored, intake.choose_category(stored.draft, found[0].key, valid), None)
        return
    await s.say(Screen(s.t("Please choose one of the categories with the buttons.")))
    await _show(s, stored.seq, stored.draft)


async def _typed_place(s: Session, stored: StoredDraft, text: str) -> None:
    matches = list(_place_matches(s.services.gazetteer, text, _parent_code(stored.draft)))
    exact = [m for m in matches if m.exact]
    if len(exact) == 1 or len(matches) == 1:
        await _choose_place(s, stored, (exact or matches)[0].place.code, None)
    elif matches:
        await s.say(views.place_matches(s.t, stored.seq, _quoted_place(text), matches))
    else:
        await s.say(views.place_not_found(s.t, _quoted_place(text)))


@functools.lru_cache(maxsize=512)
def _place_matches(gazetteer: Gazetteer, text: str, within: str | None) -> tuple[Match, ...]:
    """The places a text typed at a place step matches (inside the province or district chosen so
    far, else anywhere). Remembered: match_place_first computes it before the session and
    _typed_place reads it back inside; 512 is more than the updates handled at once (256 by default)."""
    return tuple(gazetteer.match_typed(text, within=within))


def _quoted_place(text: str) -> str:
    """The typed text to quote in the answer: a text too long to be a place name by its start only,
    which is all that was matched; the answer must stay within Telegram's 4,096 characters."""
    return text if len(text) <= QUERY_MAX_CHARS else text[:QUERY_MAX_CHARS].rstrip() + "…"


async def _typed_contact(s: Session, stored: StoredDraft, text: str, button: str | None) -> None:
    if button == ReplyButtons.ANONYMOUS:
        await _apply(s, stored, intake.set_contact(stored.draft, ContactMode.ANONYMOUS), None)
        return
    if button == ReplyButtons.SHARE_PHONE:  # an old Telegram client sent the label instead of the contact
        await s.say(Screen(s.t("Please type your phone number, e.g. %(example)s", example=s.t.digits("012 345 678"))))
        return
    e164 = phone.parse_typed(text)
    if e164 is None:
        await s.say(
            Screen(
                s.t(
                    "That is not a valid phone number. Please type it like %(example)s, or choose 🙈 Stay anonymous.",
                    example=s.t.digits("012 345 678"),
                )
            )
        )
        return
    await _apply(s, stored, intake.set_contact(stored.draft, ContactMode.TYPED, e164), None)


async def _choose_place(s: Session, stored: StoredDraft, code: str, message_id: int | None) -> None:
    gazetteer = s.services.gazetteer
    place = gazetteer.get(code)
    if place is None:
        raise IntakeError("unknown_choice")
    path = [p.code for p in gazetteer.path(place.code)]
    await _apply(s, stored, intake.choose_place(stored.draft, place.code, path), message_id)


async def _back(s: Session, stored: StoredDraft, message_id: int | None) -> None:
    updated = intake.back(stored.draft)
    if updated is None:  # Back on the first step: leave the intake, keep the draft for later
        await s.replace(message_id, common_views.main_menu(s.t, has_draft=True))
        return
    await _apply(s, stored, updated, message_id)


def _parent_code(draft: Draft) -> str | None:
    return {Step.DISTRICT: draft.province, Step.COMMUNE: draft.district}.get(draft.step)


_REPLY_BUTTONS = (
    ReplyButtons.DONE,
    ReplyButtons.SKIP,
    ReplyButtons.BACK,
    ReplyButtons.CANCEL,
    ReplyButtons.ANONYMOUS,
    ReplyButtons.SHARE_PHONE,
)


@functools.lru_cache(maxsize=4)
def _reply_button_keys(catalogs: Catalogs) -> dict[str, str]:
    """match_key of each reply-keyboard label, in every language -> the label's msgid."""
    return {match_key(label): msgid for msgid in _REPLY_BUTTONS for label in catalogs.in_every_language(msgid)}


# Reply-keyboard labels and category names are far shorter in every language; a longer text is
# typed, and match_key (Khmer normalization: ~20 µs a character) need not run over it.
_LABEL_TEXT_MAX = 200


def _reply_button(catalogs: Catalogs, text: str) -> str | None:
    """Which reply-keyboard button this text is, in either language (or None)."""
    if len(text) > _LABEL_TEXT_MAX:
        return None
    return _reply_button_keys(catalogs).get(match_key(text))


async def _save(s: Session, draft: Draft) -> None:
    await drafts.save(s.tx, s.user.user_id, draft)


async def _apply(s: Session, stored: StoredDraft, updated: Draft, message_id: int | None) -> None:
    """Store the new draft and show what changed: the answered step, then the next prompt."""
    await _save(s, updated)
    before, after = stored.draft.step, updated.step
    if before in PLACE_STEPS and after in PLACE_STEPS:
        await s.replace(message_id, views.place_prompt(s.t, stored.seq, updated, s.services.gazetteer))
        return
    if before == Step.PROVINCE and after == Step.CATEGORY:
        await s.replace(message_id, views.category_prompt(s.t, stored.seq, s.services.categories))
        return
    if message_id is not None:  # the pressed message keeps the answer, without its buttons
        if before == Step.CATEGORY:
            await s.replace(message_id, views.category_answer(s.t, s.services.categories, updated.category or ""))
        elif before in PLACE_STEPS and updated.commune:
            await s.replace(message_id, views.place_answer(s.t, updated.commune))
        else:
            await s.queue(_remove_buttons(s.person.chat_id, message_id))
    elif before in PLACE_STEPS and updated.commune and after not in PLACE_STEPS:
        await s.say(views.place_answer(s.t, updated.commune))
    if after == Step.REVIEW and before != Step.CATEGORY:
        # Inline buttons come next: take the reply keyboard of the typing steps away first.
        confirmation = (
            views.contact_answer(s.t, updated)
            if before == Step.CONTACT
            else Screen("✅ " + s.t("Saved."), REMOVE_KEYBOARD)
        )
        await s.say(confirmation)
    await _show(s, stored.seq, updated)


async def _show(s: Session, seq: int, draft: Draft, *, message_id: int | None = None) -> None:
    """The prompt of the draft's current step."""
    t, step = s.t, draft.step
    if step == Step.CATEGORY:
        await s.replace(message_id, views.category_prompt(t, seq, s.services.categories))
    elif step in PLACE_STEPS:
        if message_id is None:
            await s.say(views.location_offer(t))
        await s.replace(message_id, views.place_prompt(t, seq, draft, s.services.gazetteer))
    elif step == Step.DESCRIPTION:
        await s.say(views.description_prompt(t, draft))
    elif step == Step.EVIDENCE:
        await s.say(views.evidence_prompt(t, draft))
    elif step == Step.CONTACT:
        await s.say(views.contact_prompt(t))
    else:
        await s.replace(message_id, views.review(t, seq, draft, s.services.categories, s.services.gazetteer))


def _remove_buttons(chat_id: int, message_id: int) -> Outgoing:
    return Outgoing(
        chat_id, "editMessageReplyMarkup", {"message_id": message_id, "reply_markup": {"inline_keyboard": []}}
    )


def _error_text(s: Session, error: IntakeError) -> str:
    t = s.t
    messages = {
        "stale": t("This button belongs to an earlier step and no longer works."),
        "unknown_choice": t("That choice is not available. Please use the buttons."),
        "empty_text": t("Please type some words."),
        "description_too_short": t(
            "Please write a little more: at least %(minimum)s letters, not only emoji or numbers.",
            minimum=t.number(error.details.get("minimum", 0)),
        ),
        "description_too_long": t(
            "That is too long: you can add only %(left)s more characters (a description can have at most "
            "%(limit)s). Please shorten it, or send only the most important part.",
            limit=t.number(error.details.get("limit", 0)),
            left=t.number(error.details.get("left", 0)),
        ),
        "evidence_full": t(
            "You have already attached %(limit)s files, the most a complaint can have. Press ✅ Done to continue.",
            limit=t.number(error.details.get("limit", 0)),
        ),
        "unsupported_media": t(
            "This kind of file cannot be attached. Please send photos, videos, voice messages or documents."
        ),
        "incomplete": t("Some parts are still missing. Please complete them with the ✏️ buttons."),
    }
    return messages.get(error.reason, messages["unknown_choice"])
