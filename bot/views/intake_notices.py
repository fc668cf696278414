"""The intake's short answers: confirmations, refusals and hints between the prompts, the toasts of
its buttons, and what each refusal of bot.domain.intake says.

The prompts themselves, the review and the receipt are in bot/views/intake.py.
"""

from __future__ import annotations

from bot.domain import tracking
from bot.domain.intake import DESCRIPTION_MAX_CHARS, EVIDENCE_MAX, Draft, IntakeError, Step
from bot.i18n import Translator
from bot.outgoing import REMOVE_KEYBOARD, Button, Screen, reply_keyboard
from bot.views.common import duration_label
from bot.views.intake import ReplyButtons, evidence_summary, typing_keyboard

PHONE_EXAMPLE = "012 345 678"


def resumed(t: Translator) -> Screen:
    return Screen(t("You have a complaint in progress. Let's continue where you left off."))


def nothing_to_cancel(t: Translator) -> Screen:
    return Screen(t("There is nothing to cancel."), REMOVE_KEYBOARD)


def discarded(t: Translator) -> Screen:
    """What the cancel confirmation becomes once the draft is discarded."""
    return Screen("🗑 " + t("Your draft complaint was discarded."))


def nothing_sent(t: Translator) -> Screen:
    """After a discard: the typing steps' reply keyboard goes with it."""
    return Screen(t("Nothing was sent to the police."), REMOVE_KEYBOARD)


def kept(t: Translator) -> Screen:
    """What the cancel confirmation becomes when the citizen goes on: pressed "No", or left unanswered."""
    return Screen("↩️ " + t("OK, let's continue."))


def saved(t: Translator) -> Screen:
    """A typing step finished on the way to the review: the review's inline buttons come next, so the
    reply keyboard goes."""
    return Screen("✅ " + t("Saved."), REMOVE_KEYBOARD)


def added_to_description(t: Translator, *, cut: int = 0) -> Screen:
    if cut:
        return Screen(cut_off(t, cut))
    return Screen(t("✍️ Added to your description of what happened."))


def use_review_buttons(t: Translator) -> Screen:
    return Screen(t("Please use the buttons under your complaint: ✅ Submit, or ✏️ to change a part."))


def choose_category_please(t: Translator) -> Screen:
    return Screen(t("Please choose one of the categories with the buttons."))


def location_saved(t: Translator, *, at_place_step: bool) -> Screen:
    if at_place_step:
        return Screen(
            "📍 " + t("Location saved with your complaint. Now choose the place from the list, or type its name.")
        )
    return Screen("📍 " + t("Location saved with your complaint."))


def contact_step_only(t: Translator) -> Screen:
    return Screen(t("You can share your phone number at the contact step of your complaint."))


def own_number_please(t: Translator) -> Screen:
    return Screen(t("Please share your own number with the 📱 button, or type it."))


def unreadable_shared_phone(t: Translator) -> Screen:
    return Screen(
        t("That phone number could not be read. Please type it, e.g. %(example)s", example=t.digits(PHONE_EXAMPLE))
    )


def type_phone_please(t: Translator) -> Screen:
    """An old Telegram client sent the 📱 button's label instead of the contact."""
    return Screen(t("Please type your phone number, e.g. %(example)s", example=t.digits(PHONE_EXAMPLE)))


def invalid_phone(t: Translator) -> Screen:
    return Screen(
        t(
            "That is not a valid phone number. Please type it like %(example)s, or choose 🙈 Stay anonymous.",
            example=t.digits(PHONE_EXAMPLE),
        )
    )


def description_saved(t: Translator, draft: Draft, *, cut: int = 0) -> Screen:
    if cut:
        return Screen(cut_off(t, cut) + " " + t("Press ✅ Done to continue."))
    text = t(
        "✍️ Saved (%(count)s of %(max)s characters). Send more, or press ✅ Done when you have finished.",
        count=t.number(len(draft.description_text)),
        max=t.number(DESCRIPTION_MAX_CHARS),
    )
    return Screen(text)


