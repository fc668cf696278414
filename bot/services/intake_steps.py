"""The intake's steps on screen: store the changed draft, close what was answered, show what comes next.

Shared by the button presses (bot/services/intake.py) and the typed answers
(bot/services/intake_typed.py). A step's choices are a screen (bot/services/screens.py): answered by a
press, the pressed message keeps the answer without its buttons ("Category: Drugs"); answered by
typing, the live choices are edited into the same answer; the next step's prompt comes below.
"""

from __future__ import annotations

from bot.domain import intake
from bot.domain.intake import PLACE_STEPS, Draft, IntakeError, Step
from bot.outgoing import Screen
from bot.services import screens
from bot.services.screens import Kind
from bot.services.session import Session
from bot.views import common as common_views
from bot.views import intake as views
from bot.views import intake_notices as notices
from db.repositories import drafts
from db.repositories.drafts import StoredDraft

_TYPING_STEPS = (Step.DESCRIPTION, Step.EVIDENCE, Step.CONTACT)  # they show a reply keyboard


async def save(s: Session, draft: Draft) -> None:
    await drafts.save(s.tx, s.user.user_id, draft)


async def apply(s: Session, stored: StoredDraft, updated: Draft, message_id: int | None) -> None:
    """Store the new draft and show what changed: the answered step, then the next prompt.
    `message_id`: the step's message whose button was pressed; None when the answer was typed."""
    await save(s, updated)
    t, before, after = s.t, stored.draft.step, updated.step
    if before in PLACE_STEPS and after in PLACE_STEPS:  # a level of the place, down or back up
        prompt = views.place_prompt(t, stored.seq, updated, s.services.gazetteer, s.services.categories)
        closing = None
        if message_id is None and PLACE_STEPS.index(after) > PLACE_STEPS.index(before):
            closing = await _typed_answer(s, await _choices_answer(s, updated, _chosen_place(updated)))
        await screens.show(s, message_id, prompt, Kind.STEP, closing=closing)
        return
    if before == Step.PROVINCE and after == Step.CATEGORY:  # Back from the place to the category
        await screens.show(s, message_id, views.category_prompt(t, stored.seq, s.services.categories), Kind.STEP)
        return
    if before == Step.CATEGORY and after == Step.PROVINCE and message_id is not None:
        # The pressed question becomes the place's: one message carries both choices, no new prompt.
        prompt = views.place_prompt(t, stored.seq, updated, s.services.gazetteer, s.services.categories)
        await screens.show(s, message_id, prompt, Kind.STEP)
        return
    answer, closing = await _answer(s, before, updated), None
    if message_id is not None and answer is not None:  # the pressed message keeps the answer, without buttons
        await screens.show(s, message_id, answer)
    elif answer is not None:
        closing = await _typed_answer(s, answer)
    if after == Step.REVIEW and before != Step.CATEGORY:
        # Inline buttons come next: take the reply keyboard of the typing steps away first.
        await s.say(views.contact_answer(t, updated) if before == Step.CONTACT else notices.saved(t))
    # A pressed step without an answer (✏️) closes here.
    await show(s, stored.seq, updated, closing=closing, after_typing=before in _TYPING_STEPS)


async def show(
    s: Session, seq: int, draft: Draft, *, closing: Screen | None = None, after_typing: bool = False
) -> None:
    """The prompt of the draft's current step, as a new message; the live screen above closes
    (into `closing` if given). `after_typing`: the reply keyboard of a typing step is shown."""
    t, step = s.t, draft.step
    if step == Step.CATEGORY:
        screen, kind = views.category_prompt(t, seq, s.services.categories), Kind.STEP
    elif step in PLACE_STEPS:
        if after_typing:  # back to the place: ✅ Done and the rest would mean nothing here
            await s.say(notices.location_offer(t))
        screen, kind = views.place_prompt(t, seq, draft, s.services.gazetteer, s.services.categories), Kind.STEP
    elif step == Step.DESCRIPTION:
        screen, kind = views.description_prompt(t, draft), Kind.SCREEN
    elif step == Step.EVIDENCE:
        screen, kind = views.evidence_prompt(t, draft), Kind.SCREEN
    elif step == Step.CONTACT:
        screen, kind = views.contact_prompt(t), Kind.SCREEN
    else:
        screen, kind = views.review(t, seq, draft, s.services.categories, s.services.gazetteer), Kind.STEP
    await screens.show(s, None, screen, kind, closing=closing)


async def back(s: Session, stored: StoredDraft, message_id: int | None) -> None:
    updated = intake.back(stored.draft)
    if updated is None:  # Back on the first step: leave the intake, keep the draft for later
        await screens.show(s, message_id, common_views.main_menu(s.t, has_draft=True))
        return
    await apply(s, stored, updated, message_id)


async def choose_place(s: Session, stored: StoredDraft, code: str, message_id: int | None) -> None:
    gazetteer = s.services.gazetteer
    place = gazetteer.get(code)
    if place is None:
        raise IntakeError("unknown_choice")
    path = [p.code for p in gazetteer.path(place.code)]
    await apply(s, stored, intake.choose_place(stored.draft, place.code, path), message_id)


def parent_code(draft: Draft) -> str | None:
    """The place chosen so far that the current place step chooses within."""
    return {Step.DISTRICT: draft.province, Step.COMMUNE: draft.district}.get(draft.step)


def _chosen_place(draft: Draft) -> str:
    return draft.commune or draft.district or draft.province or ""


async def _typed_answer(s: Session, answer: Screen) -> Screen | None:
    """An answer typed to a step: what its choices become when they close (if they are the live
    screen), else said now (e.g. a confirmation came after the choices and closed them)."""
    if await screens.live_kind(s) in (Kind.STEP, Kind.MATCHES):
        return answer
    await s.say(answer)
    return None


async def _answer(s: Session, before: Step, updated: Draft) -> Screen | None:
    """What the choices of the step just left become: the answer given (None for the review)."""
    if before == Step.CATEGORY:
        return views.category_answer(s.t, s.services.categories, updated.category or "")
    if before in PLACE_STEPS and updated.commune:
        return await _choices_answer(s, updated, updated.commune)
    return None


async def _choices_answer(s: Session, draft: Draft, place: str) -> Screen:
    """What the place's choices become: the place chosen, under the category the place's choices
    showed (views.place_prompt; a list of matches for a typed name shows none)."""
    shown = await screens.live_kind(s) == Kind.STEP
    return views.place_answer(s.t, place, s.services.categories, draft.category if shown else None)
