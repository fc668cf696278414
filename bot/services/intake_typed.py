"""What a citizen types or sends while writing a complaint: answers, files, a location, a contact.

Each function runs inside the caller's Session (one transaction) and returns False if the citizen
has no draft (the caller answers instead). Typed labels of the reply keyboards (✅ Done, ⬅️ Back…)
are recognised in either language.
"""

from __future__ import annotations

import asyncio
import functools

from bot.domain import intake, phone
from bot.domain.intake import PLACE_STEPS, ContactMode, Draft, Evidence, IntakeError, Step
from bot.domain.places import QUERY_MAX_CHARS, Gazetteer, Match
from bot.domain.textnorm import match_key
from bot.i18n import Catalogs
from bot.outgoing import Screen
from bot.services import intake_steps as steps
from bot.services import screens
from bot.services.screens import Kind
from bot.services.session import Services, Session
from bot.views import evidence as evidence_views
from bot.views import intake as views
from bot.views import intake_notices as notices
from bot.views.intake import ReplyButtons
from db.repositories import drafts
from db.repositories.drafts import StoredDraft


async def match_place_first(services: Services, user_id: int, text: str) -> None:
    """Before the session of a text message: if the citizen's draft is at a place step, match the
    text now, outside the database lock and off the event loop, so that `_typed_place` inside the
    session (a write transaction every other chat waits for) only reads the result back. If the
    draft moved on in between, `_typed_place` matches again for its new step (bounded work)."""
    async with services.db.read() as tx:
        stored = await drafts.get(tx, user_id)
    if stored is None or stored.draft.step not in PLACE_STEPS or _reply_button(services.catalogs, text):
        return
    await asyncio.to_thread(place_matches, services.gazetteer, text, steps.parent_code(stored.draft))


async def on_text(s: Session, text: str) -> bool:
    """Text while a draft is open; False if there is no draft (the caller answers instead)."""
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    try:
        await _on_text(s, stored, text)
    except IntakeError as error:
        await s.say(Screen(notices.error(s.t, error)))
    return True


async def _on_text(s: Session, stored: StoredDraft, text: str) -> None:
    draft, button = stored.draft, _reply_button(s.services.catalogs, text)
    if button == ReplyButtons.CANCEL:
        await screens.show(s, None, views.confirm_cancel(s.t, stored.seq), Kind.CANCEL)
    elif button == ReplyButtons.BACK:
        await steps.back(s, stored, None)
    elif draft.step == Step.CATEGORY:
        await _typed_category(s, stored, text)
    elif draft.step in PLACE_STEPS:
        await _typed_place(s, stored, text)
    elif draft.step == Step.DESCRIPTION:
        if button == ReplyButtons.DONE:
            await steps.apply(s, stored, intake.finish_description(draft), None)
        else:
            updated, cut = await _add_to_description(s, draft, text)
            await s.say(notices.description_saved(s.t, updated, cut=cut))
    elif draft.step == Step.EVIDENCE:
        if button in (ReplyButtons.DONE, ReplyButtons.SKIP):
            await steps.apply(s, stored, intake.finish_evidence(draft), None)
        else:  # more words about what happened: keep them rather than refuse them
            updated, cut = await _add_to_description(s, draft, text)
            await s.say(notices.added_to_description(s.t, cut=cut))
    elif draft.step == Step.CONTACT:
        await _typed_contact(s, stored, text, button)
    else:
        await s.say(notices.use_review_buttons(s.t))


async def _add_to_description(s: Session, draft: Draft, text: str) -> tuple[Draft, int]:
    """Keep as much of the text as fits; returns the saved draft and how many characters were cut."""
    kept, cut = intake.fit_description(draft, text)
    if not kept:
        raise IntakeError("description_full", limit=intake.DESCRIPTION_MAX_CHARS)
    updated = intake.add_description(draft, kept)
    await steps.save(s, updated)
    return updated, cut


async def on_media(s: Session, item: Evidence, media_group_id: str | None) -> bool:
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    try:
        updated = intake.add_evidence(stored.draft, item)
    except IntakeError as error:
        await s.say(evidence_views.refused(s.t, error.reason, error.details) or Screen(notices.error(s.t, error)))
        return True
    if updated is stored.draft:
        return True  # the same file again
    # An album arrives as one message per file: acknowledge it once, not ten times.
    later_in_album = media_group_id is not None and media_group_id == stored.draft.media_group_id
    await steps.save(s, intake.remember_media_group(updated, media_group_id))
    if not later_in_album:
        await s.say(notices.evidence_saved(s.t, updated, album=media_group_id is not None))
    return True