def cut_off(t: Translator, cut: int) -> str:
    """What was kept of a message that did not fit the description, and what was not."""
    return "✍️ " + t(
        "Saved as far as it fits: the description can have at most %(max)s characters, so the last "
        "%(cut)s characters of your message were not kept. If they matter, send the most important part "
        "to the officer after filing.",
        max=t.number(DESCRIPTION_MAX_CHARS),
        cut=t.number(cut),
    )


def evidence_saved(t: Translator, draft: Draft, *, album: bool = False) -> Screen:
    if draft.evidence and draft.evidence[-1].account:
        text = "🎤 " + t(
            "Saved your voice message (%(length)s): it tells the police what happened. Send more, or press ✅ Done.",
            length=duration_label(t, draft.evidence[-1].duration),
        )
        return Screen(text)
    if album:  # the album's other files are still arriving: counts would be wrong in a second
        text = t("📎 Saving your files. Send more, or press ✅ Done.")
    else:
        text = t(
            "📎 Saved: %(items)s (%(count)s of %(max)s). Send more, or press ✅ Done.",
            items=evidence_summary(t, draft.evidence),
            count=t.number(len(draft.evidence)),
            max=t.number(EVIDENCE_MAX),
        )
    return Screen(text, typing_keyboard(t, ReplyButtons.DONE) if draft.step == Step.EVIDENCE else None)


def location_offer(t: Translator) -> Screen:
    """Back from a typing step to the place: its reply keyboard (✅ Done…) must go, and only a new
    message can replace it; this one offers the location instead (reply keyboards only)."""
    text = t("If you are at the place now, you can also send its location with the button below (optional).")
    keyboard = reply_keyboard([[Button(t(ReplyButtons.SEND_LOCATION), request_location=True)]])
    return Screen("📍 " + text, keyboard)


# --- toasts -----------------------------------------------------------------------------------------


def discarded_toast(t: Translator) -> str:
    return t("Discarded")


def filed_toast(t: Translator) -> str:
    return t("Filed")


def not_filed_toast(t: Translator) -> str:
    """Submit refused by a cap: the reason is in the message below, and the review keeps its buttons."""
    return t("Not filed: see the message below.")


def already_filed(t: Translator, number: str) -> str:
    return t("Already filed as %(number)s.", number=tracking.display(number, t.lang))


# --- refusals of bot.domain.intake ---------------------------------------------------------------------


def error(t: Translator, refused: IntakeError) -> str:
    details = refused.details
    messages = {
        "stale": t("This button belongs to an earlier step and no longer works."),
        "unknown_choice": t("That choice is not available. Please use the buttons."),
        "empty_text": t("Please type some words."),
        "description_too_short": t(
            "Please write a little more: at least %(minimum)s letters, not only emoji or numbers.",
            minimum=t.number(details.get("minimum", 0)),
        ),
        "description_too_long": t(
            "That is too long: you can add only %(left)s more characters (a description can have at most "
            "%(limit)s). Please shorten it, or send only the most important part.",
            limit=t.number(details.get("limit", 0)),
            left=t.number(details.get("left", 0)),
        ),
        "description_full": t(
            "Your description is full (%(limit)s characters), so this message was not added. Press ✅ Done "
            "to continue; after filing you can write to the officer handling your complaint.",
            limit=t.number(details.get("limit", 0)),
        ),
        "evidence_full": t(
            "You have already attached %(limit)s files, the most a complaint can have. Press ✅ Done to continue.",
            limit=t.number(details.get("limit", 0)),
        ),
        "unsupported_media": t(
            "This kind of file cannot be attached. Please send photos, videos, voice messages or documents."
        ),
        "incomplete": t("Some parts are still missing. Please complete them with the ✏️ buttons."),
    }
    return messages.get(refused.reason, messages["unknown_choice"])