async def on_location(s: Session, latitude: float, longitude: float) -> bool:
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    updated = intake.set_location(stored.draft, latitude, longitude)
    await steps.save(s, updated)
    saved = notices.location_saved(s.t, at_place_step=updated.step in PLACE_STEPS)
    if updated.step == Step.DESCRIPTION:  # its keyboard offered the location: the 📍 button has done its work
        saved = Screen(saved.text, views.description_keyboard(s.t, with_location=False))
    await s.say(saved)
    return True


async def on_contact(s: Session, phone_number: str, contact_user_id: int | None) -> bool:
    stored = await drafts.get(s.tx, s.user.user_id)
    if stored is None:
        return False
    if stored.draft.step != Step.CONTACT:
        await s.say(notices.contact_step_only(s.t))
        return True
    if contact_user_id != s.user.user_id:
        await s.say(notices.own_number_please(s.t))
        return True
    e164 = phone.parse_shared(phone_number)
    if e164 is None:
        await s.say(notices.unreadable_shared_phone(s.t))
        return True
    await steps.apply(s, stored, intake.set_contact(stored.draft, ContactMode.SHARED, e164), None)
    return True


# --- each typed step ------------------------------------------------------------------------------


async def _typed_category(s: Session, stored: StoredDraft, text: str) -> None:
    key = match_key(text) if len(text) <= _LABEL_TEXT_MAX else ""
    active = s.services.categories.active()
    found = [c for c in active if key and (key == match_key(c.label_km) or key == match_key(c.label_en))]
    if len(found) == 1:
        valid = {c.key for c in active}
        await steps.apply(s, stored, intake.choose_category(stored.draft, found[0].key, valid), None)
        return
    await s.say(notices.choose_category_please(s.t))
    await steps.show(s, stored.seq, stored.draft)  # the question again, at the bottom of the chat


async def _typed_place(s: Session, stored: StoredDraft, text: str) -> None:
    within = steps.parent_code(stored.draft)
    matches = list(place_matches(s.services.gazetteer, text, within))
    # Taken without a tap when one place at this step's level is meant (bot/domain/place_pick.py).
    if (picked := s.services.gazetteer.pick_typed(matches, within)) is not None:
        await steps.choose_place(s, stored, picked.code, None)
    elif matches:  # the matches are the choices now: the list above closes, keeping the category chosen
        closing = None
        if stored.draft.category and await screens.live_kind(s) == Kind.STEP:
            closing = views.category_answer(s.t, s.services.categories, stored.draft.category)
        screen = views.place_matches(s.t, stored.seq, _quoted_place(text), matches)
        await screens.show(s, None, screen, Kind.MATCHES, closing=closing)
    else:  # the list above stays the choices
        await s.say(views.place_not_found(s.t, _quoted_place(text)))


@functools.lru_cache(maxsize=512)
def place_matches(gazetteer: Gazetteer, text: str, within: str | None) -> tuple[Match, ...]:
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
        await steps.apply(s, stored, intake.set_contact(stored.draft, ContactMode.ANONYMOUS), None)
        return
    if button == ReplyButtons.SHARE_PHONE:  # an old Telegram client sent the label instead of the contact
        await s.say(notices.type_phone_please(s.t))
        return
    e164 = phone.parse_typed(text)
    if e164 is None:
        await s.say(notices.invalid_phone(s.t))
        return
    await steps.apply(s, stored, intake.set_contact(stored.draft, ContactMode.TYPED, e164), None)


# --- reply-keyboard labels ------------------------------------------------------------------------

_REPLY_BUTTONS = (
    ReplyButtons.DONE,
    ReplyButtons.SKIP,
    ReplyButtons.BACK,
    ReplyButtons.CANCEL,
    ReplyButtons.ANONYMOUS,
    ReplyButtons.SHARE_PHONE,
)

# Reply-keyboard labels and category names are far shorter in every language; a longer text is
# typed, and match_key (Khmer normalization: ~20 µs a character) need not run over it.
_LABEL_TEXT_MAX = 200


@functools.lru_cache(maxsize=4)
def _reply_button_keys(catalogs: Catalogs) -> dict[str, str]:
    """match_key of each reply-keyboard label, in every language -> the label's msgid."""
    return {match_key(label): msgid for msgid in _REPLY_BUTTONS for label in catalogs.in_every_language(msgid)}


def _reply_button(catalogs: Catalogs, text: str) -> str | None:
    """Which reply-keyboard button this text is, in either language (or None)."""
    if len(text) > _LABEL_TEXT_MAX:
        return None
    return _reply_button_keys(catalogs).get(match_key(text))
